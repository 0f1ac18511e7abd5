"""A reproducible demo centre: three classes, ~40 children with families, staff with log-ins and files, a month lived."""

from __future__ import annotations

import gc
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.attendance.operations.credentials import issue_credential, set_pin
from server.auth.actor import Actor
from server.auth.operations import create_user, grant_role
from server.auth.roles import Role
from server.centre.models import Centre, ClassType, FilingStatus, LegalForm, Room, ServiceType
from server.centre.operations import create_centre, create_room
from server.centre.timezones import centre_today
from server.database import db
from server.demo.care import seed_care
from server.demo.emergency_preparedness import seed_emergency_preparedness
from server.demo.environment import evaluate_environment, seed_environment
from server.demo.families import seed_families, seed_family_logins
from server.demo.food import seed_food_samples
from server.demo.health_checks import seed_health_checks
from server.demo.health_profile import seed_health_profile
from server.demo.history import enroll_history_kiosk, seed_attendance
from server.demo.hygiene import seed_hygiene
from server.demo.illness import seed_illness
from server.demo.incidents import seed_incidents
from server.demo.live_emergencies import seed_live_emergencies
from server.demo.meals import seed_meals
from server.demo.medication import seed_medication
from server.demo.roster import seed_roster
from server.demo.safeguarding import seed_safeguarding
from server.demo.staff import Cast, born_on, id_number, new_hire_day, seed_staff_files
from server.demo.training import seed_training
from server.demo.uv_lamp import seed_uv_lamp
from server.environment.settings import app_settings
from server.people.consent_models import ConsentChoice, ConsentPurpose
from server.people.consents import record_paper
from server.people.models import Contact, Relationship, Sex, Staff, StaffRole
from server.people.operations import create_child, create_contact, create_staff, link_contact, record_consent
from server.staff.jobs import warn_centre

DEMO_PASSWORD = "tuoyu-demo"
# The demo parent's kiosk PIN (for the dead-phone fallback).
DEMO_PIN = "135790"
# (username, password, role): printed by `tuoyu seed-demo` and the demo command.
DEMO_LOGINS = (
    ("director", DEMO_PASSWORD, Role.ADMIN.value),
    ("caregiver", DEMO_PASSWORD, Role.CAREGIVER.value),
    ("health", DEMO_PASSWORD, Role.HEALTH.value),
    ("kitchen", DEMO_PASSWORD, Role.KITCHEN.value),
    ("security", DEMO_PASSWORD, Role.SECURITY.value),
    ("parent", DEMO_PASSWORD, Role.GUARDIAN.value),
    ("inspector", DEMO_PASSWORD, Role.INSPECTOR.value),
)

