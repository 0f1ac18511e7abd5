"""The 表6 operations: tick an entry, amend it (with a reason), sign the day; and the day as it stands.

Every change is its own row and an audit entry. An entry stands as its latest amendment says (an amendment
always references the original entry). Once the day is signed, a new tick needs a reason as well (it is a late
addition). `recorded_at` is `now`; the typed start of an airing must lie in the day and not in the future.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.models import User
from server.auth.roles import Perm
from server.care.signing import signature_proof
from server.centre.models import Centre, Room
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_today, centre_zone, period_bounds
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.hygiene.models import CheckItem, HygieneCheck, HygieneSignature, SignedWith, TablewareMethod
from server.people.models import Staff

CHECK_FIELDS = ("room_id", "day", "item", "done", "minutes", "started_at", "method", "note", "amends_id", "reason",
                "staff_id", "by_name", "recorded_at")
SIGNATURE_FIELDS = ("room_id", "day", "staff_id", "by_name", "signed_with", "signed_at")
MAX_MINUTES = 240
MAX_TEXT = 500
MINUTE_ITEMS = (CheckItem.VENTILATION, CheckItem.UV_LAMP)


@dataclass
class Entry:
    """One entry of a 表6 day as it stands (the original with its amendments applied)."""

    original: HygieneCheck
    amendments: list[HygieneCheck] = field(default_factory=list)

    @property
    def current(self) -> HygieneCheck:
        return self.amendments[-1] if self.amendments else self.original

    @property
    def id(self) -> int:
        return self.original.id


@dataclass
class Day:
    room: Room
    day: date
    entries: list[Entry]
    signature: HygieneSignature | None

    def of(self, item: CheckItem) -> list[Entry]:
        return [e for e in self.entries if e.original.item is item]


def room_in_centre(centre: Centre, room_id: int) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or room.centre_id != centre.id:
        raise NotFound(_l("No such class"), code="room_not_found")
    return room


def staff_of(actor: Actor, centre_id: int) -> Staff | None:
    if actor.user_id is None:
        return None
    return db.session.execute(select(Staff).where(Staff.centre_id == centre_id, Staff.user_id == actor.user_id)
                              .order_by(Staff.id)).scalars().first()


def _user_name(actor: Actor, staff: Staff | None) -> str:
    if staff is not None:
        return staff.name
    user = db.session.get(User, actor.user_id) if actor.user_id else None
    return user.display_name if user is not None else ("系统" if actor.is_system else "")


def entries_by_day(centre_id: int, start: date, end: date, room_id: int | None = None,
                   as_of: datetime | None = None) -> dict[tuple[int, date], list[Entry]]:
    """Every entry of the centre's days start..end (optionally one room), recorded up to `as_of`, oldest first."""
    q = select(HygieneCheck).where(HygieneCheck.centre_id == centre_id, HygieneCheck.day >= start,
                                   HygieneCheck.day <= end)
    if room_id is not None:
        q = q.where(HygieneCheck.room_id == room_id)
    if as_of is not None:
        q = q.where(HygieneCheck.recorded_at <= as_of)
    rows = list(db.session.execute(q.order_by(HygieneCheck.recorded_at, HygieneCheck.id)).scalars())
    originals: dict[int, Entry] = {}
    days: dict[tuple[int, date], list[Entry]] = {}
    for row in rows:
        if row.amends_id is None:
            originals[row.id] = entry = Entry(row)
            days.setdefault((row.room_id, row.day), []).append(entry)
    for row in rows:
        if row.amends_id is not None and row.amends_id in originals:
            originals[row.amends_id].amendments.append(row)
    return days


def signatures(centre_id: int, start: date, end: date) -> dict[tuple[int, date], HygieneSignature]:
    return {(s.room_id, s.day): s for s in db.session.execute(
        select(HygieneSignature).where(HygieneSignature.centre_id == centre_id, HygieneSignature.day >= start,
                                       HygieneSignature.day <= end)).scalars()}


