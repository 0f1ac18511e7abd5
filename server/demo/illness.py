"""The demo centre's 表4: cases that agree with the month of attendance, an outbreak, an exclusion running today.

Written through the real operations after the attendance history (`server.demo.history`), reading what it
recorded so the story holds together: a child is never checked in while excluded, and the days a child was
kept out are 因病缺勤 with the case's disease.

- 水痘 earlier in the month in one class, back with a return certificate;
- 手足口病 in another class: a child fell ill in the last week (back with a certificate, or still out), and a
  classmate is ill since a day or two and excluded today, certificate pending → the outbreak alert (2 cases
  within 7 days), raised when the second case is recorded, and the outbreak finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from server.attendance.models import Absence, AbsenceReason, AttendanceEvent, AttendanceKind
from server.attendance.operations.absences import record_absence
from server.attendance.registers import is_working_day
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.database import db
from server.health.illness.operations import record_return_certificate, report_case
from server.people.models import Child

OUTBREAK_DISEASE, EARLIER_DISEASE = "手足口病", "水痘"
CDC = "渝北区疾病预防控制中心"
HOSPITAL = "重庆医科大学附属儿童医院"


@dataclass(frozen=True)
class Plan:
    child: Child
    onset: date
    excluded_from: date
    back_on: date | None  # the return certificate's day (the first day present again), None: still out


class _Month:
    """What the attendance history recorded: who was present and who was away (latest absence row) each day."""

    def __init__(self, centre: Centre, start: date, today: date) -> None:
        tz = centre_zone(centre)
        self.start, self.today = start, today
        begin = datetime.combine(start, time.min, tzinfo=tz)
        self.present = {(child_id, at.astimezone(tz).date()) for child_id, at in db.session.execute(
            select(AttendanceEvent.child_id, AttendanceEvent.at).where(
                AttendanceEvent.centre_id == centre.id, AttendanceEvent.child_id.is_not(None),
                AttendanceEvent.kind == AttendanceKind.CHECK_IN, AttendanceEvent.at >= begin))}
        self.away = {(a.child_id, a.on): a for a in db.session.execute(
            select(Absence).where(Absence.centre_id == centre.id, Absence.on >= start).order_by(Absence.id)).scalars()}

    def back_on(self, child_id: int, onset: date) -> date | None:
        """The first day after `onset` the child was present, up to today."""
        day = onset + timedelta(days=1)
        while day <= self.today:
            if (child_id, day) in self.present:
                return day
            day += timedelta(days=1)
        return None

    def plan(self, child: Child, onset: date) -> Plan:
        """Kept out from the onset (the next day if present on it) until the first day back."""
        start = onset + timedelta(days=1) if (child.id, onset) in self.present else onset
        return Plan(child, onset, start, self.back_on(child.id, onset))

    def sick_on(self, child: Child, days: list[date]) -> list[date]:
        return [d for d in days if (child.id, d) in self.away and (child.id, d) not in self.present]


def _at(day: date, hour: int, minute: int, tz, now: datetime) -> datetime:  # type: ignore[no-untyped-def]
    return min(datetime.combine(day, time(hour, minute), tzinfo=tz), now)


def _record(centre: Centre, plan: Plan, disease: str, *, now: datetime, actor: Actor) -> None:
    """The case, the days kept out as 因病缺勤 with its disease, and the certificate the day the child came back."""
    tz = centre_zone(centre)
    until = plan.back_on or (now.astimezone(tz).date() + timedelta(days=1))
    day = plan.excluded_from
    while day < until:
        if is_working_day(day) and day <= now.astimezone(tz).date():
            record_absence(plan.child, on=day, reason=AbsenceReason.SICK, disease=disease, actor=actor,
                           now=_at(day, 8, 25, tz, now), today=day)
        day += timedelta(days=1)
    case = report_case(plan.child, disease=disease, infectious=True, onset_on=plan.onset, reported_on=plan.onset,
                       reported_to=CDC, excluded_from=plan.excluded_from,
                       excluded_until=plan.excluded_from + timedelta(days=7), actor=actor,
                       now=_at(max(plan.onset, plan.excluded_from - timedelta(days=1)), 10, 5, tz, now))
    if plan.back_on is not None:
        record_return_certificate(case, on=plan.back_on, issuer=HOSPITAL, actor=actor,
                                  now=_at(plan.back_on, 7, 15, tz, now))


def seed_illness(centre: Centre, *, start: date, now: datetime) -> None:
    """The month's 表4 cases (see the module's story), after the attendance history from `start` to `now`."""
    actor, tz = Actor.system(), centre_zone(centre)
    today = now.astimezone(tz).date()
    month = _Month(centre, start, today)
    children = list(db.session.execute(select(Child).where(Child.centre_id == centre.id, Child.room_id.is_not(None))
                                       .order_by(Child.id)).scalars())
    if len(children) < 3:
        return
    week = [today - timedelta(days=n) for n in range(6, 0, -1)]
    # Excluded today: a child away today (ill since its first day away in a row), else one not in yet.
    away_today = [c for c in children if month.sick_on(c, [today])]
    ill = away_today[0] if away_today else next((c for c in children if (c.id, today) not in month.present), None)
    if ill is None:
        return  # everybody is in already: no exclusion today (the seed never pretends someone was not)
    onset = today
    while onset - timedelta(days=1) >= today - timedelta(days=2) and month.sick_on(ill, [onset - timedelta(days=1)]):
        onset -= timedelta(days=1)
    classmates = [c for c in children if c.room_id == ill.room_id and c.id != ill.id]
    # The classmate who fell ill first this week: one away a day this week and back since, if there is one.
    first = next((c for c in classmates for d in month.sick_on(c, week) if month.back_on(c.id, d)), None)
    first_onset = next((d for d in month.sick_on(first, week) if month.back_on(first.id, d)), None) if first else None
    if first is None or first_onset is None:
        first, first_onset = classmates[0], next((d for d in week if is_working_day(d)), week[0])
    # 水痘 earlier in the month, in another class: a child away on a day two to three weeks ago.
    others = [c for c in children if c.room_id != ill.room_id]
    earlier_days = [today - timedelta(days=n) for n in range(21, 10, -1)]
    earlier = next(((c, d) for c in others for d in month.sick_on(c, earlier_days) if month.back_on(c.id, d)), None)
    if earlier is None and others:
        earlier = (others[0], next((d for d in earlier_days if is_working_day(d)), earlier_days[0]))
    if earlier is not None and earlier[1] >= start:
        _record(centre, month.plan(*earlier), EARLIER_DISEASE, now=now, actor=actor)
    plans = sorted([month.plan(first, first_onset), Plan(ill, onset, onset, None)], key=lambda p: p.onset)
    for plan in plans:
        _record(centre, plan, OUTBREAK_DISEASE, now=now, actor=actor)
    db.session.flush()
