"""The demo centre's emergency preparedness: plans, drills, fire checks, the certificate, isolation and supplies.

Through the real operations, dated when they would have happened (the set-up morning stands for what the centre
brought from paper):

- the eight plans published at set-up and read by the staff (the new hire on her second day); the fire plan revised
  five days ago, read since by everyone but the demo caregiver (陈老师, whose tablet shows the to-do) and the new
  hire;
- an earthquake drill early in the month whose corrective action (the bookshelves) is past due and still open
  (`emergency.drills`); a fire drill six days ago (evacuation 2 min 40 s, 22 children) whose action is open but
  not yet due; the next drill planned in three weeks;
- the monthly fire-equipment check done the month before last and this month, none last month
  (`fire.equipment_check`); the yearly certificate valid;
- the isolation room recorded; the supplies counted at set-up and used through the month, masks below their
  minimum for over a week (an open alert, and `health.isolation_supplies`).

Reads of staff without a log-in are their taps on a colleague's tablet in real life; here they are rows added
directly (no audit entry each), the only shortcut.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from compliance.period import add_months
from server.auth.actor import Actor, Grant
from server.auth.roles import Role
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.database import db
from server.demo.members import acting_as
from server.emergencies.drills import ActionValues, DrillValues, record_drill, schedule_drill
from server.emergencies.fire_checks import ItemResult, record_certificate, record_check
from server.emergencies.fire_checks_models import FireItem
from server.emergencies.plans import publish_version
from server.emergencies.plans_models import PlanRead, PlanScenario, PlanVersion
from server.emergencies.preparedness import active_staff
from server.emergencies.supplies import record_isolation_room, record_movement
from server.people.models import Staff, StaffRole

PLANS = {
    PlanScenario.FIRE: ("火灾应急预案", ["director", "caregiver", "security"],
                        "一、发现火情立即按下报警按钮并呼叫119；二、各班保育人员按疏散路线带领幼儿撤离至操场集合点；"
                        "三、保安引导疏散并关闭燃气总阀；四、负责人清点人数并向家长通报。"),
    PlanScenario.EARTHQUAKE: ("地震应急预案", ["director", "caregiver"],
                              "一、震时就近躲避于桌下或承重墙角；二、震后按疏散路线撤离至空旷处；三、清点人数，检查伤情。"),
    PlanScenario.INFECTIOUS_DISEASE: ("传染病疫情应急预案", ["director", "health"],
                                      "一、晨午检发现可疑病例立即隔离至观察室；二、通知家长接回并就医；"
                                      "三、保健员24小时内报告辖区疾控并加强消毒。"),
    PlanScenario.FOOD_POISONING: ("食物中毒应急预案", ["director", "kitchen", "health"],
                                  "一、立即停止食用可疑食物并封存留样；二、送医救治；三、报告市场监管与卫生健康部门。"),
    PlanScenario.STAMPEDE: ("防踩踏应急预案", ["director", "caregiver"],
                            "一、上下楼梯分班错时、靠右慢行；二、发生拥挤时就地停止并大声制止；三、疏散引导岗定人定点。"),
    PlanScenario.VIOLENT_INTRUSION: ("防暴力侵害应急预案", ["director", "security"],
                                     "一、保安持防暴器械阻止并按一键报警；二、各班关门锁闭，幼儿远离门窗；三、配合公安处置。"),
    PlanScenario.MISSING_CHILD: ("幼儿走失应急预案", ["director", "caregiver", "security"],
                                 "一、发现缺失立即全园点名并封闭出入口；二、调取监控录像；三、15分钟未找到即报警并通知家长。"),
    PlanScenario.EXTREME_WEATHER: ("极端天气应急预案", ["director", "caregiver"],
                                   "一、接到预警后停止户外活动；二、检查门窗与排水；三、必要时通知家长延迟接送或临时停园。"),
}
STOCK = {"masks": 400, "disinfectant": 20, "hand_sanitiser": 15, "thermometers": 6, "gloves": 300, "gowns": 12,
         "face_shields": 8}
# (day of history, supply, quantity used): masks fall below their minimum (200) on the 21st day.
USES = ((7, "masks", 80), (7, "gloves", 50), (10, "disinfectant", 3), (14, "masks", 80), (17, "disinfectant", 3),
        (21, "masks", 60), (21, "gloves", 50), (24, "disinfectant", 3))


def _at(centre: Centre, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), centre_zone(centre))


def _read_all(version: PlanVersion, staff: list[Staff], at: datetime, *, skip: frozenset[int] = frozenset()) -> None:
    db.session.add_all(PlanRead(centre_id=version.centre_id, version_id=version.id, staff_id=s.id, user_id=s.user_id,
                                read_at=at + timedelta(minutes=7 * n)) for n, s in enumerate(staff) if s.id not in skip)
    db.session.flush()


def _plans(centre: Centre, director: Actor, staff: list[Staff], setup_at: datetime, now: datetime,
           new_hire: Staff | None) -> None:
    for scenario, (title, roles, body) in PLANS.items():
        version = publish_version(centre, scenario=scenario.value, title=title, body=body, responsible_roles=roles,
                                  actor=director, now=setup_at)
        _read_all(version, [s for s in staff if s is not new_hire], setup_at + timedelta(hours=2))
        if new_hire is not None and scenario is not PlanScenario.FIRE:  # on her second day (fire: revised since)
            first_day = datetime.combine(new_hire.hired_on + timedelta(days=1), time(10), centre_zone(centre))
            _read_all(version, [new_hire], min(now, max(setup_at, first_day)))
    revised_at = max(setup_at, now - timedelta(days=5))
    title, roles, body = PLANS[PlanScenario.FIRE]
    version = publish_version(centre, scenario="fire", title=title + "（修订）", responsible_roles=roles,
                              body=body + "五、疏散时婴儿班使用疏散推车，每车不超过4名婴儿。",
                              change_note="增加婴儿班使用疏散推车的要求", actor=director, now=revised_at)
    demo_carer = next((s for s in staff if s.role == StaffRole.CAREGIVER and s.user_id is not None), None)
    skip = frozenset(s.id for s in (demo_carer, new_hire) if s is not None)
    _read_all(version, staff, revised_at + timedelta(hours=20), skip=skip)


def _drills(centre: Centre, director: Actor, staff: list[Staff], start: date, today: date, now: datetime) -> None:
    guard = next((s for s in staff if s.role == StaffRole.SECURITY), staff[0])
    carers = [s for s in staff if s.role in (StaffRole.CAREGIVER, StaffRole.DIRECTOR, StaffRole.HEALTH)]
    schedule_drill(centre, scenario="stampede", planned_on=today + timedelta(days=21), note="上下楼梯防踩踏演练",
                   actor=director, now=now)
    early = start + timedelta(days=2)
    if _at(centre, early, 11) > now:  # a history too short for two drills: none
        return
    record_drill(centre, DrillValues(
        scenario="earthquake", held_at=_at(centre, early, 10), children_count=34, evacuation_s=185, duration_min=30,
        problems="小太阳班书架未固定，演练中有晃动", participant_ids=tuple(s.id for s in carers),
        actions=(ActionValues("固定小太阳班书架", guard.id, early + timedelta(days=10)),)),
        actor=director, now=_at(centre, early, 11))
    fire_day = max(start + timedelta(days=5), today - timedelta(days=6))
    if _at(centre, fire_day, 11) > now:
        return
    record_drill(centre, DrillValues(
        scenario="fire", held_at=_at(centre, fire_day, 10), children_count=22, evacuation_s=160, duration_min=30,
        problems="小月亮班出口处停放推车，疏散时受阻", participant_ids=tuple(s.id for s in staff),
        actions=(ActionValues("清理出口通道并划定推车停放区", guard.id, today + timedelta(days=7)),)),
        actor=director, now=_at(centre, fire_day, 11))


def _fire(centre: Centre, director: Actor, staff: list[Staff], setup_at: datetime, today: date,
          now: datetime) -> None:
    guard = next((s for s in staff if s.role == StaffRole.SECURITY), None)
    walker = Actor(kind="user", user_id=guard.user_id, grants=(Grant(centre.id, Role.SECURITY, None),)) \
        if guard is not None and guard.user_id is not None else director
    all_ok = {item.value: ItemResult(True) for item in FireItem}
    this_month = today.replace(day=1)
    before_last = (this_month - timedelta(days=40)).replace(day=5)  # the month before last; none last month
    # Written on the day it was done: a check typed in later for a past month would not cover that month.
    record_check(centre, results=all_ok, checked_at=_at(centre, before_last, 9), note="月度检查",
                 actor=walker, now=min(now, _at(centre, before_last, 9, 20)))
    checked = this_month + timedelta(days=1)
    if _at(centre, checked, 9) <= now:
        record_check(centre, results={**all_ok, "emergency_lights": ItemResult(False, "二楼走廊应急灯电池老化，已报修")},
                     checked_at=_at(centre, checked, 9), actor=walker, now=min(now, max(setup_at, _at(centre, checked, 9, 20))))
    issued = today - timedelta(days=150)
    record_certificate(centre, issued_on=issued, valid_until=add_months(issued, 12) - timedelta(days=1),
                       issuer="重庆市渝北区消防救援支队", number="渝北消检字〔2026〕第0318号", actor=director,
                       now=setup_at)


def _supplies(centre: Centre, director: Actor, start: date, setup_at: datetime, now: datetime) -> None:
    record_isolation_room(centre, has_room=True, location="一楼保健室旁观察隔离室", checked_on=start, actor=director,
                          now=setup_at)
    for kind, quantity in STOCK.items():
        record_movement(centre, kind=kind, movement="counted", quantity=quantity, note="期初盘点", actor=director,
                        now=setup_at)
    for day, kind, quantity in USES:
        at = _at(centre, start + timedelta(days=day), 8, 30)
        if at <= now:
            record_movement(centre, kind=kind, movement="used", quantity=quantity, note="日常消毒与晨检领用",
                            actor=director, now=at)


def seed_emergency_preparedness(centre: Centre, *, start: date, today: date, setup_at: datetime,
                                now: datetime, untrained: int | None = None) -> None:
    """The month of preparedness described above; `untrained` (the staff story's) misses every drill."""
    director = acting_as(centre, Role.ADMIN)
    staff = active_staff(centre.id, today)
    setup_staff = active_staff(centre.id, setup_at.astimezone(centre_zone(centre)).date())
    new_hire = next((s for s in staff if s not in setup_staff), None)
    _plans(centre, director, staff, setup_at, now, new_hire)
    _drills(centre, director, [s for s in setup_staff if s.id != untrained], start, today, now)
    _fire(centre, director, staff, setup_at, today, now)
    _supplies(centre, director, start, setup_at, now)
    db.session.flush()
