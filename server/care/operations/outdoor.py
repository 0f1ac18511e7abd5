"""Outdoor time (户外活动) per class and day, judged against the rulebook's minimum; days exempted (rain, smog…)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from compliance import Period
from compliance.care import (
    CareType,
    OutdoorExemptionRecord,
    OutdoorRecord,
    exemption_for,
    outdoor_minutes,
    required_minutes,
)
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.care.models import OutdoorExemption, OutdoorSpell
from server.care.operations.common import OLDEST_ENTRY, clean_text, entry_time, local_day, rules_on
from server.centre.models import Centre, Room
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_today
from server.database import db
from server.errors import ProblemCollector
from server.people.models import Child

SPELL_FIELDS = ("room_id", "day", "started_at", "minutes", "recorded_by_id")
EXEMPTION_FIELDS = ("room_id", "day", "reason", "recorded_by_id")
MINUTES_IN_DAY = 24 * 60
MAX_REASON = 200


@dataclass(frozen=True)
class OutdoorDay:
    """A class's outdoor time of one day against the rule: minutes, required (None: not in force), exemption."""

    room_id: int
    day: date
    minutes: int
    required: int | None
    exemption: str | None
    spells: tuple[OutdoorSpell, ...] = ()

    @property
    def met(self) -> bool:
        return self.required is None or self.exemption is not None or self.minutes >= self.required

    @property
    def shortfall(self) -> int:
        return 0 if self.met or self.required is None else self.required - self.minutes


def spell_record(spell: OutdoorSpell) -> OutdoorRecord:
    return OutdoorRecord(class_id=spell.room_id, day=spell.day, minutes=spell.minutes, started_at=spell.started_at,
                         recorded_by=str(spell.recorded_by_id or ""))


def exemption_record(row: OutdoorExemption) -> OutdoorExemptionRecord:
    return OutdoorExemptionRecord(day=row.day, reason=row.reason, class_id=row.room_id)


def _check_day(day: date, today: date, problems: ProblemCollector) -> None:
    if day > today:
        problems.add("in_future", _l("This day has not come yet"), "day")
    elif day < today - OLDEST_ENTRY:
        problems.add("too_old", _l("This day is too long ago to record here"), "day")


def record_outdoor(room: Room, *, minutes: int, day: date | None = None, started_at: datetime | None = None,
                   actor: Actor, now: datetime) -> OutdoorSpell:
    """A spell of the class outdoors (minutes), on `day` (default the day it started, or today)."""
    authorise(actor, Perm.CARE_WRITE, room.centre_id, now)
    problems = ProblemCollector()
    if started_at is not None:
        started_at = entry_time(started_at, now, problems, "started_at")
    centre = centre_by_id(room.centre_id)
    on = day or (local_day(room.centre_id, started_at) if started_at is not None else centre_today(centre, now))
    _check_day(on, centre_today(centre, now), problems)
    if started_at is not None and local_day(room.centre_id, started_at) != on:
        problems.add("other_day", _l("The start is on another day"), "started_at")
    if not 0 < minutes <= MINUTES_IN_DAY:
        problems.add("invalid_minutes", _l("Not a sensible number of minutes"), "minutes")
    if not room.is_active:
        problems.add("unknown_room", _l("No such class"), "room_id")
    problems.raise_if_any()
    spell = OutdoorSpell(centre_id=room.centre_id, room_id=room.id, day=on, started_at=started_at, minutes=minutes,
                         recorded_at=now, recorded_by_id=actor.user_id)
    db.session.add(spell)
    db.session.flush()
    audit_record(spell, "care_outdoor.record", None, SPELL_FIELDS, actor=actor, now=now)
    return spell


