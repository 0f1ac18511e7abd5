"""The demo's staff files (issue #14), through the real operations.

Identity numbers, credentials with their issuers, a few drawn scans, line managers, a role change and one 禁入名单
entry (the training log is `server.demo.training`, the roster `server.demo.roster`). Every date is relative to the
seed's today, so the demo tells the same story whichever day it starts. The demo centre carries four planned imperfections (`StaffStory`); any other centre's files are all in order:

- a caregiver's 健康合格证 expires `EXPIRING_IN_DAYS` after today (a warning; the 30-day alert);
- another caregiver's 健康合格证 expired just before the last two working days, and she came in on them anyway (the
  kiosk flags her check-ins; her room has a fourth caregiver, so it stays in ratio without her);
- a new caregiver has no skill certificate yet: she is in 岗前 training, not on the roster or at the door;
- one caregiver has had no 应急知识 training in the last year (she missed the drills).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from compliance.staffing import add_months, default_catalogue
from server.attendance.registers import is_working_day
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.demo.scans import placeholder_scan
from server.people.ban_list import add_ban
from server.people.employment import set_line_manager
from server.people.models import Sex, Staff, StaffRole
from server.people.operations import update_staff
from server.people.staff_models import BanSource
from server.staff.operations.credentials import record_credential
from server.staff.operations.documents import upload_document
from server.staff.settings import app_settings

EXPIRING_IN_DAYS = 20
EXPIRED_WORKING_DAYS = 2  # the working days, up to today, the expired caregiver still came in on
NEW_HIRE_DAYS_AGO = 9  # the new caregiver started on the first working day on or after this many days ago
EVALUATED_DAYS = 30  # the findings' month (inspections.operations.evaluation_period)
# 区划代码 of the centre's district and of places staff come from (GB/T 2260 codes, not people).
AREAS = ("500112", "500112", "500112", "500105", "500108", "500106", "500103", "511602", "510321", "500230")
POLICE_STATIONS = ("示范路", "阳光路", "新港", "花园")  # fictional stations of the 渝北 branch
SKILL_LEVELS = ("五级", "四级", "四级", "三级")


@dataclass(frozen=True)
class Cast:
    """The people of a demo centre by part (caregivers by class, the class lead first)."""

    director: Staff
    others: tuple[Staff, ...]  # health, kitchen, security
    classes: tuple[tuple[int, tuple[Staff, ...]], ...]  # (room id, its caregivers, lead first)
    new_hire: Staff  # the class's newest caregiver, in the first class

    @property
    def everyone(self) -> tuple[Staff, ...]:
        return (self.director, *self.others, *(s for _, team in self.classes for s in team), self.new_hire)


@dataclass(frozen=True)
class StaffStory:
    """Who carries the demo's planned imperfections (all None in a centre whose files are in order)."""

    expiring: int | None = None  # 健康合格证 expires EXPIRING_IN_DAYS after today
    expired: int | None = None  # 健康合格证 expired on `expired_on`; she still checks in at the door
    expired_on: date | None = None
    unqualified: int | None = None  # the new hire without a skill certificate
    untrained: int | None = None  # no 应急知识 training in the last year
    away: frozenset[int] = field(default_factory=frozenset)  # employed, not on the floor (no roster, no kiosk)


def id_number(rng: random.Random, born: date, sex: Sex) -> str:
    """A made-up 18-character 身份证号 with a correct GB 11643 check digit (area, birth date, sequence by sex)."""
    sequence = rng.randrange(0, 500) * 2 + (1 if sex is Sex.MALE else 0)  # odd for men, even for women
    body = f"{rng.choice(AREAS)}{born:%Y%m%d}{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def born_on(rng: random.Random, today: date, low: int, high: int) -> date:
    """A birth date `low`..`high` years before today."""
    return today - timedelta(days=rng.randint(low * 365, high * 365))


def last_working_days(today: date, count: int) -> list[date]:
    """The last `count` working days up to and including today, latest first."""
    days, day = [], today
    while len(days) < count:
        if is_working_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return days


def new_hire_day(today: date) -> date:
    """The new caregiver's first day: the first working day on or after NEW_HIRE_DAYS_AGO days ago."""
    day = today - timedelta(days=NEW_HIRE_DAYS_AGO)
    while not is_working_day(day):
        day += timedelta(days=1)
    return min(day, today)


