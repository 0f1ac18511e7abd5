"""JSON API of care on the room tablet: naps and patrol checks, the care log, notes and observations, outdoor time.

Writes need CARE_WRITE and take an `Idempotency-Key` (the tablet's offline queue: an entry made offline is sent
with its own `at` and stored once). Reads need CARE_READ: a guardian reads their own children's records (a note
only when it is shared with the family), never a whole class's. Times are instants (ISO 8601 with an offset);
days are the centre's local dates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from flask import Blueprint
from pydantic import Field

from compliance.care import SleepPosition
from server.apispec import Day, Id, Instant, Schema, responses, spec
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.care import notes as note_ops
from server.care.models import CareEntry, CareNote, NapCheck
from server.care.operations import log as log_ops
from server.care.operations import naps as nap_ops
from server.care.operations import outdoor as outdoor_ops
from server.care.operations.common import care_child, care_room
from server.centre.operations import get_centre
from server.centre.timezones import centre_today_by_id
from server.clock import utcnow
from server.idempotency import idempotent

bp = Blueprint("care_api", __name__, url_prefix="/api/v1")
TAGS = ["care"]
Note = Annotated[str, Field(max_length=500)]
AllergenCode = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,40}$")]


class NapStartIn(Schema):
    at: Instant | None = Field(None, description="when the child fell asleep; default now (an offline tap: its time)")
    room_id: Id | None = Field(None, description="the class the child sleeps in; default the child's class")


class NapCheckIn(Schema):
    position: SleepPosition = Field(description="back | side | stomach")
    breathing_ok: bool = True
    colour_ok: bool = True
    action: Note = Field("", description="what was done; required for stomach or an abnormal sign")
    at: Instant | None = None


class NapEndIn(Schema):
    at: Instant | None = None


class NapCheckOut(Schema):
    id: int
    nap_id: int
    at: datetime
    position: str
    breathing_ok: bool
    colour_ok: bool
    action: str
    checked_by_id: int | None


class NapOut(Schema):
    id: int
    child_id: int
    room_id: int
    day: date
    started_at: datetime
    ended_at: datetime | None
    next_check_due: datetime | None = Field(description="the patrol's next check; none once ended")
    check_overdue: bool
    checks: list[NapCheckOut]


class RoomNapsOut(Schema):
    room_id: int
    day: date
    items: list[NapOut]


class CareEntryIn(Schema):
    kind: Literal["meal", "bottle", "water", "diaper", "toilet"]
    at: Instant | None = None
    ml: int | None = Field(None, ge=1, le=log_ops.MAX_ML, description="bottle (required) or water")
    share_eaten: Literal["none", "little", "half", "most", "all"] | None = Field(None, description="meal (required)")
    allergen_codes: list[AllergenCode] = Field(default_factory=list, max_length=log_ops.MAX_ALLERGENS,
                                               description="meal or bottle: allergen codes of the catalogue")
    diaper_kind: Literal["wet", "soiled", "both", "dry"] | None = Field(None, description="diaper (required), toilet")
    abnormal: bool = False
    abnormal_note: Note | None = Field(None, description="required when abnormal")
    note: Note | None = None
    acknowledge_allergy: bool = Field(False, description="record despite the allergy warning (409) shown")


class CareEntryAmendIn(Schema):
    reason: str = Field(min_length=1, max_length=500)
    at: Instant | None = None
    ml: int | None = Field(None, ge=1, le=log_ops.MAX_ML)
    share_eaten: Literal["none", "little", "half", "most", "all"] | None = None
    allergen_codes: list[AllergenCode] | None = Field(None, max_length=log_ops.MAX_ALLERGENS)
    diaper_kind: Literal["wet", "soiled", "both", "dry"] | None = None
    abnormal: bool | None = None
    abnormal_note: Note | None = None
    note: Note | None = None
    acknowledge_allergy: bool = False


class CareEntryOut(Schema):
    id: int
    child_id: int
    room_id: int | None
    kind: str
    at: datetime
    ml: int | None
    share_eaten: str | None
    allergen_codes: list[str]
    diaper_kind: str | None
    abnormal: bool
    abnormal_note: str | None
    allergy_acknowledged: bool
    note: str | None
    amends_id: int | None
    reason: str | None
    recorded_at: datetime
    recorded_by_id: int | None


class DayQuery(Schema):
    on: Day | None = Field(None, description="the centre's local day; default today")


class ChildDayOut(Schema):
    child_id: int
    day: date
    entries: list[CareEntryOut] = Field(description="as they stand: corrected entries replaced by their correction")
    naps: list[NapOut]


class OutdoorSpellIn(Schema):
    minutes: int = Field(ge=1, le=outdoor_ops.MINUTES_IN_DAY)
    day: Day | None = Field(None, description="default the day it started, or today")
    started_at: Instant | None = None


class OutdoorSpellOut(Schema):
    id: int
    room_id: int
    day: date
    started_at: datetime | None
    minutes: int


class OutdoorDayOut(Schema):
    room_id: int
    day: date
    minutes: int
    required: int | None = Field(description="the rulebook's minutes (full-day care); none when not binding")
    exemption: str | None
    met: bool
    shortfall: int
    spells: list[OutdoorSpellOut]


class OutdoorExemptionIn(Schema):
    day: Day
    reason: str = Field(min_length=1, max_length=outdoor_ops.MAX_REASON, description="雨雪、雾霾、高温预警…")
    room_id: Id | None = Field(None, description="one class; none for the whole centre")


class OutdoorExemptionOut(Schema):
    id: int
    room_id: int | None
    day: date
    reason: str


class CareNoteIn(Schema):
    kind: Literal["note", "observation"] = Field("note", description="a note about the day, or a development "
                                                 "observation")
    domain: Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")] | None = Field(
        None, description="an observation's area of development: motor | language | cognition | social_emotional")
    text: str = Field(min_length=1, max_length=note_ops.MAX_BODY, description="what happened (at most 1000 characters)")
    shared_with_family: bool = Field(True, description="shown on the family's day; false: an internal note")
    at: Instant | None = None


class CareNoteAmendIn(Schema):
    reason: str = Field(min_length=1, max_length=500)
    kind: Literal["note", "observation"] | None = None
    domain: Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")] | None = None
    text: str | None = Field(None, min_length=1, max_length=note_ops.MAX_BODY)
    shared_with_family: bool | None = None
    at: Instant | None = None


class CareNoteOut(Schema):
    id: int
    child_id: int
    room_id: int | None
    day: date
    at: datetime
    kind: str
    domain: str | None
    text: str
    shared_with_family: bool
    written_by_id: int | None
    amends_id: int | None
    reason: str | None
    recorded_at: datetime


class CareNoteList(Schema):
    child_id: int
    day: date
    items: list[CareNoteOut] = Field(description="as they stand (a corrected note replaced by its correction)")


def _note_out(note: CareNote) -> CareNoteOut:
    return CareNoteOut(id=note.id, child_id=note.child_id, room_id=note.room_id, day=note.day, at=note.at,
                       kind=str(getattr(note.kind, "value", note.kind)), domain=note.domain, text=note.body,
                       shared_with_family=note.shared_with_family, written_by_id=note.written_by_id,
                       amends_id=note.amends_id, reason=note.reason, recorded_at=note.recorded_at)


def _nap_out(state: nap_ops.NapState) -> NapOut:
    nap = state.nap
    return NapOut(id=nap.id, child_id=nap.child_id, room_id=nap.room_id, day=nap.day, started_at=nap.started_at,
                  ended_at=state.end.at if state.end else None, next_check_due=state.next_check_due,
                  check_overdue=state.overdue, checks=[_check_out(c) for c in state.checks])


def _check_out(check: NapCheck) -> NapCheckOut:
    return NapCheckOut(id=check.id, nap_id=check.nap_id, at=check.at, position=str(check.position),
                       breathing_ok=check.breathing_ok, colour_ok=check.colour_ok, action=check.action,
                       checked_by_id=check.checked_by_id)


def _entry_out(entry: CareEntry) -> CareEntryOut:
    def value(member: object) -> str | None:
        return None if member is None else str(getattr(member, "value", member))

    return CareEntryOut(id=entry.id, child_id=entry.child_id, room_id=entry.room_id, kind=str(value(entry.kind)),
                        at=entry.at, ml=entry.ml, share_eaten=value(entry.share_eaten),
                        allergen_codes=list(entry.allergen_codes or []), diaper_kind=value(entry.diaper_kind),
                        abnormal=entry.abnormal, abnormal_note=entry.abnormal_note,
                        allergy_acknowledged=entry.allergy_acknowledged, note=entry.note, amends_id=entry.amends_id,
                        reason=entry.reason, recorded_at=entry.recorded_at, recorded_by_id=entry.recorded_by_id)


def _outdoor_out(day: outdoor_ops.OutdoorDay) -> OutdoorDayOut:
    return OutdoorDayOut(room_id=day.room_id, day=day.day, minutes=day.minutes, required=day.required,
                         exemption=day.exemption, met=day.met, shortfall=day.shortfall,
                         spells=[OutdoorSpellOut.model_validate(s) for s in day.spells])


@bp.post("/children/<int:child_id>/naps")
@idempotent
@spec.validate(json=NapStartIn, resp=responses(HTTP_201=NapOut), tags=TAGS)
def start_nap(child_id: int, json: NapStartIn):
    """The child fell asleep: a nap starts (one open nap per child: 409 `nap_open`)."""
    actor, now = current_actor(), utcnow()
    child = care_child(child_id, Perm.CARE_WRITE, actor=actor, now=now)
    nap = nap_ops.start_nap(child, at=json.at, room_id=json.room_id, actor=actor, now=now)
    return _nap_out(nap_ops.nap_states([nap], now)[0]), 201


@bp.get("/naps/<int:nap_id>")
@spec.validate(resp=responses(HTTP_200=NapOut), tags=TAGS)
def get_nap(nap_id: int):
    """One nap with its checks and when the next check is due."""
    actor, now = current_actor(), utcnow()
    nap = nap_ops.get_nap(nap_id, Perm.CARE_READ, actor=actor, now=now)
    care_child(nap.child_id, Perm.CARE_READ, actor=actor, now=now)
    return _nap_out(nap_ops.nap_states([nap], now)[0])


@bp.post("/naps/<int:nap_id>/checks")
@idempotent
@spec.validate(json=NapCheckIn, resp=responses(HTTP_201=NapOut), tags=TAGS)
def check_nap(nap_id: int, json: NapCheckIn):
    """A patrol check; stomach or breathing/colour not ok needs `action` (422 `action_required`, nothing stored)."""
    actor, now = current_actor(), utcnow()
    nap = nap_ops.get_nap(nap_id, Perm.CARE_WRITE, actor=actor, now=now)
    nap_ops.record_nap_check(nap, position=json.position, breathing_ok=json.breathing_ok, colour_ok=json.colour_ok,
                             action=json.action, at=json.at, actor=actor, now=now)
    return _nap_out(nap_ops.nap_states([nap], now)[0]), 201


@bp.post("/naps/<int:nap_id>/end")
@idempotent
@spec.validate(json=NapEndIn, resp=responses(HTTP_201=NapOut), tags=TAGS)
def end_nap(nap_id: int, json: NapEndIn):
    """The child woke up (a nap ends once: 409 `nap_ended`)."""
    actor, now = current_actor(), utcnow()
    nap = nap_ops.get_nap(nap_id, Perm.CARE_WRITE, actor=actor, now=now)
    nap_ops.end_nap(nap, at=json.at, actor=actor, now=now)
    return _nap_out(nap_ops.nap_states([nap], now)[0]), 201


@bp.get("/rooms/<int:room_id>/naps")
@spec.validate(query=DayQuery, resp=responses(HTTP_200=RoomNapsOut), tags=TAGS)
def room_naps(room_id: int, query: DayQuery):
    """The naps of a class on a day (default today), with their checks and the patrol's state."""
    actor, now = current_actor(), utcnow()
    room = care_room(room_id, Perm.CARE_READ, actor=actor, now=now)
    day = query.on or centre_today_by_id(room.centre_id, now)
    states = nap_ops.room_naps(room.id, day, actor=actor, now=now, centre_id=room.centre_id)
    return RoomNapsOut(room_id=room.id, day=day, items=[_nap_out(s) for s in states])


