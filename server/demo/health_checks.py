"""The demo centre's 晨检: a month of mornings at the door and today's morning in progress.

Written through the real operations after the attendance history (`server.demo.history`), reading who checked in
and when: the 保健员 (the centre's health log-in) checks each child a few minutes after arrival. The imperfections
the rules catch: a few children missed on a few days (health.morning_check), one follow-up closed late
(health.follow_up). Past abnormal checks (fever, 手口眼) went to the observation room and were closed the same
day. Today: most children checked, two in without a check (one of them with an abnormal kiosk screen waiting on
top of the queue), one abnormal check with its follow-up still open.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from compliance.health import CheckKind
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.audit.models import AuditHead, chain_for
from server.auth.actor import Actor
from server.auth.models import Membership, User
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.database import db
from server.health.checks.operations import close_follow_up, record_check, record_quick_screen
from server.people.models import Child

MISSED_DAYS, MISSED_PER_DAY = 3, (1, 2)
PAST_FEVERS = (("37.8", "体温偏高，精神稍差", "家长接回，社区医院诊断上呼吸道感染，居家观察"),
               ("38.4", "发热，咽部发红", "家长接回就医，医嘱休息两天"))
PAST_MOUTH = ("口腔内见疱疹两处，手心少量皮疹", "家长接回，医院排除手足口病，诊断为疱疹性咽峡炎")
LATE = ("37.6", "体温偏高", "次日电话随访：已退热，返园复查正常")
TODAY_FEVER = ("37.9", "体温偏高，精神欠佳，已送保健观察室")


@dataclass(frozen=True)
class Arrival:
    child: Child
    at: datetime


def _arrivals(centre: Centre, start: date, now: datetime) -> dict[date, list[Arrival]]:
    """Each open day's children in the order they first checked in (attendance's history)."""
    tz = centre_zone(centre)
    children = {c.id: c for c in db.session.execute(select(Child).where(Child.centre_id == centre.id)).scalars()}
    first: dict[tuple[int, date], datetime] = {}
    for child_id, at in db.session.execute(select(AttendanceEvent.child_id, AttendanceEvent.at).where(
            AttendanceEvent.centre_id == centre.id, AttendanceEvent.child_id.is_not(None),
            AttendanceEvent.kind == AttendanceKind.CHECK_IN,
            AttendanceEvent.at >= datetime.combine(start, time.min, tzinfo=tz), AttendanceEvent.at <= now)
            .order_by(AttendanceEvent.at, AttendanceEvent.id)):
        first.setdefault((child_id, at.astimezone(tz).date()), at)
    days: dict[date, list[Arrival]] = {}
    for (child_id, day), at in sorted(first.items(), key=lambda kv: kv[1]):
        days.setdefault(day, []).append(Arrival(children[child_id], at))
    return days


def _health_officer(centre: Centre) -> Actor:
    user = db.session.execute(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.centre_id == centre.id, Membership.role == Role.HEALTH).order_by(User.id)).scalars().first()
    return actor_for(user, lambda _: frozenset()) if user is not None else Actor.system()


def _check(child: Child, at: datetime, actor: Actor, *, temperature: str, findings: str = "",
           hands_mouth_eyes_ok: bool = True, observation_room: bool = False) -> object:
    return record_check(child, kind=CheckKind.MORNING, temperature=Decimal(temperature),
                        hands_mouth_eyes_ok=hands_mouth_eyes_ok, skin_ok=hands_mouth_eyes_ok, spirits_ok=True,
                        asked_ok=True, dangerous_objects_found=False, findings=findings,
                        to_observation_room=observation_room, completes_id=None, actor=actor, now=at)


def seed_health_checks(centre: Centre, *, start: date, now: datetime, rng: random.Random) -> None:
    """The month's 晨检 from `start` and today's up to `now` (see the module's story)."""
    actor = _health_officer(centre)
    days = _arrivals(centre, start, now)
    # Held while seeding: the session's identity map keeps objects only while something refers to them, and
    # every audit entry reads the chain's head (a hit here, a query each time otherwise).
    _held = db.session.get(AuditHead, chain_for(centre.id))  # noqa: F841
    if not days:
        return
    today = now.astimezone(centre_zone(centre)).date()
    past = [d for d in sorted(days) if d < today]
    missed_days = set(rng.sample(past[1:-1], min(MISSED_DAYS, max(0, len(past) - 2))))
    abnormal_days = rng.sample(past, min(len(past), 4))
    specials = dict(zip(abnormal_days, ("fever0", "fever1", "mouth", "late"), strict=False))
    for day in sorted(days):
        arrivals = days[day]
        skip = set(rng.sample(range(len(arrivals)), min(len(arrivals), rng.randint(*MISSED_PER_DAY)))) \
            if day in missed_days else set()
        special_at = rng.randrange(len(arrivals)) if day in specials else -1
        if day == today:
            _today(arrivals, actor, now, rng)
            continue
        for i, arrival in enumerate(arrivals):
            if i in skip:
                continue
            at = arrival.at + timedelta(minutes=rng.uniform(1, 6))
            if i == special_at:
                _past_abnormal(specials[day], arrival.child, at, actor, now)
            else:
                _check(arrival.child, at, actor, temperature=f"{rng.uniform(36.1, 37.0):.1f}")


def _past_abnormal(kind: str, child: Child, at: datetime, actor: Actor, now: datetime) -> None:
    if kind == "mouth":
        row = _check(child, at, actor, temperature="36.8", findings=PAST_MOUTH[0], hands_mouth_eyes_ok=False,
                     observation_room=True)
        outcome, closed_at = PAST_MOUTH[1], at + timedelta(hours=2)
    elif kind == "late":
        row = _check(child, at, actor, temperature=LATE[0], findings=LATE[1])
        outcome, closed_at = LATE[2], at + timedelta(days=2, hours=1)  # past the rule's 1 day: a finding
        closed_at = min(closed_at, now)
    else:
        temperature, findings, outcome = PAST_FEVERS[int(kind[-1])]
        row = _check(child, at, actor, temperature=temperature, findings=findings, observation_room=True)
        closed_at = at + timedelta(hours=1, minutes=30)
    close_follow_up(row, outcome=outcome, actor=actor, now=closed_at)  # type: ignore[arg-type]


def _today(arrivals: list[Arrival], actor: Actor, now: datetime, rng: random.Random) -> None:
    """Most checked; the two who came in last not yet (the last one's kiosk screen found a fever); one fever open."""
    waiting = arrivals[-2:] if len(arrivals) >= 4 else []
    checked = arrivals[:len(arrivals) - len(waiting)]
    fever = rng.randrange(len(checked)) if checked else -1
    for i, arrival in enumerate(checked):
        at = min(arrival.at + timedelta(minutes=rng.uniform(1, 6)), now)
        if i == fever:
            _check(arrival.child, at, actor, temperature=TODAY_FEVER[0], findings=TODAY_FEVER[1],
                   observation_room=True)
        else:
            _check(arrival.child, at, actor, temperature=f"{rng.uniform(36.1, 37.0):.1f}")
    if waiting:
        last = waiting[-1]
        record_quick_screen(last.child, temperature=Decimal("37.6"), hands_mouth_eyes_ok=True, device_id=None,
                            at=last.at, now=last.at)