@dataclass
class _Clerk:
    """Enters one centre's paper files on its set-up morning."""

    centre: Centre
    rng: random.Random
    setup_at: datetime
    actor: Actor

    @property
    def setup_day(self) -> date:
        return self.setup_at.astimezone(centre_zone(self.centre)).date()

    def credential(self, staff: Staff, code: str, issued: date, *, expires: date | None = None,
                   scan: bool = False) -> None:
        issuer, number, level = _issuer(code, self.rng), _number(code, issued, self.rng), None
        if default_catalogue().types[code].has_level:
            level = self.rng.choice(SKILL_LEVELS)
        document_id = None
        if scan:
            title = default_catalogue().types[code].title.zh
            data = placeholder_scan(title, staff.name, number, issuer, issued, expires)
            document_id = upload_document(staff, data, f"{title}.pdf", settings=app_settings(), actor=self.actor,
                                          now=self.setup_at).id
        record_credential(staff, type_code=code, number=number, issuer=issuer, issued_on=issued, expires_on=expires,
                          level=level, document_id=document_id, actor=self.actor, now=self.setup_at,
                          today=self.setup_day)

    def yearly(self, staff: Staff, code: str, issued: date, *, scan: bool = False) -> None:
        """A certificate valid a year (健康合格证, 食品从业人员健康证明): printed to the day before its anniversary."""
        self.credential(staff, code, issued, expires=add_months(issued, 12) - timedelta(days=1), scan=scan)


def _issuer(code: str, rng: random.Random) -> str:
    return {
        "health_certificate": "重庆市渝北区妇幼保健院",
        "health_care_training": "重庆市渝北区妇幼保健院",
        "criminal_record_check": f"重庆市公安局渝北区分局{rng.choice(POLICE_STATIONS)}派出所",
        "childcare_worker": "重庆市职业技能鉴定指导中心",
        "infant_carer": "重庆市人力资源和社会保障局",
        "kindergarten_teacher": "重庆市渝北区教育委员会",
        "director_training": "重庆市托育服务指导中心",
        "food_handler_health": "重庆市渝北区疾病预防控制中心",
        "security_guard": "重庆市公安局",
    }.get(code, "重庆市渝北区卫生健康委员会")


def _number(code: str, issued: date, rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(8))
    prefix = {"health_certificate": "YBFY", "health_care_training": "YBBJ", "criminal_record_check": "YBGA",
              "childcare_worker": "S5000", "infant_carer": "Y5000", "kindergarten_teacher": "JZ5001",
              "director_training": "CQTY", "food_handler_health": "YBCDC", "security_guard": "CQBA"}.get(code, "CQ")
    return f"{prefix}{issued.year}{digits}"


def seed_staff_files(centre: Centre, cast: Cast, *, today: date, setup_at: datetime, rng: random.Random, actor: Actor,
                     story: bool) -> StaffStory:
    """Everyone's credentials (and a few scans), line managers, a promotion and a 禁入名单 entry."""
    clerk = _Clerk(centre, rng, setup_at, actor)
    first_class, second_class, third_class = (team for _, team in cast.classes)
    plan = StaffStory()
    if story:
        expired_on = last_working_days(today, EXPIRED_WORKING_DAYS)[-1] - timedelta(days=1)
        plan = StaffStory(expiring=third_class[1].id, expired=second_class[-1].id, expired_on=expired_on,
                          unqualified=cast.new_hire.id, untrained=first_class[-1].id,
                          away=frozenset({cast.new_hire.id}))
    history_days = (today - clerk.setup_day).days
    for staff in cast.everyone:
        _file(clerk, staff, plan, today=today, history_days=history_days)
    _promote(clerk, third_class[0])
    _line_managers(cast, actor=actor, now=setup_at)
    # Named as a judgement publishes it (surname and 某某): no real person's name beside a crime.
    add_ban(centre, name="韩某某", id_number=id_number(rng, date(1983, 4, 17), Sex.MALE),
            reason="犯虐待被看护人罪，人民法院判决终身禁止从事密切接触未成年人的工作", source=BanSource.COURT,
            decided_on=clerk.setup_day - timedelta(days=rng.randint(120, 400)), is_lifetime=True, actor=actor,
            now=setup_at, today=clerk.setup_day)
    return plan