@bp.post("/children/<int:child_id>/care-entries")
@idempotent
@spec.validate(json=CareEntryIn, resp=responses(HTTP_201=CareEntryOut), tags=TAGS)
def log_entry(child_id: int, json: CareEntryIn):
    """A meal, bottle, water, diaper or toilet entry.

    Allergens the child reacts to: 409 `allergy_warning` unless `acknowledge_allergy` (then stored, marked so).
    """
    actor, now = current_actor(), utcnow()
    child = care_child(child_id, Perm.CARE_WRITE, actor=actor, now=now)
    entry = log_ops.log_entry(child, **json.model_dump(), actor=actor, now=now)
    return _entry_out(entry), 201


@bp.post("/care-entries/<int:care_entry_id>/amend")
@idempotent
@spec.validate(json=CareEntryAmendIn, resp=responses(HTTP_201=CareEntryOut), tags=TAGS)
def amend_entry(care_entry_id: int, json: CareEntryAmendIn):
    """Correct an entry: a new row replaces it (the original stays on record); `reason` required."""
    actor, now = current_actor(), utcnow()
    original = log_ops.get_entry(care_entry_id, Perm.CARE_WRITE, actor=actor, now=now)
    care_child(original.child_id, Perm.CARE_WRITE, actor=actor, now=now)
    changes = json.model_dump(exclude_unset=True, exclude={"reason", "acknowledge_allergy"})
    entry = log_ops.amend_entry(original, changes, reason=json.reason, acknowledge_allergy=json.acknowledge_allergy,
                                actor=actor, now=now)
    return _entry_out(entry), 201


