"""JSON API of live emergencies: the shared roll call every tablet polls, notes, notices, close-out, recovery.

Open by hand, tick the roll call, write on the timeline, tell the families, close out, review, follow-ups; the list
and one emergency whole.

Staff respond (`emergency.respond`: open, tick, write); the director manages (`emergency.manage`: notify, close,
review, follow-ups); the director and inspectors read the record (`emergency.read`).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint
from pydantic import Field

from server.apispec import Day, Id, Schema, responses, spec
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.operations import centre_by_id, get_centre
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.emergencies import followups, live, live_notices, live_read, rollcall
from server.emergencies.live_models import (
    Emergency,
    EmergencyKind,
    EmergencySource,
    EmergencyStatus,
    NoticeTemplate,
    PersonKind,
    TickStatus,
    TimelineKind,
)
from server.i18n import is_chinese, label
from server.idempotency import idempotent

bp = Blueprint("emergencies_live_api", __name__, url_prefix="/api/v1")
TEXT = live.MAX_TEXT


class EmergencyOut(Schema):
    id: int
    kind: EmergencyKind
    source: EmergencySource
    summary: str
    opened_at: datetime
    status: EmergencyStatus = Field(description="open | closed (close-out done) | complete (reviewed, follow-ups done)")


class EmergencyList(Schema):
    items: list[EmergencyOut]


class OpenIn(Schema):
    kind: str = Field(description="fire | earthquake | intrusion | missing_child | medical | environment | other")
    summary: str = Field("", max_length=TEXT)


class OpenOut(EmergencyOut):
    new: bool = Field(description="false: an emergency was already open and this joined its timeline")


class TickOut(Schema):
    person: str = Field(description='"c12" (child 12) or "s3" (staff 3)')
    status: TickStatus
    at: datetime
    by_id: int | None


class RoomCountOut(Schema):
    room_id: int | None
    expected: int
    present: int
    missing: int


class LineOut(Schema):
    id: int
    kind: TimelineKind
    label: str = Field(description="the kind in the caller's language")
    at: datetime
    by: str
    words: str = Field(description="the line in the caller's language")


class LiveOut(Schema):
    open: bool
    emergency: EmergencyOut | None = None
    version: int = Field(0, description="the newest tick's id: redraw when it changes")
    ticks: list[TickOut] = []
    rooms: list[RoomCountOut] = []
    expected: int = 0
    unticked: int = 0
    missing: int = 0
    timeline: list[LineOut] = []


class TickIn(Schema):
    person_kind: PersonKind
    person_id: Id
    status: TickStatus = Field(description="present | missing | cleared (take a tick back)")


class NoteIn(Schema):
    text: str = Field(max_length=TEXT)


class NotifyIn(Schema):
    template: NoticeTemplate
    text: str = Field("", max_length=live_notices.MAX_NOTICE_TEXT)


class NotifyOut(Schema):
    id: int
    template: NoticeTemplate
    children: int = Field(description="how many children's families were told")
    sent_at: datetime


class CloseIn(Schema):
    summary: str = Field(max_length=TEXT)
    all_clear: bool = Field(description="every person accounted for (refused while someone is marked missing)")


class ReviewIn(Schema):
    what_happened: str = Field(max_length=TEXT)
    what_worked: str = Field("", max_length=TEXT)
    what_to_change: str = Field("", max_length=TEXT)


class FollowUpIn(Schema):
    what: str = Field(max_length=TEXT)
    owner_staff_id: Id | None = None
    due_on: Day


class DoneIn(Schema):
    note: str = Field("", max_length=TEXT)


class FollowUpOut(Schema):
    id: int
    what: str
    owner_staff_id: int | None
    owner: str
    due_on: date
    done_at: datetime | None
    note: str | None
    overdue: bool


class SheetOut(EmergencyOut):
    opened_by: str
    timeline: list[LineOut]
    closed_at: datetime | None
    close_summary: str | None
    all_clear: bool | None
    reviewed_at: datetime | None
    what_happened: str | None
    what_worked: str | None
    what_to_change: str | None
    notices: list[NotifyOut]
    follow_ups: list[FollowUpOut]


def _out(emergency: Emergency) -> EmergencyOut:
    return EmergencyOut(id=emergency.id, kind=emergency.kind, source=emergency.source, summary=emergency.summary,
                        opened_at=emergency.opened_at, status=followups.status_of(emergency))


def _lines(emergency: Emergency) -> list[LineOut]:
    return [LineOut(id=line.entry.id, kind=line.entry.kind, label=label(line.entry.kind), at=line.entry.at, by=line.by,
                    words=line.words)
            for line in live_read.timeline(emergency, zh=is_chinese())]


def live_state(emergency: Emergency | None, now: datetime) -> LiveOut:
    """What every tablet polls: the open emergency, its roll call and its timeline."""
    if emergency is None:
        return LiveOut(open=False)
    found = rollcall.state(emergency, now)
    return LiveOut(open=True, emergency=_out(emergency), version=found.version,
                   ticks=[TickOut(person=key, status=t.status, at=t.at, by_id=t.by_id) for key, t in found.ticks.items()],
                   rooms=[RoomCountOut(**vars(r)) for r in found.rooms], expected=found.expected,
                   unticked=found.unticked, missing=found.missing, timeline=_lines(emergency))


@bp.get("/centres/<string:code>/live-emergencies")
@spec.validate(resp=responses(HTTP_200=EmergencyList), tags=["emergencies"])
def list_emergencies(code: str):
    """Every emergency of the centre, newest first."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return EmergencyList(items=[_out(e) for e, _status in live_read.list_emergencies(centre, actor=actor, now=now)])