def read_day(room: Room, day: date, *, actor: Actor, now: datetime) -> Day:
    authorise(actor, Perm.HYGIENE_READ, room.centre_id, now)
    return load_day(room, day)


def load_day(room: Room, day: date) -> Day:
    entries = entries_by_day(room.centre_id, day, day, room.id).get((room.id, day), [])
    return Day(room, day, entries, signatures(room.centre_id, day, day).get((room.id, day)))


def _check_values(centre: Centre, day: date, item: CheckItem, done: bool, minutes: int | None,
                  started_at: datetime | None, method: TablewareMethod | None, note: str | None,
                  problems: ProblemCollector, now: datetime) -> None:
    if not done:
        return
    if item in MINUTE_ITEMS and minutes is None:
        problems.add("required", _l("How many minutes?"), "minutes")
    if item is CheckItem.TABLEWARE:
        if method is None:
            problems.add("required", _l("Boiled, steamed or the cabinet?"), "method")
        elif method is not TablewareMethod.CABINET and minutes is None:
            problems.add("required", _l("How many minutes?"), "minutes")
    if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
        problems.add("out_of_range", _l("Between 1 and %(most)s minutes.", most=MAX_MINUTES), "minutes")
    if started_at is not None:
        zone = centre_zone(centre)
        if started_at.tzinfo is None:
            started_at = started_at.replace(tzinfo=zone)
        local = started_at.astimezone(zone)
        if local.date() != day:
            problems.add("not_that_day", _l("The time must be on the day of the record"), "started_at")
        elif started_at > now:
            problems.add("in_the_future", _l("This time is in the future"), "started_at")
    if note is not None and len(note) > MAX_TEXT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_TEXT), "note")


def _reason(reason: str | None, problems: ProblemCollector, *, needed: bool) -> str | None:
    why = (reason or "").strip()
    if needed and not why:
        problems.add("reason_required", _l("Say why it is corrected"), "reason")
    elif len(why) > MAX_TEXT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_TEXT), "reason")
    return why or None


def _store(row: HygieneCheck, action: str, actor: Actor, now: datetime) -> HygieneCheck:
    db.session.add(row)
    db.session.flush()
    audit_record(row, action, None, CHECK_FIELDS, actor=actor, now=now)
    return row


def tick(room: Room, day: date, *, item: CheckItem | str, minutes: int | None = None,
         started_at: datetime | None = None, method: TablewareMethod | str | None = None, note: str | None = None,
         reason: str | None = None, actor: Actor, now: datetime) -> HygieneCheck:
    """Record one entry of the class's day (an airing, a cleaning tick, the tableware, the UV minutes)."""
    authorise(actor, Perm.HYGIENE_WRITE, room.centre_id, now)
    centre = centre_by_id(room.centre_id)
    problems = ProblemCollector()
    try:
        item = CheckItem(item)
    except ValueError:
        problems.add("unknown_item", _l("No such line on the checklist"), "item")
        problems.raise_if_any()
    try:
        method = TablewareMethod(method) if method else None
    except ValueError:
        problems.add("unknown_method", _l("Boiled, steamed or the cabinet?"), "method")
        problems.raise_if_any()
    assert isinstance(item, CheckItem)
    if day > centre_today(centre, now):
        problems.add("in_the_future", _l("This day has not come yet"), "day")
    _check_values(centre, day, item, True, minutes, started_at, method, note, problems, now)
    signed = load_day(room, day).signature is not None
    why = _reason(reason, problems, needed=signed)
    problems.raise_if_any()
    if item is not CheckItem.VENTILATION:
        started_at = None
    if item not in (CheckItem.TABLEWARE,):
        method = None
    if item not in MINUTE_ITEMS and method in (None, TablewareMethod.CABINET):
        minutes = None
    if started_at is not None and started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=centre_zone(centre))
    staff = staff_of(actor, room.centre_id)
    row = HygieneCheck(centre_id=room.centre_id, room_id=room.id, day=day, item=item, done=True, minutes=minutes,
                       started_at=started_at, method=method, note=(note or "").strip() or None, reason=why,
                       staff_id=staff.id if staff else None, by_name=_user_name(actor, staff), recorded_at=now,
                       recorded_by_id=actor.user_id)
    return _store(row, "hygiene_check.tick", actor, now)


