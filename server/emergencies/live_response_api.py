"""The live-emergency API while it happens: open, roll call, notes, notices, close-out.

The list, open by hand, the shared roll call every tablet polls and ticks, the timeline's notes, the families'
notices, the close-out, and one emergency whole.

Staff respond (`emergency.respond`: open, tick, write); the director manages (`emergency.manage`: notify, close);
the director and inspectors read the record (`emergency.read`).
"""

from __future__ import annotations

from server.apispec import responses, spec
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.operations import get_centre
from server.clock import utcnow
from server.emergencies import live, live_notices, live_read, rollcall
from server.emergencies.live_answers import emergency_out, live_state, sheet_out
from server.emergencies.live_api_blueprint import bp
from server.emergencies.live_schemas import (
    CloseIn,
    EmergencyList,
    LineOut,
    LiveOut,
    NoteIn,
    NotifyIn,
    NotifyOut,
    OpenIn,
    OpenOut,
    SheetOut,
    TickIn,
)
from server.i18n import label
from server.idempotency import idempotent


@bp.get("/centres/<string:code>/live-emergencies")
@spec.validate(resp=responses(HTTP_200=EmergencyList), tags=["emergencies"])
def list_emergencies(code: str):
    """Every emergency of the centre, newest first."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return EmergencyList(items=[emergency_out(e) for e, _status in live_read.list_emergencies(centre, actor=actor, now=now)])


@bp.post("/centres/<string:code>/live-emergencies")
@idempotent
@spec.validate(json=OpenIn, resp=responses(HTTP_201=OpenOut), tags=["emergencies"])
def open_emergency(code: str, json: OpenIn):
    """Open an emergency by hand (every member of staff); while one is open, this joins its timeline."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    emergency, new = live.open_emergency(centre, kind=json.kind, summary=json.summary, actor=actor, now=now)
    return OpenOut(**emergency_out(emergency).model_dump(), new=new), 201


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
    return sheet_out(emergency, now)


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
    return sheet_out(emergency, now), 201