@bp.post("/centres/<string:code>/live-emergencies")
@idempotent
@spec.validate(json=OpenIn, resp=responses(HTTP_201=OpenOut), tags=["emergencies"])
def open_emergency(code: str, json: OpenIn):
    """Open an emergency by hand (every member of staff); while one is open, this joins its timeline."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    emergency, new = live.open_emergency(centre, kind=json.kind, summary=json.summary, actor=actor, now=now)
    return OpenOut(**_out(emergency).model_dump(), new=new), 201


@bp.get("/centres/<string:code>/live-emergencies/current")
@spec.validate(resp=responses(HTTP_200=LiveOut), tags=["emergencies"])
def current(code: str):
    """The open emergency with its shared roll call and timeline (every tablet polls this); `open: false` if none."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.EMERGENCY_RESPOND, centre.id, now)
    return live_state(live.current_emergency(centre.id), now)


@bp.post("/centres/<string:code>/rollcall/ticks")
@spec.validate(json=TickIn, resp=responses(HTTP_201=LiveOut), tags=["emergencies"])
def tick(code: str, json: TickIn):
    """Tick a person on the open emergency's roll call; a child marked missing with none open opens one."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    rollcall.tick(centre, person_kind=json.person_kind.value, person_id=json.person_id, status=json.status.value,
                  actor=actor, now=now)
    return live_state(live.current_emergency(centre.id), now), 201


@bp.get("/live-emergencies/<int:emergency_id>")
@spec.validate(resp=responses(HTTP_200=SheetOut), tags=["emergencies"])
def get_emergency(emergency_id: int):
    """One emergency whole: timeline, close-out, notices, review, follow-ups."""
    actor, now = current_actor(), utcnow()
    emergency = live.get_emergency(emergency_id, actor=actor, now=now)
    return _sheet_out(emergency, now)


def _sheet_out(emergency: Emergency, now: datetime) -> SheetOut:
    found = live_read.sheet(emergency, zh=is_chinese(), today=centre_today(centre_by_id(emergency.centre_id), now))
    close, review = found.close_out, found.review
    return SheetOut(
        **_out(emergency).model_dump(), opened_by=found.opened_by, timeline=_lines(emergency),
        closed_at=close.closed_at if close else None, close_summary=close.summary if close else None,
        all_clear=close.all_clear if close else None, reviewed_at=review.reviewed_at if review else None,
        what_happened=review.what_happened if review else None, what_worked=review.what_worked if review else None,
        what_to_change=review.what_to_change if review else None,
        notices=[NotifyOut(id=n.id, template=n.template, children=n.children, sent_at=n.sent_at) for n in found.notices],
        follow_ups=[FollowUpOut(id=f.follow_up.id, what=f.follow_up.what, owner_staff_id=f.follow_up.owner_staff_id,
                                owner=f.owner, due_on=f.follow_up.due_on, done_at=f.done.done_at if f.done else None,
                                note=f.done.note if f.done else None, overdue=f.overdue) for f in found.follow_ups])


@bp.post("/live-emergencies/<int:emergency_id>/notes")
@spec.validate(json=NoteIn, resp=responses(HTTP_201=LineOut), tags=["emergencies"])
def add_note(emergency_id: int, json: NoteIn):
    """Write what you did on the timeline (only while it is open)."""
    actor, now = current_actor(), utcnow()
    emergency = live.get_emergency(emergency_id, actor=actor, now=now, perm=Perm.EMERGENCY_RESPOND)
    entry = live.add_note(emergency, text=json.text, actor=actor, now=now)
    return LineOut(id=entry.id, kind=entry.kind, label=label(entry.kind), at=entry.at, by="", words=entry.text), 201


@bp.post("/live-emergencies/<int:emergency_id>/notify")
@idempotent
@spec.validate(json=NotifyIn, resp=responses(HTTP_201=NotifyOut), tags=["emergencies"])
def notify(emergency_id: int, json: NotifyIn):
    """Tell the families of every child present or on the roll call (urgent notices)."""
    actor, now = current_actor(), utcnow()
    emergency = live.get_emergency(emergency_id, actor=actor, now=now, perm=Perm.EMERGENCY_MANAGE)
    row = live_notices.notify_families(emergency, template=json.template.value, text=json.text, actor=actor, now=now)
    return NotifyOut(id=row.id, template=row.template, children=row.children, sent_at=row.sent_at), 201


@bp.post("/live-emergencies/<int:emergency_id>/close")
@idempotent
@spec.validate(json=CloseIn, resp=responses(HTTP_201=SheetOut), tags=["emergencies"])
def close(emergency_id: int, json: CloseIn):
    """Close the emergency: its alerts resolve and the banner goes away (409 when already closed)."""
    actor, now = current_actor(), utcnow()
    emergency = live.get_emergency(emergency_id, actor=actor, now=now, perm=Perm.EMERGENCY_MANAGE)
    live.close_emergency(emergency, summary=json.summary, all_clear=json.all_clear, actor=actor, now=now)
    return _sheet_out(emergency, now), 201


@bp.post("/live-emergencies/<int:emergency_id>/review")
@idempotent
@spec.validate(json=ReviewIn, resp=responses(HTTP_201=SheetOut), tags=["emergencies"])
def review(emergency_id: int, json: ReviewIn):
    """The director's review of a closed emergency (once)."""
    actor, now = current_actor(), utcnow()
    emergency = live.get_emergency(emergency_id, actor=actor, now=now, perm=Perm.EMERGENCY_MANAGE)
    followups.add_review(emergency, what_happened=json.what_happened, what_worked=json.what_worked,
                         what_to_change=json.what_to_change, actor=actor, now=now)
    return _sheet_out(emergency, now), 201


