"""The demo's health profiles: structured allergies, 表5 entries, entry exams and growth measurements.

The free-text `Child.allergies` the office typed stays; each is mirrored by a structured allergy of the closed
list. The imperfections the rules catch: one child whose 预防接种证 was never checked, one child back after
months away with no new exam, one child stunted and one overweight with no 表5 entry (health.growth_screening).
Measurements follow each child's own WHO track (the reference curves at a z of the child's): monthly for
infants, quarterly from one year.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from compliance.health import Indicator
from compliance.health.growth import reference_curves
from server.attendance.models import AttendanceKind
from server.attendance.operations.corrections import correct_attendance
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.database import db
from server.health.profile import growth as growth_ops
from server.health.profile import operations as ops
from server.people.models import Child

# How the office typed an allergy → the closed list's code and a severity.
TYPED = {"鸡蛋": ("eggs", "moderate", "皮疹、口周红肿"), "花生": ("peanuts", "severe", "荨麻疹、呼吸急促"),
         "牛奶蛋白": ("milk", "moderate", "腹泻、湿疹加重")}
NURSE = "吴保健"


def _at(day: date, centre: Centre, now: datetime) -> datetime:
    return min(now, datetime.combine(day, time(10), tzinfo=centre_zone(centre)))


def _value(indicator: Indicator, sex: str, x: object, z: float, *, standing: bool = False) -> Decimal | None:
    value = reference_curves(indicator, sex, [x], sds=(z,), standing=standing)[z][0]  # type: ignore[list-item]
    return None if value is None else Decimal(str(value))


def _measure(child: Child, day: date, track: tuple[float, ...], rng: random.Random, centre: Centre,
             now: datetime, today: date, actor: Actor) -> None:
    sex = growth_ops.health_record(child).sex
    age = (day - child.born_on).days
    z_height, z_weight, z_head = (z + rng.uniform(-0.15, 0.15) for z in track)
    height = _value(Indicator.LENGTH_FOR_AGE, sex, age, z_height)
    if height is None:
        return
    height = height.quantize(Decimal("0.1"))
    weight = _value(Indicator.WEIGHT_FOR_LENGTH, sex, height, z_weight, standing=age >= 730)
    head = _value(Indicator.HEAD_FOR_AGE, sex, age, z_head)
    growth_ops.record_measurement(child, measured_on=day, height_cm=height, weight_kg=weight,
                                  head_cm=head.quantize(Decimal("0.1")) if head is not None else None,
                                  measured_by=NURSE, actor=actor, now=_at(day, centre, now), today=today)


def _days(child: Child, today: date) -> list[date]:
    """Measurement days: at enrolment, then monthly under a year old, quarterly after."""
    days, day = [], child.enrolled_on
    while day <= today:
        days.append(day)
        day += timedelta(days=30 if (day - child.born_on).days < 365 else 91)
    return days


def seed_health_profile(centre: Centre, *, today: date, now: datetime, rng: random.Random) -> None:
    """Profiles for every child of the demo centre (see the module's docstring for the story)."""
    actor = Actor.system()
    children = list(db.session.execute(select(Child).where(Child.centre_id == centre.id, Child.left_on.is_(None))
                                       .order_by(Child.id)).scalars())
    if not children:
        return
    by_age = sorted(children, key=lambda c: c.born_on)
    stunted, heavy = by_age[len(by_age) // 3], by_age[len(by_age) // 2]
    unchecked = children[1]
    long_enrolled = [c for c in children if c.enrolled_on <= today - timedelta(days=200) and c not in (stunted, heavy)]
    returned = long_enrolled[0] if long_enrolled else None
    for index, child in enumerate(children):
        exam_day = max(child.born_on + timedelta(days=30), child.enrolled_on - timedelta(days=rng.randint(5, 25)))
        ops.record_entry_exam(child, examined_on=exam_day, vaccination_checked=child is not unchecked, passed=True,
                              examined_by="区妇幼保健院", actor=actor, now=_at(exam_day, centre, now), today=today)
        typed = TYPED.get((child.allergies or "").strip())
        if typed is not None:
            code, severity, reaction = typed
            ops.record_allergy(child, allergen=code, severity=severity, reaction=reaction, recorded_on=child.enrolled_on,
                               actor=actor, now=_at(child.enrolled_on, centre, now), today=today)
        track = tuple(max(-1.5, min(1.5, rng.gauss(0, 0.7))) for _ in range(3))
        if child is stunted:
            track = (-2.6, -0.3, -0.8)
        elif child is heavy:
            track = (0.2, 2.5, 0.4)
        for day in _days(child, today):
            _measure(child, day, track, rng, centre, now, today, actor)
        if index == 2:
            ops.record_allergy(child, allergen="penicillins", severity="moderate", reaction="药疹",
                               recorded_on=child.enrolled_on, actor=actor, now=_at(child.enrolled_on, centre, now),
                               today=today)
    _conditions(children, [c for c in children if c not in (stunted, heavy)], centre, today, now, actor)
    if returned is not None:
        _away_for_months(returned, centre, today, now, actor)


def _conditions(children: list[Child], others: list[Child], centre: Centre, today: date, now: datetime,
                actor: Actor) -> None:
    anaemic, teeth = others[3 % len(others)], others[5 % len(others)]
    found = today - timedelta(days=20)
    ops.record_condition(anaemic, condition="营养性缺铁性贫血（轻度）", found_on=found, plan="补充铁剂，富含铁食物，1个月后复查血红蛋白",
                         managed_by=NURSE, actor=actor, now=_at(found, centre, now), today=today)
    found = today - timedelta(days=28)
    caries = ops.record_condition(teeth, condition="龋齿", found_on=found, plan="转诊口腔科，家园共育刷牙指导",
                                  managed_by=NURSE, actor=actor, now=_at(found, centre, now), today=today)
    closed = today - timedelta(days=6)
    ops.close_condition(caries, closed_on=closed, outcome="已治疗", actor=actor, now=_at(closed, centre, now),
                        today=today)


def _away_for_months(child: Child, centre: Centre, today: date, now: datetime, actor: Actor) -> None:
    """The child last came five months ago, before the month of history: back with no new exam.

    That last day is before the demo's attendance history: the office enters it as attendance's own correction
    (a manual check-in with its reason, audited), as it would back-fill a paper sign-in sheet.
    """
    day = today - timedelta(days=150)
    at = datetime.combine(day, time(8, 20), tzinfo=centre_zone(centre))
    correct_attendance(centre, child, kind=AttendanceKind.CHECK_IN, at=at,
                       reason="补录纸质签到：长期请假前最后一次入园", actor=actor, now=now)
