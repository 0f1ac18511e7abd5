"""The duty roster (排班): shifts per room and day; a child-facing duty needs valid credentials. Append-only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance import Period
from compliance.rulebook.model import Text
from compliance.staffing import DutyRecord, default_catalogue
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre, Room
from server.centre.timezones import centre_zone
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.i18n import is_chinese
from server.people.models import Staff
from server.staff.models import Shift, ShiftCancellation
from server.staff.operations.eligibility import duty_statuses

SHIFT_FIELDS = ("room_id", "staff_id", "day", "starts_at", "ends_at", "recorded_by_id")
CANCELLATION_FIELDS = ("shift_id", "reason", "by_id")
MAX_REASON = 500


class _Reasons:
    """The catalogue's reasons (Chinese and English texts) in the language of whoever reads the message."""

    def __init__(self, texts: tuple[Text, ...]) -> None:
        self.texts = texts

    def __str__(self) -> str:
        return "；".join(t.zh for t in self.texts) if is_chinese() else "; ".join(t.en for t in self.texts)


def _live_shifts(centre_id: int):  # type: ignore[no-untyped-def]
    cancelled = select(ShiftCancellation.shift_id).where(ShiftCancellation.centre_id == centre_id)
    return select(Shift).where(Shift.centre_id == centre_id, Shift.id.not_in(cancelled))


def assign_shift(centre: Centre, *, staff_id: int, room_id: int | None, day: date, starts: time, ends: time,
                 actor: Actor, now: datetime) -> Shift:
    """Put a person on duty; refused with every reason (not certified, left, overlapping…) as 422 problems."""
    authorise(actor, Perm.ROSTER_WRITE, centre.id, now)
    problems = ProblemCollector()
    staff = db.session.get(Staff, staff_id)
    if staff is None or staff.centre_id != centre.id:
        raise NotFound(_l("No such member of staff"), field="staff_id")
    if room_id is not None:
        room = db.session.get(Room, room_id)
        if room is None or room.centre_id != centre.id or not room.is_active:
            problems.add("unknown_room", _l("No such class"), "room_id")
    if ends <= starts:
        problems.add("ends_before_starts", _l("The shift must end after it starts"), "ends")
    if staff.hired_on > day or (staff.left_on is not None and staff.left_on < day):
        problems.add("not_employed", _l("Not employed on that day"), "staff_id")
    tz = centre_zone(centre)
    starts_at = datetime.combine(day, starts, tzinfo=tz).astimezone(UTC)
    ends_at = datetime.combine(day, ends, tzinfo=tz).astimezone(UTC)
    if ends > starts and db.session.execute(
        _live_shifts(centre.id).where(Shift.staff_id == staff.id, Shift.starts_at < ends_at,
                                      Shift.ends_at > starts_at).limit(1)).first() is not None:
        problems.add("overlapping_shift", _l("Overlaps another shift of this person"), "starts")
    role = str(staff.role)
    catalogue = default_catalogue()
    if room_id is not None and role not in catalogue.child_facing_roles:
        problems.add("role_not_child_facing", _l("This role does not work with children"),
                     "room_id")
    status = duty_statuses(centre.id, [staff.id], day)[staff.id]
    if not status.certified:
        problems.add("not_certified", _l("Not certified for duty: %(reasons)s",
                                         reasons=_Reasons(status.reasons(catalogue))), "staff_id")
    problems.raise_if_any()
    shift = Shift(centre_id=centre.id, room_id=room_id, staff_id=staff.id, day=day, starts_at=starts_at,
                  ends_at=ends_at, recorded_at=now, recorded_by_id=actor.user_id)
    db.session.add(shift)
    db.session.flush()
    audit_record(shift, "staff_shift.assign", None, SHIFT_FIELDS, actor=actor, now=now)
    return shift


def get_shift(shift_id: int, *, actor: Actor, now: datetime) -> Shift:
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        raise NotFound()
    authorise(actor, Perm.ROSTER_READ, shift.centre_id, now)
    return shift


def cancel_shift(shift: Shift, *, reason: str, actor: Actor, now: datetime) -> ShiftCancellation:
    """Take a shift off the roster (the shift stays on record with why and by whom)."""
    authorise(actor, Perm.ROSTER_WRITE, shift.centre_id, now)
    if db.session.execute(select(ShiftCancellation.id).where(ShiftCancellation.shift_id == shift.id)).first():
        raise Conflict(_l("The shift is already cancelled"), code="already_cancelled")
    problems = ProblemCollector()
    reason = (reason or "").strip()
    if not reason:
        problems.add("required", _l("Say why the shift is cancelled"), "reason")
    elif len(reason) > MAX_REASON:
        problems.add("too_long", _l("The reason is too long"), "reason")
    problems.raise_if_any()
    row = ShiftCancellation(centre_id=shift.centre_id, shift_id=shift.id, reason=reason, at=now, by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "staff_shift.cancel", None, CANCELLATION_FIELDS, actor=actor, now=now)
    return row


def shifts_between(centre_id: int, first: date, last: date) -> list[tuple[Shift, ShiftCancellation | None]]:
    """Every shift of the days first..last, cancelled ones with their cancellation, in time order."""
    return [(s, c) for s, c in db.session.execute(
        select(Shift, ShiftCancellation).outerjoin(ShiftCancellation, ShiftCancellation.shift_id == Shift.id)
        .where(Shift.centre_id == centre_id, Shift.day >= first, Shift.day <= last)
        .order_by(Shift.day, Shift.starts_at, Shift.id)).all()]


def week_roster(centre: Centre, week_of: date, *, actor: Actor,
                now: datetime) -> tuple[date, list[tuple[Shift, ShiftCancellation | None]]]:
    """The shifts of the week (Monday to Sunday) holding `week_of`."""
    authorise(actor, Perm.ROSTER_READ, centre.id, now)
    monday = week_of - timedelta(days=week_of.weekday())
    return monday, shifts_between(centre.id, monday, monday + timedelta(days=6))


def roster_duties(centre_id: int, period: Period) -> Iterator[DutyRecord]:
    """The shifts that stand (not cancelled) as duty records, for 持证上岗率 and the evaluator."""
    for shift, cancellation in shifts_between(centre_id, period.start, period.end):
        if cancellation is None:
            yield DutyRecord(staff_id=shift.staff_id, day=shift.day, room_id=shift.room_id, source="roster")