@bp.post("/live-emergencies/<int:emergency_id>/follow-ups")
@idempotent
@spec.validate(json=FollowUpIn, resp=responses(HTTP_201=SheetOut), tags=["emergencies"])
def add_follow_up(emergency_id: int, json: FollowUpIn):
    """A follow-up task with its owner and due date."""
    actor, now = current_actor(), utcnow()
    emergency = live.get_emergency(emergency_id, actor=actor, now=now, perm=Perm.EMERGENCY_MANAGE)
    followups.add_follow_up(emergency, what=json.what, owner_staff_id=json.owner_staff_id, due_on=json.due_on,
                            actor=actor, now=now)
    return _sheet_out(emergency, now), 201


@bp.post("/emergency-follow-ups/<int:follow_up_id>/done")
@idempotent
@spec.validate(json=DoneIn, resp=responses(HTTP_201=SheetOut), tags=["emergencies"])
def complete_follow_up(follow_up_id: int, json: DoneIn):
    """A follow-up done, with a note (409 when already done)."""
    actor, now = current_actor(), utcnow()
    task = followups.get_follow_up(follow_up_id, actor=actor, now=now)
    followups.complete_follow_up(task, note=json.note, actor=actor, now=now)
    return _sheet_out(live.get_emergency(task.emergency_id, actor=actor, now=now), now), 201