def _file(clerk: _Clerk, staff: Staff, plan: StaffStory, *, today: date, history_days: int) -> None:
    """One person's credentials: what their role requires, with the story's imperfections where they fall."""
    rng = clerk.rng
    # In force through the evaluated month (and the history) behind today, and more than 60 days ahead of it.
    health_from = min(max(history_days, EVALUATED_DAYS) + 1, 280)
    if staff.id == plan.expiring:
        issued = add_months(today + timedelta(days=EXPIRING_IN_DAYS), -12) + timedelta(days=1)
        clerk.yearly(staff, "health_certificate", issued, scan=True)
    elif staff.id == plan.expired and plan.expired_on is not None:
        clerk.yearly(staff, "health_certificate", add_months(plan.expired_on, -12) + timedelta(days=1), scan=True)
    elif staff.hired_on > clerk.setup_day:  # hired after set-up: checked up just before
        clerk.yearly(staff, "health_certificate", min(clerk.setup_day, staff.hired_on - timedelta(days=12)))
    else:
        clerk.yearly(staff, "health_certificate", today - timedelta(days=rng.randint(health_from, 280)))
    clerk.credential(staff, "criminal_record_check",
                     min(clerk.setup_day, staff.hired_on - timedelta(days=rng.randint(10, 40))),
                     scan=staff.id == plan.unqualified)
    role = staff.role
    if role is StaffRole.DIRECTOR:
        clerk.credential(staff, "director_training", staff.hired_on - timedelta(days=rng.randint(40, 200)), scan=True)
    elif role is StaffRole.HEALTH:
        clerk.credential(staff, "health_care_training", staff.hired_on - timedelta(days=rng.randint(60, 300)))
    elif role is StaffRole.KITCHEN:
        clerk.yearly(staff, "food_handler_health", today - timedelta(days=rng.randint(health_from, 280)))
    elif role is StaffRole.SECURITY:
        clerk.credential(staff, "security_guard", staff.hired_on - timedelta(days=rng.randint(300, 2000)))
    elif staff.id != plan.unqualified:  # a caregiver: 保育师 or 育婴员 (the new hire's is still to come)
        clerk.credential(staff, rng.choice(("childcare_worker", "infant_carer")),
                         min(clerk.setup_day, staff.hired_on) - timedelta(days=rng.randint(60, 1500)))


def _promote(clerk: _Clerk, lead: Staff) -> None:
    """The third class's lead became its teacher (教师) once she held a 幼儿园教师资格证: the history's role change."""
    on = max(lead.hired_on + timedelta(days=30), min(add_months(lead.hired_on, 12), clerk.setup_day - timedelta(days=90)))
    clerk.credential(lead, "kindergarten_teacher", on - timedelta(days=clerk.rng.randint(20, 60)))
    update_staff(lead, {"role": StaffRole.TEACHER}, effective_on=on, actor=clerk.actor, now=clerk.setup_at)


def _line_managers(cast: Cast, *, actor: Actor, now: datetime) -> None:
    """Class leads, the health worker, the head cook and the guard report to the director; the rest to their lead."""
    kitchen = [s for s in cast.others if s.role is StaffRole.KITCHEN]
    for staff in cast.others:
        manager = kitchen[0] if staff.role is StaffRole.KITCHEN and staff is not kitchen[0] else cast.director
        set_line_manager(staff, manager, effective_on=max(staff.hired_on, manager.hired_on), actor=actor, now=now)
    for _, team in cast.classes:
        lead = team[0]
        set_line_manager(lead, cast.director, effective_on=max(lead.hired_on, cast.director.hired_on), actor=actor,
                         now=now)
        for member in team[1:]:
            set_line_manager(member, lead, effective_on=max(member.hired_on, lead.hired_on), actor=actor, now=now)
    first_lead = cast.classes[0][1][0]
    set_line_manager(cast.new_hire, first_lead, effective_on=max(cast.new_hire.hired_on, first_lead.hired_on),
                     actor=actor, now=now)
