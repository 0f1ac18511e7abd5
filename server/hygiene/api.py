"""JSON API of the 表6 class checklist: read a class's day, tick an entry, amend it, sign the day, list a month.

Days are the centre's local days (`YYYY-MM-DD`, 422 `invalid_day` otherwise). Every write answers the day as it
stands (201). An amendment always carries a reason (422 `reason_required`); a tick on a signed day too.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime

from flask import Blueprint, Response, g
from flask_babel import lazy_gettext as _l
from pydantic import Field

from server.apispec import Instant, Schema, responses, spec
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.models import Room
from server.clock import utcnow
from server.database import db
from server.errors import NotFound, Problem, ValidationFailed
from server.extensions import limiter
from server.hygiene import checklist
from server.hygiene.models import CheckItem, HygieneCheck, TablewareMethod
from server.hygiene.read import DayView, day_view
from server.hygiene.registers import value_text
from server.idempotency import idempotent

bp = Blueprint("hygiene_api", __name__, url_prefix="/api/v1")
PIN_LIMIT = "10 per 10 minutes"
_PIN_REFUSED = "hygiene_pin_refused"


class TickIn(Schema):
    item: CheckItem
    minutes: int | None = Field(None, ge=1, le=checklist.MAX_MINUTES, description="ventilation, boil/steam, UV")
    started_at: Instant | None = Field(None, description="ventilation: when the airing started")
    method: TablewareMethod | None = Field(None, description="tableware: boil | steam | cabinet")
    note: str | None = Field(None, max_length=checklist.MAX_TEXT)
    reason: str | None = Field(None, max_length=checklist.MAX_TEXT, description="required once the day is signed")


class AmendIn(Schema):
    done: bool = Field(True, description="false: withdraw the entry")
    minutes: int | None = Field(None, ge=1, le=checklist.MAX_MINUTES)
    started_at: Instant | None = None
    method: TablewareMethod | None = None
    note: str | None = Field(None, max_length=checklist.MAX_TEXT)
    reason: str = Field(max_length=checklist.MAX_TEXT)


class SignIn(Schema):
    pin: str | None = Field(None, max_length=8, description="the caller's kiosk PIN")
    password: str | None = Field(None, max_length=200, description="or the caller's own password")


class MonthQuery(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


class ValueOut(Schema):
    id: int
    done: bool
    minutes: int | None
    started_at: datetime | None
    method: str | None
    note: str | None
    text: str
    by: str
    recorded_at: datetime
    reason: str | None


class EntryOut(Schema):
    id: int = Field(description="the original entry (amend it by this id)")
    current: ValueOut
    original: ValueOut
    amendments: list[ValueOut]


class DeviceOut(Schema):
    source: str = Field(description="window | cabinet")
    started_at: datetime
    ended_at: datetime | None
    minutes: int | None
    text: str


class LineOut(Schema):
    item: str
    label: str
    rule_id: str
    entries: list[EntryOut]
    device: list[DeviceOut]


class SignatureOut(Schema):
    staff_id: int
    name: str
    signed_with: str
    signed_at: datetime


class DayOut(Schema):
    room_id: int
    room_name: str
    day: date
    lines: list[LineOut]
    has_window_contacts: bool
    signature: SignatureOut | None


class MonthDayOut(Schema):
    day: date
    entries: int
    airings: int
    signed: bool
    amendments: int


class MonthOut(Schema):
    room_id: int
    month: str
    days: list[MonthDayOut]


def _value(row: HygieneCheck, view: DayView) -> ValueOut:
    return ValueOut(id=row.id, done=row.done, minutes=row.minutes, started_at=row.started_at,
                    method=row.method.value if row.method else None, note=row.note,
                    text=value_text(row, view.centre),
                    by=row.by_name, recorded_at=row.recorded_at, reason=row.reason)


def day_out(view: DayView) -> DayOut:
    s = view.signature
    return DayOut(
        room_id=view.room.id, room_name=view.room.name, day=view.day, has_window_contacts=view.has_window_contacts,
        lines=[LineOut(item=x.line.key, label=x.line.zh, rule_id=x.line.rule_id,
                       entries=[EntryOut(id=e.id, current=_value(e.current, view), original=_value(e.original, view),
                                         amendments=[_value(a, view) for a in e.amendments]) for e in x.entries],
                       device=[DeviceOut(source=d.source, started_at=d.started_at, ended_at=d.ended_at,
                                         minutes=d.minutes, text=d.text) for d in x.device])
               for x in view.lines],
        signature=SignatureOut(staff_id=s.staff_id, name=s.by_name, signed_with=s.signed_with.value,
                               signed_at=s.signed_at) if s else None)


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def parse_day(raw: str) -> date:
    """A local day from the path (2000–2100, as every instant of the API); 422 invalid_day otherwise."""
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationFailed([Problem("invalid_day", _l("A day as YYYY-MM-DD"), "day")])
    return day


def room_for(room_id: int, perm: Perm, actor: Actor, now: datetime) -> Room:
    """The room if the actor holds `perm` at its centre (404 for another centre's room: nothing is revealed)."""
    room = db.session.get(Room, room_id)
    if room is None:
        raise NotFound(_l("No such class"), code="room_not_found")
    authorise(actor, perm, room.centre_id, now)
    return room


def entry_for(entry_id: int, actor: Actor, now: datetime) -> HygieneCheck:
    row = db.session.get(HygieneCheck, entry_id)
    if row is None:
        raise NotFound(_l("No such entry"), code="entry_not_found")
    authorise(actor, Perm.HYGIENE_WRITE, row.centre_id, now)
    return row


def pin_refused(response: Response) -> bool:
    return bool(g.get(_PIN_REFUSED))


@bp.get("/rooms/<int:room_id>/hygiene/<string:hygiene_day>")
@spec.validate(resp=responses(HTTP_200=DayOut), tags=["hygiene"])
def get_day(room_id: int, hygiene_day: str):
    """The class's 表6 for a day: each line's entries (as they stand, with history), device evidence, signature."""
    actor, now = current_actor(), utcnow()
    room = room_for(room_id, Perm.HYGIENE_READ, actor, now)
    return day_out(day_view(room, parse_day(hygiene_day)))


@bp.post("/rooms/<int:room_id>/hygiene/<string:hygiene_day>/entries")
@idempotent
@spec.validate(json=TickIn, resp=responses(HTTP_201=DayOut), tags=["hygiene"])
def tick(room_id: int, hygiene_day: str, json: TickIn):
    """Tick one entry (an airing with its minutes, a cleaning line, the tableware, the UV minutes)."""
    actor, now = current_actor(), utcnow()
    room = room_for(room_id, Perm.HYGIENE_WRITE, actor, now)
    on = parse_day(hygiene_day)
    checklist.tick(room, on, item=json.item, minutes=json.minutes, started_at=json.started_at, method=json.method,
                   note=json.note, reason=json.reason, actor=actor, now=now)
    return day_out(day_view(room, on)), 201


@bp.post("/hygiene/entries/<int:check_id>/amendments")
@idempotent
@spec.validate(json=AmendIn, resp=responses(HTTP_201=DayOut), tags=["hygiene"])
def amend(check_id: int, json: AmendIn):
    """Correct (or withdraw, done=false) an entry, with the reason; the original stays beside it."""
    actor, now = current_actor(), utcnow()
    row = entry_for(check_id, actor, now)
    checklist.amend(row, done=json.done, minutes=json.minutes, started_at=json.started_at, method=json.method,
                    note=json.note, reason=json.reason, actor=actor, now=now)
    room = db.session.get(Room, row.room_id)
    assert room is not None
    return day_out(day_view(room, row.day)), 201


@bp.post("/rooms/<int:room_id>/hygiene/<string:hygiene_day>/sign")
@limiter.limit(PIN_LIMIT, methods=["POST"], deduct_when=pin_refused)
@idempotent
@spec.validate(json=SignIn, resp=responses(HTTP_201=DayOut), tags=["hygiene"])
def sign(room_id: int, hygiene_day: str, json: SignIn):
    """The caller signs the class's day with their PIN or password (once; 409 already_signed / nothing_to_sign)."""
    actor, now = current_actor(), utcnow()
    room = room_for(room_id, Perm.HYGIENE_WRITE, actor, now)
    on = parse_day(hygiene_day)
    try:
        checklist.sign_day(room, on, pin=json.pin, password=json.password, actor=actor, now=now)
    except ValidationFailed as exc:
        if any(p.code in ("wrong_pin", "wrong_password") for p in exc.problems):
            g.setdefault(_PIN_REFUSED, True)
        raise
    return day_out(day_view(room, on)), 201


def month_days(room: Room, month: str) -> list[MonthDayOut]:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        first = None
    if first is None or not FIRST_DAY <= first <= LAST_DAY:
        raise ValidationFailed([Problem("invalid_month", _l("A month as YYYY-MM"), "month")])
    end = first.replace(day=monthrange(first.year, first.month)[1])
    entries = checklist.entries_by_day(room.centre_id, first, end, room.id)
    signed = checklist.signatures(room.centre_id, first, end)
    days = sorted({d for (r, d) in entries if r == room.id} | {d for (r, d) in signed if r == room.id})
    return [MonthDayOut(day=d, entries=len(entries.get((room.id, d), [])),
                        airings=sum(1 for e in entries.get((room.id, d), [])
                                    if e.original.item is CheckItem.VENTILATION and e.current.done),
                        signed=(room.id, d) in signed,
                        amendments=sum(len(e.amendments) for e in entries.get((room.id, d), [])))
            for d in days]


@bp.get("/rooms/<int:room_id>/hygiene")
@spec.validate(query=MonthQuery, resp=responses(HTTP_200=MonthOut), tags=["hygiene"])
def list_month(room_id: int, query: MonthQuery):
    """The class's 表6 days of a month: entries, airings, signed, amendments per day."""
    actor, now = current_actor(), utcnow()
    room = room_for(room_id, Perm.HYGIENE_READ, actor, now)
    return MonthOut(room_id=room.id, month=query.month, days=month_days(room, query.month))