def amend(entry: HygieneCheck, *, done: bool = True, minutes: int | None = None, started_at: datetime | None = None,
          method: TablewareMethod | str | None = None, note: str | None = None, reason: str | None,
          actor: Actor, now: datetime) -> HygieneCheck:
    """Correct or withdraw (done=False) an entry: a row referencing the original, with the reason. 409 no_change."""
    authorise(actor, Perm.HYGIENE_WRITE, entry.centre_id, now)
    original = db.session.get(HygieneCheck, entry.amends_id) if entry.amends_id else entry
    assert original is not None
    centre = centre_by_id(original.centre_id)
    problems = ProblemCollector()
    try:
        method = TablewareMethod(method) if method else None
    except ValueError:
        problems.add("unknown_method", _l("Boiled, steamed or the cabinet?"), "method")
        problems.raise_if_any()
    _check_values(centre, original.day, original.item, done, minutes, started_at, method, note, problems, now)
    why = _reason(reason, problems, needed=True)
    problems.raise_if_any()
    if started_at is not None and started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=centre_zone(centre))
    room = db.session.get(Room, original.room_id)
    assert room is not None
    day = load_day(room, original.day)
    current = next((e.current for e in day.entries if e.id == original.id), original)
    if not done:
        minutes, started_at, method = None, None, None
    if (current.done, current.minutes, current.started_at, current.method) == (done, minutes, started_at, method):
        raise Conflict(_l("The new value is the same as the current one"), code="no_change")
    staff = staff_of(actor, original.centre_id)
    row = HygieneCheck(centre_id=original.centre_id, room_id=original.room_id, day=original.day, item=original.item,
                       done=done, minutes=minutes, started_at=started_at, method=method,
                       note=(note or "").strip() or None, amends_id=original.id, reason=why,
                       staff_id=staff.id if staff else None, by_name=_user_name(actor, staff), recorded_at=now,
                       recorded_by_id=actor.user_id)
    return _store(row, "hygiene_check.amend", actor, now)


def _proof(signer: Staff, pin: str | None, password: str | None, actor: Actor, problems: ProblemCollector
           ) -> SignedWith | None:
    how = signature_proof(signer, pin, password, actor, problems)
    return SignedWith(how) if how is not None else None


def sign_day(room: Room, day: date, *, pin: str | None = None, password: str | None = None,
             signer: Staff | None = None, actor: Actor, now: datetime) -> HygieneSignature:
    """The caregiver logged in signs the class's day (PIN or password); once; 409 when there is nothing to sign."""
    authorise(actor, Perm.HYGIENE_WRITE, room.centre_id, now)
    current = load_day(room, day)
    if current.signature is not None:
        raise Conflict(_l("This day is already signed"), code="already_signed")
    if not current.entries:
        raise Conflict(_l("Nothing is ticked on this day yet"), code="nothing_to_sign")
    signer = signer if actor.is_system and signer is not None else staff_of(actor, room.centre_id)
    problems = ProblemCollector()
    if signer is None:
        problems.add("signer_not_staff", _l("Only a member of staff of this centre may sign"), "")
        problems.raise_if_any()
    assert signer is not None
    how = _proof(signer, pin, None if pin else password, actor, problems)
    problems.raise_if_any()
    assert how is not None
    row = HygieneSignature(centre_id=room.centre_id, room_id=room.id, day=day, staff_id=signer.id,
                           by_name=signer.name, signed_with=how, signed_at=now, recorded_by_id=actor.user_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("This day is already signed"), code="already_signed") from None
    audit_record(row, "hygiene_signature.sign", None, SIGNATURE_FIELDS, actor=actor, now=now)
    return row


def day_bounds(centre: Centre, day: date) -> tuple[datetime, datetime]:
    """The centre's local day as instants."""
    return period_bounds(centre, day, day)
