"""A child's day as the family reads it: a timeline in the centre's local time, read from each record domain.

Nothing here writes a record. Every read goes through the domain that keeps the record, and the reads of health
data (晨午检, doses) through the domain's own read functions, which authorise and log them; the day itself is
logged as a read of the child. Only what the family should see is kept: a nap's checks are counted, not shown;
a note marked internal never leaves care (`server.care.notes.shared_notes` gives the shared ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from compliance.health import CheckKind
from server.attendance.models import Absence, AbsenceReason, AttendanceEvent, AttendanceKind
from server.attendance.operations.corrections import effective_events
from server.audit.operations import log_access
from server.auth.actor import Actor
from server.care.medication.doses import child_doses
from server.care.models import CareKind, DiaperKind, NoteKind, ShareEaten
from server.care.notes import shared_notes
from server.care.operations.log import current_entries
from server.care.operations.naps import child_naps
from server.care.operations.outdoor import outdoor_day
from server.centre.models import Centre, Room
from server.centre.timezones import centre_today
from server.database import db
from server.health.checks.models import CheckStatus
from server.health.checks.queries import child_checks
from server.health.illness.operations import exclusion_of
from server.people.models import Child, ChildContact, Contact, Relationship

LAST = datetime.max.replace(tzinfo=UTC)
# The signs of 一摸二看三问四查 a check records, by the field that says whether it is right.
SIGNS = ("hands_mouth_eyes_ok", "skin_ok", "spirits_ok", "asked_ok")


@dataclass(frozen=True)
class Person:
    """Who brought or collected a child: the contact's relationship to this child and name; staff by hand: none."""

    relationship: Relationship | None
    name: str | None


@dataclass(frozen=True)
class DayItem:
    """One moment of the day. `kind` says which of the optional facts it carries."""

    kind: str  # arrival departure check meal bottle water diaper toilet nap dose note observation outdoor
    at: datetime | None
    until: datetime | None = None
    minutes: int | None = None
    by: Person | None = None
    share_eaten: ShareEaten | None = None
    allergens: tuple[str, ...] = ()
    allergy_acknowledged: bool = False
    ml: int | None = None
    diaper_kind: DiaperKind | None = None
    abnormal: bool = False
    abnormal_note: str | None = None
    note: str | None = None
    checks: int | None = None  # a nap's patrol checks: how many, never their details
    check_kind: CheckKind | None = None
    result: CheckStatus | None = None
    temperature: Decimal | None = None
    signs_off: tuple[str, ...] = ()
    findings: str | None = None
    drug: str | None = None
    dose: Decimal | None = None
    dose_unit: str | None = None
    route: str | None = None
    body: str | None = None
    domain: str | None = None


@dataclass(frozen=True)
class Status:
    """Where the child is (today) or was (a past day).

    `state`: in (since, brought by) | left (at, collected by) | absent (the reason) | excluded (until a return
    certificate; `until` the doctor's expected day) | not_arrived | not_enrolled (before enrolment or after leaving).
    """

    state: str
    at: datetime | None = None
    by: Person | None = None
    absence_reason: AbsenceReason | None = None
    excluded_from: date | None = None
    excluded_until: date | None = None


@dataclass(frozen=True)
class Outdoor:
    """The class's outdoor time of the day: minutes, the rule's minimum (None: not in force), an exemption."""

    minutes: int
    required: int | None
    exemption: str | None


@dataclass
class ChildDay:
    """Everything the family's day page and its API show for one child and one local day."""

    child: Child
    room: Room | None
    day: date
    today: date
    status: Status
    items: list[DayItem] = field(default_factory=list)
    outdoor: Outdoor | None = None

    @property
    def enrolled(self) -> bool:
        return is_enrolled(self.child, self.day)

    @property
    def previous_day(self) -> date | None:
        before = self.day - timedelta(days=1)
        return before if before >= self.child.enrolled_on else None

    @property
    def next_day(self) -> date | None:
        after = self.day + timedelta(days=1)
        return after if after <= self.today else None


def is_enrolled(child: Child, day: date) -> bool:
    return child.enrolled_on <= day and (child.left_on is None or child.left_on >= day)


# ---- attendance ---------------------------------------------------------------------------------------------

def _people(child_id: int, events: list[AttendanceEvent]) -> dict[int, Person]:
    """The contacts of the events, each with their relationship to this child (one query each)."""
    ids = {e.contact_id for e in events if e.contact_id is not None}
    if not ids:
        return {}
    names = dict(db.session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(ids))).all())
    relations = dict(db.session.execute(select(ChildContact.contact_id, ChildContact.relationship).where(
        ChildContact.child_id == child_id, ChildContact.contact_id.in_(ids))).all())
    return {i: Person(relations.get(i), names.get(i)) for i in ids}


def moves_of(centre: Centre, child: Child, day: date, now: datetime) -> tuple[list[AttendanceEvent], dict[int, Person]]:
    events = [e for e in effective_events(centre, child.id, day) if e.at <= now]
    return events, _people(child.id, events)


def _absence(child_id: int, day: date) -> Absence | None:
    """The day's absence as it stands (a later row for the day amends the earlier)."""
    return db.session.execute(select(Absence).where(Absence.child_id == child_id, Absence.on == day)
                              .order_by(Absence.id.desc()).limit(1)).scalar_one_or_none()


