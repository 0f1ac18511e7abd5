"""The demo centre's live emergencies: one lived through to its review, one closed and left without it.

Through the real operations, dated when they would have happened:

- a smoke alarm in the kitchen about ten days ago at 11:20 (lunch on the stove): the alarm's alert opens the
  emergency by itself; the caregivers tick everyone present within three minutes (the roll call complete), the
  director tells the families "all children are safe" and closes it six minutes in (a false alarm); she reviews it the
  next morning and the follow-up (clean the detector by the kitchen hood) is done two days later: complete;
- about eighteen days ago at 15:40 a caregiver opens an emergency by hand in the garden: a child is missing at the
  roll call, found four minutes later; closed all clear, but never reviewed (past the 14 days of
  `emergency.response_record`: a violation) and its follow-up (mend the gap in the garden fence) is overdue.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from server.alerts.operations import raise_alert
from server.attendance.rooms.operations.live import whereabouts
from server.auth.actor import Actor
from server.auth.roles import Role
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.database import db
from server.demo.families import drain_outbox_at
from server.demo.members import acting_as
from server.emergencies import followups, live, live_notices, rollcall
from server.emergencies.live_models import EmergencyKind
from server.people.models import Staff, StaffRole


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _at(centre: Centre, day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), centre_zone(centre))


def _owner(centre: Centre, role: StaffRole) -> int | None:
    return db.session.execute(select(Staff.id).where(Staff.centre_id == centre.id, Staff.role == role,
                                                     Staff.left_on.is_(None)).order_by(Staff.id)).scalars().first()


def _smoke_alarm(centre: Centre, day: date, director: Actor, carer: Actor) -> None:
    start = _at(centre, day, 11, 20)
    alert = raise_alert(centre.id, kind="emergency.smoke", severity="emergency", dedupe_key="emergency.smoke:demo",
                        message_zh="烟雾报警：厨房，请立即处置", message_en="Smoke alarm: Kitchen, act now",
                        subject={"location": "kitchen"}, now=start)
    emergency = live.absorb_alert(alert, now=start)
    assert emergency is not None
    where = whereabouts(centre.id, start)
    people = [("child", c) for c in sorted(where.children)] + [("staff", s) for s in sorted(where.staff)]
    step = timedelta(seconds=170) / max(len(people), 1)  # everyone ticked within three minutes
    for index, (kind, person_id) in enumerate(people):
        rollcall.tick(centre, person_kind=kind, person_id=person_id, status="present", actor=carer,
                      now=start + timedelta(seconds=10) + step * index)
    live.add_note(emergency, text="厨房灶台油烟，无明火，已关火通风", actor=carer, now=start + timedelta(minutes=3))
    if where.children:
        live_notices.notify_families(emergency, template="all_safe", text="", actor=director,
                                     now=start + timedelta(minutes=4))
        drain_outbox_at(start + timedelta(minutes=5))  # the minute job delivers them to the portal
    live.close_emergency(emergency, summary="厨房油烟触发烟感，误报，全体人员安全", all_clear=True, actor=director,
                         now=start + timedelta(minutes=6))
    next_morning = _at(centre, day + timedelta(days=1), 8, 40)
    followups.add_review(emergency, what_happened="午餐烹饪时油烟触发厨房烟感，无明火。",
                         what_worked="3分钟内完成点名，家长4分钟内收到平安通知。",
                         what_to_change="烟感探头离油烟机过近，需清洁并评估移位。", actor=director, now=next_morning)
    task = followups.add_follow_up(emergency, what="清洁厨房油烟机旁的烟感探头", owner_staff_id=_owner(
        centre, StaffRole.KITCHEN), due_on=day + timedelta(days=4), actor=director, now=next_morning)
    followups.complete_follow_up(task, note="已清洁并测试，报警正常", actor=director,
                                 now=_at(centre, day + timedelta(days=3), 16, 0))


def _missing_in_the_garden(centre: Centre, day: date, director: Actor, carer: Actor) -> None:
    start = _at(centre, day, 15, 40)
    where = whereabouts(centre.id, start)
    emergency, _new = live.open_emergency(centre, kind=EmergencyKind.MISSING_CHILD.value,
                                          summary="户外活动时点名少一名幼儿", actor=carer, now=start)
    children = sorted(where.children)
    if children:
        lost = children[len(children) // 2]
        rollcall.tick(centre, person_kind="child", person_id=lost, status="missing", actor=carer,
                      now=start + timedelta(seconds=30))
        for child_id in [c for c in children if c != lost] + [lost]:  # the others at once, the lost one found last
            rollcall.tick(centre, person_kind="child", person_id=child_id, status="present", actor=carer,
                          now=start + timedelta(minutes=4 if child_id == lost else 1))
    live.add_note(emergency, text="在花园滑梯后的围栏缺口处找到，未受伤", actor=carer, now=start + timedelta(minutes=4))
    live.close_emergency(emergency, summary="幼儿4分钟后在花园围栏缺口处找到，未受伤", all_clear=True, actor=director,
                         now=start + timedelta(minutes=8))
    followups.add_follow_up(emergency, what="修补花园围栏缺口", owner_staff_id=_owner(centre, StaffRole.SECURITY),
                            due_on=day + timedelta(days=7), actor=director, now=start + timedelta(minutes=30))


def seed_live_emergencies(centre: Centre, *, start: date, today: date) -> None:
    """The two emergencies of the month (see the module's docstring); each only if the history reaches its day."""
    director, carer = acting_as(centre, Role.ADMIN), acting_as(centre, Role.CAREGIVER)
    garden, kitchen = _weekday(today - timedelta(days=18)), _weekday(today - timedelta(days=10))
    if garden > start:
        _missing_in_the_garden(centre, garden, director, carer)
    if kitchen > start:
        _smoke_alarm(centre, kitchen, director, carer)
    db.session.flush()