DISPLAY_NAMES = {"director": "周园长", "caregiver": "陈老师", "health": "吴保健", "kitchen": "郑师傅",
                 "security": "冯保安", "parent": "林妈妈", "inspector": "卫健委 检查员"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
# Given names by sex, so a 母亲 has a woman's name and a 父亲 a man's.
GIVEN = {Sex.FEMALE: ("欣怡", "一诺", "若汐", "诗琪", "可馨", "语桐", "佳怡", "雨萱", "梦瑶", "安琪", "芷若", "心怡"),
         Sex.MALE: ("子涵", "梓轩", "浩宇", "沐阳", "宇航", "俊熙", "思远", "明轩", "天佑", "嘉懿", "博文", "煜祺")}
ADULT_GIVEN = {Sex.FEMALE: ("丽娟", "秀英", "静", "敏", "芳", "婷", "海燕", "晓燕", "雪梅", "春梅"),
               Sex.MALE: ("建国", "志强", "伟", "磊", "军", "洋", "国华", "建军", "海涛", "志刚")}
GRANDPARENTS = {Relationship.GRANDMOTHER: Sex.FEMALE, Relationship.GRANDFATHER: Sex.MALE}
# The month of history `tuoyu demo` and `tuoyu seed-demo` give the demo centre.
HISTORY_DAYS = 30
ZONE = ZoneInfo("Asia/Shanghai")

# (name, class type, capacity, children, age range in months at today, caregivers)
CLASSES = (
    ("小星星班", ClassType.INFANT, 10, 8, (7, 12), 3),
    ("小月亮班", ClassType.TODDLER, 15, 14, (13, 24), 4),
    ("小太阳班", ClassType.PRESCHOOL, 20, 18, (25, 35), 3),
)
ALLERGIES = (None, None, None, None, "鸡蛋", "花生", "牛奶蛋白")  # records as a centre types them


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def _born_on(today: date, months: int, rng: random.Random) -> date:
    return today - timedelta(days=months * 30 + rng.randint(0, 25))


def demo_logins(code: str = "demo") -> tuple[tuple[str, str, str], ...]:
    """The log-ins of a demo centre: the plain names for `demo`, prefixed by the code for any other."""
    return tuple((username if code == "demo" else f"{code}-{username}", password, role)
                 for username, password, role in DEMO_LOGINS)


def seed_demo(*, code: str = "demo", now: datetime, seed: int = 20260901, history_days: int = HISTORY_DAYS,
              story: bool | None = None) -> bool:
    """Create the demo centre if it does not exist, with `history_days` of past days and today so far.

    Returns whether anything was created. The centre is set up the morning `history_days` ago, so every
    record (and its audit entry) is dated when it would have happened; 0 sets it up at `now`, without history.
    `story`: the staff files' planned imperfections (`server.demo.staff`); by default the `demo` centre's only.
    """
    if db.session.execute(select(Centre.id).where(Centre.code == code)).first():
        return False
    rng = random.Random(seed)
    files_rng = random.Random(f"{seed}:staff")  # its own stream: a change to the staff files leaves the families be
    system = Actor.system()
    first_day = now.astimezone(ZONE).date() - timedelta(days=history_days)
    # Set up at 06:00 of the first day of history, before anyone arrives (never after `now`).
    setup_at = min(now, datetime.combine(first_day, time(6), tzinfo=ZONE)) if history_days else now
    # The cyclic garbage collector paused: a month of rows is a few hundred thousand young objects, none of
    # them in a cycle, and collecting them over and over cost about a sixth of the seed (bench/demo_seed.py).
    collecting = gc.isenabled()
    gc.disable()
    try:
        centre, cast = _seed_people(code, now=now, setup_at=setup_at, rng=rng, files_rng=files_rng, actor=system)
        today = centre_today(centre, now)
        plan = seed_staff_files(centre, cast, today=today, setup_at=setup_at, rng=files_rng, actor=system,
                                story=code == "demo" if story is None else story)
        seed_training(centre, cast, plan, today=today, setup_at=setup_at, now=now, rng=files_rng, actor=system)
        seed_roster(centre, start=first_day, today=today, setup_at=setup_at, now=now, actor=system, away=plan.away)
        seed_family_logins(centre, setup_at=setup_at, now=now, rng=random.Random(f"{seed}:family_logins"))
        if history_days:
            device = enroll_history_kiosk(centre, actor=system, now=setup_at)
            seed_attendance(centre, device, start=first_day, now=now, rng=rng, away=plan.away)
            seed_health_checks(centre, start=first_day, now=now, rng=random.Random(f"{seed}:health_checks"))
            seed_care(centre, start=first_day, now=now, rng=random.Random(f"{seed}:care"))
            seed_health_profile(centre, today=today, now=now, rng=random.Random(f"{seed}:health_profile"))
            seed_illness(centre, start=first_day, now=now)
            seed_medication(centre, start=first_day, now=now, rng=random.Random(f"{seed}:medication"))
            closed_window = seed_environment(centre, start=setup_at, now=now, rng=rng)
            evaluate_environment(centre, settings=app_settings(), now=now, watched=closed_window)
            # The parent loop, lived in time order: notices delivered and answered, consents, messages, ratings.
            seed_families(centre, start=first_day, setup_at=setup_at, now=now, rng=random.Random(f"{seed}:families"))
            seed_safeguarding(centre, setup_at=setup_at, today=today)  # a designated lead, one concern handled late
            seed_incidents(centre, start=first_day, today=today, now=now)  # two injuries (表9), CCTV kept 30 days
            # Plans read (one revised, two reads missing), two drills, fire checks (last month missed), supplies.
            seed_emergency_preparedness(centre, start=first_day, today=today, setup_at=setup_at, now=now,
                                        untrained=plan.untrained)
            seed_live_emergencies(centre, start=first_day, today=today)  # a smoke alarm reviewed; a lost child not
            # Weekly menus (one published late, one revised, egg/milk allergy warnings); last month's 膳食费 at 3.2 %.
            seed_meals(centre, start=first_day, today=today, now=now, rng=random.Random(f"{seed}:meals"))
            # The UV lamp's month: sessions after pick-up, one cut off by a check-in, two refusals (hygiene/uv_*).
            seed_uv_lamp(centre, start=first_day, today=today, now=now, rng=random.Random(f"{seed}:uv_lamp"))
            # 表6 for every class: window contacts in two rooms, one ticked-but-unproven airing, a few short days.
            seed_hygiene(centre, start=first_day, today=today, now=now, rng=random.Random(f"{seed}:hygiene"))
            # The sample fridge's month (the door left ajar once) and every dish sampled (one underweight, one missing).
            seed_food_samples(centre, start=first_day, today=today, setup_at=setup_at, now=now, settings=app_settings(),
                              rng=random.Random(f"{seed}:food"))
            # The scheduler's morning expiry warnings, at once: the director sees them on first log-in.
            warn_centre(centre, now)
    finally:
        if collecting:
            gc.enable()
    return True


def _seed_people(code: str, *, now: datetime, setup_at: datetime, rng: random.Random, files_rng: random.Random,
                 actor: Actor) -> tuple[Centre, Cast]:
    """The centre, its log-ins, staff, rooms, children, families and kiosk cards, as of `setup_at`."""
    system, logins = actor, demo_logins(code)
    names = {username: DISPLAY_NAMES[plain] for (username, _, _), (plain, _, _) in zip(logins, DEMO_LOGINS,
                                                                                        strict=True)}
    plain_of = {username: plain for (username, _, _), (plain, _, _) in zip(logins, DEMO_LOGINS, strict=True)}
    centre = create_centre(
        code=code, name="阳光宝贝托育中心（演示）" if code == "demo" else f"阳光宝贝托育中心（演示 {code}）",
        legal_form=LegalForm.FOR_PROFIT,
        filing_status=FilingStatus.FILED, filed_on=date(2025, 3, 15),
        registering_authority="重庆市渝北区卫生健康委员会", approved_places=45, inclusive_places=20,
        service_types=[ServiceType.FULL_DAY.value, ServiceType.HALF_DAY.value, ServiceType.HOURLY.value],
        region="chongqing", timezone=ZONE.key, address="重庆市渝北区示范路 1 号",
        actor=system, now=setup_at,
    )
    today, real_now = centre_today(centre, now), now
    now = setup_at  # everything below is set up that morning
    users = {
        plain_of[username]: create_user(username, names[username], password, actor=system, now=now)
        for username, password, _ in logins
    }
    for username, _, role in logins:
        # The inspector's grant runs 30 days from the real today, not from the set-up morning.
        expires = real_now + timedelta(days=30) if role == Role.INSPECTOR.value else None
        grant_role(users[plain_of[username]], centre.id, Role(role), expires_at=expires, actor=system, now=now)

    taken: set[str] = set()

    def hire(surname: str, sex: Sex, role: StaffRole, hired_on: date, ages: tuple[int, int], *,
             user: str | None = None, room_id: int | None = None) -> Staff:
        # A full name (unique in the centre) and a made-up 身份证号 that passes the check digit.
        name = surname + files_rng.choice(ADULT_GIVEN[sex])
        while name in taken:
            name = surname + files_rng.choice(ADULT_GIVEN[sex])
        taken.add(name)
        number = id_number(files_rng, born_on(files_rng, today, *ages), sex)
        return create_staff(centre, name=name, role=role, hired_on=hired_on, phone=_phone(rng), home_room_id=room_id,
                            user_id=users[user].id if user else None, id_number=number, actor=system, now=now)

    director = hire("周", Sex.FEMALE, StaffRole.DIRECTOR, date(2024, 8, 1), (38, 48), user="director")
    others = tuple(hire(surname, sex, role, date(2024, 8, 15), ages, user=user) for surname, sex, role, ages, user in (
        ("吴", Sex.FEMALE, StaffRole.HEALTH, (30, 45), "health"), ("郑", Sex.MALE, StaffRole.KITCHEN, (40, 55), "kitchen"),
        ("钱", Sex.MALE, StaffRole.KITCHEN, (35, 55), None), ("冯", Sex.MALE, StaffRole.SECURITY, (35, 55), "security")))

    parent_linked = False
    classes: list[tuple[int, tuple[Staff, ...]]] = []
    for room_name, class_type, capacity, n_children, (low, high), caregivers in CLASSES:
        room = create_room(centre, name=room_name, class_type=class_type, capacity=capacity, actor=system, now=now)
        team = []
        for i in range(caregivers):
            login = class_type is ClassType.TODDLER and i == 0  # the demo caregiver, 陈老师
            team.append(hire("陈" if login else rng.choice(SURNAMES), Sex.FEMALE, StaffRole.CAREGIVER,
                             date(2024, 9, 1), (23, 45), user="caregiver" if login else None, room_id=room.id))
        classes.append((room.id, tuple(team)))
        for _ in range(n_children):
            _seed_family(centre, room, today, (low, high), rng, system, now,
                         parent_user_id=None if parent_linked else users["parent"].id)
            parent_linked = True
    # The newest caregiver of the first class, hired a week or so ago (her file was opened at set-up).
    new_hire = hire(rng.choice(SURNAMES), Sex.FEMALE, StaffRole.CAREGIVER, new_hire_day(today), (20, 26),
                    room_id=classes[0][0])
    _seed_credentials(centre, today, users["parent"].id, system, now)
    return centre, Cast(director, others, tuple(classes), new_hire)


def _seed_credentials(centre: Centre, today: date, parent_user_id: int, actor: Actor, now: datetime) -> None:
    """A kiosk card for every adult and every caregiver; the demo parent also gets a PIN."""
    expires = today + timedelta(days=365)
    for contact in db.session.execute(select(Contact).where(Contact.centre_id == centre.id)
                                      .order_by(Contact.id)).scalars().all():
        credential = issue_credential(centre, contact=contact, expires_on=expires, actor=actor, now=now)
        if contact.user_id == parent_user_id:
            set_pin(credential, DEMO_PIN, actor=actor, now=now)
    for staff in db.session.execute(select(Staff).where(Staff.centre_id == centre.id).order_by(Staff.id)).scalars().all():
        issue_credential(centre, staff=staff, expires_on=expires, actor=actor, now=now)


def _seed_family(centre: Centre, room: Room, today: date, ages: tuple[int, int], rng: random.Random,
                 actor: Actor, now: datetime, parent_user_id: int | None) -> None:
    surname = rng.choice(SURNAMES)
    born = _born_on(today, rng.randint(*ages), rng)
    enrolled = max(born + timedelta(days=200), today - timedelta(days=rng.randint(20, 300)))
    sex = rng.choice([Sex.FEMALE, Sex.MALE])
    child = create_child(
        centre, name=surname + rng.choice(GIVEN[sex]), sex=sex, born_on=born,
        enrolled_on=min(enrolled, today), service_type=ServiceType.FULL_DAY, room_id=room.id,
        allergies=rng.choice(ALLERGIES), actor=actor, now=now, today=today,
    )
    mother = create_contact(centre, name=rng.choice(SURNAMES) + rng.choice(ADULT_GIVEN[Sex.FEMALE]),
                            phone=_phone(rng), user_id=parent_user_id, actor=actor, now=now)
    father = create_contact(centre, name=surname + rng.choice(ADULT_GIVEN[Sex.MALE]), phone=_phone(rng),
                            actor=actor, now=now)
    link_contact(child, mother, relationship=Relationship.MOTHER, is_guardian=True, may_pick_up=True,
                 actor=actor, now=now)
    # The mother signed both PIPL consents on paper at enrolment (the office's form; the default texts, version 1).
    # A child starting after the set-up morning (`now`) had its forms signed then: a form is never dated ahead.
    signed_on = min(enrolled, today, now.astimezone(ZONE).date())
    record_consent(child, mother, on=signed_on, actor=actor, now=now, today=today)
    record_paper(child, mother, purpose=ConsentPurpose.PHOTOS, decision=ConsentChoice.GIVEN, on=signed_on,
                 actor=actor, now=now)
    # Some guardians are not authorised to collect (e.g. a court order, or they live abroad).
    link_contact(child, father, relationship=Relationship.FATHER, is_guardian=True,
                 may_pick_up=rng.random() > 0.1, actor=actor, now=now)
    if rng.random() < 0.5:
        # A grandparent who collects is authorised without being a guardian.
        relationship = rng.choice([Relationship.GRANDMOTHER, Relationship.GRANDFATHER])
        grandparent = create_contact(centre, name=surname + rng.choice(ADULT_GIVEN[GRANDPARENTS[relationship]]),
                                     phone=_phone(rng), actor=actor, now=now)
        link_contact(child, grandparent, relationship=relationship, is_guardian=False, may_pick_up=True,
                     actor=actor, now=now)