def day_status(centre: Centre, child: Child, day: date, now: datetime,
               moves: tuple[list[AttendanceEvent], dict[int, Person]] | None = None) -> Status:
    """The child's status of a day: the last move, else an exclusion, an absence, or not (yet) there."""
    if not is_enrolled(child, day):
        return Status("not_enrolled")
    events, people = moves if moves is not None else moves_of(centre, child, day, now)
    if events:
        last = events[-1]
        by = people.get(last.contact_id) if last.contact_id is not None else None
        if last.kind is AttendanceKind.CHECK_IN:
            return Status("in", last.at, by)
        return Status("left", last.at, by)
    case = exclusion_of(child.id, day)
    if case is not None:
        return Status("excluded", excluded_from=case.excluded_from, excluded_until=case.excluded_until)
    absence = _absence(child.id, day)
    if absence is not None:
        return Status("absent", absence_reason=absence.reason)
    return Status("not_arrived")


def _attendance_items(events: list[AttendanceEvent], people: dict[int, Person]) -> list[DayItem]:
    return [DayItem("arrival" if e.kind is AttendanceKind.CHECK_IN else "departure", e.at,
                    by=people.get(e.contact_id) if e.contact_id is not None else None) for e in events]


# ---- health -------------------------------------------------------------------------------------------------

def check_items(child: Child, day: date, *, actor: Actor, now: datetime) -> list[DayItem]:
    """The day's 晨检, 午检 and observations as they stand, read (and logged) by health's own function.

    A door screen a full check completed, and a row a correction replaced, give way to the later row.
    """
    items = []
    for line in child_checks(child, actor=actor, now=now, start=day, end=day):
        row = line.row
        if line.amended or line.completed:
            continue
        off = tuple(sign.removesuffix("_ok") for sign in SIGNS if getattr(row, sign) is False)
        if row.dangerous_objects_found:
            off += ("dangerous_objects",)
        abnormal = row.result is CheckStatus.ABNORMAL
        items.append(DayItem("check", row.at, check_kind=CheckKind(row.kind), result=CheckStatus(row.result),
                             temperature=row.temperature, signs_off=off,
                             findings=(row.findings or None) if abnormal else None))
    return items


def _dose_items(child: Child, day: date, *, actor: Actor, now: datetime) -> list[DayItem]:
    """Doses given on the day: drug, dose and time, read (and logged) through care's medication function."""
    rows = child_doses(child, start=day, end=day, actor=actor, now=now)
    return [DayItem("dose", d.at, drug=d.drug, dose=d.dose, dose_unit=d.dose_unit, route=d.route)
            for d in sorted(rows, key=lambda d: (d.at, d.id))]


# ---- care ---------------------------------------------------------------------------------------------------

def entry_items(child: Child, day: date) -> list[DayItem]:
    items = []
    for entry in current_entries(child.id, day):
        kind = CareKind(entry.kind)
        items.append(DayItem(
            str(kind), entry.at, ml=entry.ml,
            share_eaten=ShareEaten(entry.share_eaten) if entry.share_eaten is not None else None,
            allergens=tuple(entry.allergen_codes or ()), allergy_acknowledged=entry.allergy_acknowledged,
            diaper_kind=DiaperKind(entry.diaper_kind) if entry.diaper_kind is not None else None,
            abnormal=entry.abnormal, abnormal_note=entry.abnormal_note if entry.abnormal else None, note=entry.note))
    return items


def nap_items(child: Child, day: date, now: datetime) -> list[DayItem]:
    items = []
    for state in child_naps(child.id, day, now):
        ended = state.end.at if state.end is not None else None
        minutes = int((ended - state.nap.started_at).total_seconds() // 60) if ended is not None else None
        items.append(DayItem("nap", state.nap.started_at, until=ended, minutes=minutes, checks=len(state.checks)))
    return items


def _note_items(child: Child, day: date) -> list[DayItem]:
    """The notes and development observations care shares with the family (never an internal one)."""
    return [DayItem("observation" if note.kind is NoteKind.OBSERVATION else "note", note.at, body=note.body,
                    domain=note.domain) for note in shared_notes(child.id, day)]


def _outdoor(child: Child, room: Room | None, day: date) -> tuple[Outdoor | None, list[DayItem]]:
    """The class's outdoor time (the child's class): a summary, and the spells whose start was recorded."""
    if room is None:
        return None, []
    spent = outdoor_day(room, day)
    items = [DayItem("outdoor", s.started_at, minutes=s.minutes) for s in spent.spells if s.started_at is not None]
    if not spent.spells and spent.exemption is None:
        return None, items
    return Outdoor(spent.minutes, spent.required, spent.exemption), items


# ---- the day ------------------------------------------------------------------------------------------------

def _sort_key(item: DayItem) -> datetime:
    """Time order; a moment without a time (none today: outdoor spells without a start are left out) goes last."""
    return item.at if item.at is not None else LAST


def child_day(centre: Centre, child: Child, day: date, *, actor: Actor, now: datetime) -> ChildDay:
    """The child's day for its family (the caller has checked the actor is the child's guardian); logged."""
    today = centre_today(centre, now)
    room = db.session.get(Room, child.room_id) if child.room_id is not None else None
    log_access(centre_id=centre.id, user_id=actor.user_id, action="read", object_type="family_day",
               object_id=child.id, now=now, detail=day.isoformat())
    if not is_enrolled(child, day) or day > today:
        return ChildDay(child, room, day, today, Status("not_enrolled"))
    moves = moves_of(centre, child, day, now)
    notes = _note_items(child, day)
    # The class's outdoor time is the child's only on a day the child was there.
    outdoor, outdoor_items = _outdoor(child, room, day) if moves[0] else (None, [])
    items = [*_attendance_items(*moves), *check_items(child, day, actor=actor, now=now), *entry_items(child, day),
             *nap_items(child, day, now), *_dose_items(child, day, actor=actor, now=now), *notes, *outdoor_items]
    items.sort(key=_sort_key)
    return ChildDay(child, room, day, today, day_status(centre, child, day, now, moves), items, outdoor)