def record_exemption(centre: Centre, *, day: date, reason: str, room_id: int | None = None, actor: Actor,
                     now: datetime) -> OutdoorExemption:
    """A day a class (or, room_id None, the whole centre) could not go out, and why."""
    authorise(actor, Perm.CARE_WRITE, centre.id, now)
    problems = ProblemCollector()
    text = clean_text(reason, problems, "reason", required=True, limit=MAX_REASON)
    _check_day(day, centre_today(centre, now) + timedelta(days=1), problems)  # tomorrow's warning may be known
    if room_id is not None:
        room = db.session.get(Room, room_id)
        if room is None or room.centre_id != centre.id:
            problems.add("unknown_room", _l("No such class"), "room_id")
    problems.raise_if_any()
    row = OutdoorExemption(centre_id=centre.id, room_id=room_id, day=day, reason=text, recorded_at=now,
                           recorded_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "care_outdoor.exempt", None, EXEMPTION_FIELDS, actor=actor, now=now)
    return row


def _care_types(members: Iterable[tuple[int, str]]) -> dict[int, str]:
    """Full-day when any child of the class is in full-day care, else the most common care type."""
    kinds: dict[int, list[str]] = {}
    for room_id, service in members:
        kinds.setdefault(room_id, []).append(service)
    return {room_id: CareType.FULL_DAY.value if CareType.FULL_DAY.value in values
            else max(sorted(set(values)), key=values.count) for room_id, values in kinds.items()}


def class_care_by_day(centre_id: int, period: Period) -> dict[date, dict[int, str]]:
    """Each day's 托育类型 of each class, from the children enrolled on that day (one query for the period).

    A class with nobody enrolled that day is absent (readers take it as full-day, the strict reading).
    """
    enrolled = [(room_id, str(getattr(service, "value", service)), since, left) for room_id, service, since, left in
                db.session.execute(select(Child.room_id, Child.service_type, Child.enrolled_on, Child.left_on).where(
                    Child.centre_id == centre_id, Child.room_id.is_not(None), Child.enrolled_on <= period.end,
                    or_(Child.left_on.is_(None), Child.left_on >= period.start)))]
    return {day: _care_types((room_id, service) for room_id, service, since, left in enrolled
                             if since <= day and (left is None or left >= day))
            for day in period.each_day()}


def class_care(centre_id: int, day: date) -> dict[int, str]:
    """Each class's 托育类型 on `day`, from the children enrolled that day (see `class_care_by_day`)."""
    return class_care_by_day(centre_id, Period(day, day))[day]


def period_class_care(centre_id: int, period: Period) -> dict[int, str]:
    """One 托育类型 a class for a period (the evidence holds one per class).

    Full-day when the class was full-day on any day of the period, else the most common of its days'.
    """
    return _care_types((room_id, kind) for care in class_care_by_day(centre_id, period).values()
                       for room_id, kind in care.items())


def outdoor_day(room: Room, day: date) -> OutdoorDay:
    """The class's outdoor time of a day against `care.outdoor_time` (no authorisation: callers check)."""
    spells = tuple(db.session.scalars(select(OutdoorSpell).where(
        OutdoorSpell.centre_id == room.centre_id, OutdoorSpell.room_id == room.id, OutdoorSpell.day == day)
        .order_by(OutdoorSpell.started_at, OutdoorSpell.id)))
    exemptions = [exemption_record(e) for e in db.session.scalars(select(OutdoorExemption).where(
        OutdoorExemption.centre_id == room.centre_id, OutdoorExemption.day == day,
        or_(OutdoorExemption.room_id.is_(None), OutdoorExemption.room_id == room.id))
        .order_by(OutdoorExemption.id))]
    exemption = exemption_for(exemptions, room.id, day)
    full_day = class_care(room.centre_id, day).get(room.id, CareType.FULL_DAY.value) == CareType.FULL_DAY.value
    return OutdoorDay(room_id=room.id, day=day, minutes=outdoor_minutes([spell_record(s) for s in spells], room.id, day),
                      required=required_minutes(rules_on(room.centre_id, day)) if full_day else None,
                      exemption=exemption.reason if exemption else None, spells=spells)