@bp.get("/children/<int:child_id>/care-log")
@spec.validate(query=DayQuery, resp=responses(HTTP_200=ChildDayOut), tags=TAGS)
def child_day(child_id: int, query: DayQuery):
    """A child's day: care entries as they stand and naps with their checks."""
    actor, now = current_actor(), utcnow()
    child = care_child(child_id, Perm.CARE_READ, actor=actor, now=now)
    day = query.on or centre_today_by_id(child.centre_id, now)
    return ChildDayOut(child_id=child.id, day=day,
                       entries=[_entry_out(e) for e in log_ops.current_entries(child.id, day)],
                       naps=[_nap_out(s) for s in nap_ops.child_naps(child.id, day, now)])


@bp.post("/children/<int:child_id>/care-notes")
@idempotent
@spec.validate(json=CareNoteIn, resp=responses(HTTP_201=CareNoteOut), tags=TAGS)
def write_note(child_id: int, json: CareNoteIn):
    """A note about the child's day, or a development observation with its area.

    Shared with the family unless `shared_with_family` is false.
    """
    actor, now = current_actor(), utcnow()
    child = care_child(child_id, Perm.CARE_WRITE, actor=actor, now=now)
    values = json.model_dump()
    note = note_ops.write_note(child, body=values.pop("text"), **values, actor=actor, now=now)
    return _note_out(note), 201


@bp.post("/care-notes/<int:care_note_id>/amend")
@idempotent
@spec.validate(json=CareNoteAmendIn, resp=responses(HTTP_201=CareNoteOut), tags=TAGS)
def amend_note(care_note_id: int, json: CareNoteAmendIn):
    """Correct a note: a new one replaces it (the original stays on record); `reason` required."""
    actor, now = current_actor(), utcnow()
    original = note_ops.get_note(care_note_id, Perm.CARE_WRITE, actor=actor, now=now)
    care_child(original.child_id, Perm.CARE_WRITE, actor=actor, now=now)
    changes = json.model_dump(exclude_unset=True, exclude={"reason"})
    if "text" in changes:
        changes["body"] = changes.pop("text")
    return _note_out(note_ops.amend_note(original, changes, reason=json.reason, actor=actor, now=now)), 201


@bp.get("/children/<int:child_id>/care-notes")
@spec.validate(query=DayQuery, resp=responses(HTTP_200=CareNoteList), tags=TAGS)
def child_notes(child_id: int, query: DayQuery):
    """A child's notes and observations of a day (default today); a guardian reads the shared ones only."""
    actor, now = current_actor(), utcnow()
    child = care_child(child_id, Perm.CARE_READ, actor=actor, now=now)
    day = query.on or centre_today_by_id(child.centre_id, now)
    return CareNoteList(child_id=child.id, day=day,
                        items=[_note_out(n) for n in note_ops.child_notes(child, day, actor=actor, now=now)])


@bp.post("/rooms/<int:room_id>/outdoor")
@idempotent
@spec.validate(json=OutdoorSpellIn, resp=responses(HTTP_201=OutdoorDayOut), tags=TAGS)
def record_outdoor(room_id: int, json: OutdoorSpellIn):
    """A spell of the class outdoors; answers the day's total against the rule."""
    actor, now = current_actor(), utcnow()
    room = care_room(room_id, Perm.CARE_WRITE, actor=actor, now=now)
    spell = outdoor_ops.record_outdoor(room, minutes=json.minutes, day=json.day, started_at=json.started_at,
                                       actor=actor, now=now)
    return _outdoor_out(outdoor_ops.outdoor_day(room, spell.day)), 201


@bp.get("/rooms/<int:room_id>/outdoor")
@spec.validate(query=DayQuery, resp=responses(HTTP_200=OutdoorDayOut), tags=TAGS)
def room_outdoor(room_id: int, query: DayQuery):
    """The class's outdoor minutes of a day (default today) against the rule, and any exemption."""
    actor, now = current_actor(), utcnow()
    room = care_room(room_id, Perm.CARE_READ, actor=actor, now=now)
    return _outdoor_out(outdoor_ops.outdoor_day(room, query.on or centre_today_by_id(room.centre_id, now)))


@bp.post("/centres/<string:code>/outdoor-exemptions")
@idempotent
@spec.validate(json=OutdoorExemptionIn, resp=responses(HTTP_201=OutdoorExemptionOut), tags=TAGS)
def record_exemption(code: str, json: OutdoorExemptionIn):
    """A day a class (or the whole centre) could not go out, and why (rain, smog, a heat warning…)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = outdoor_ops.record_exemption(centre, day=json.day, reason=json.reason, room_id=json.room_id, actor=actor,
                                       now=now)
    return OutdoorExemptionOut.model_validate(row), 201
