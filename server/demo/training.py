"""The demo's training log: drills every other month, courses over the past months, the new hire's 岗前 days.

Each entry goes through `record_training` and is entered the evening it was held (entries from before the
centre's set-up morning on that morning, as a centre types in its paper log).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from compliance.staffing import TrainingCategory
from server.attendance.registers import is_working_day
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.demo.staff import Cast, StaffStory
from server.people.models import Staff, StaffRole
from server.staff.training import TrainingValues, record_training

CENTRE = "阳光宝贝托育中心（园内）"
# The drills, latest first: one every other month, the latest within the month behind today (a finding reads
# the year before; the evaluation's evidence holds its own month).
DRILLS = (("消防安全应急疏散演练", "重庆市渝北区消防救援支队（指导）"), ("婴幼儿气道异物梗阻急救演练", "重庆市渝北区妇幼保健院（指导）"),
          ("防暴力侵害应急演练", "重庆市公安局渝北区分局（指导）"), ("地震应急疏散演练", CENTRE),
          ("食物中毒应急处置演练", CENTRE), ("消防安全应急疏散演练", "重庆市渝北区消防救援支队（指导）"))
LATEST_DRILL_DAYS_AGO = 18
COURSES = (  # (category, title, hours, provider, roles, months ago)
    (TrainingCategory.SKILLS, "婴幼儿回应性照护与早期发展", 6, "重庆市托育服务指导中心",
     (StaffRole.CAREGIVER, StaffRole.TEACHER), 4),
    (TrainingCategory.ETHICS, "师德师风与儿童权益保护专题培训", 2, CENTRE, None, 3),
    (TrainingCategory.LAW, "《托育机构管理规范（试行）》解读", 3, "重庆市渝北区卫生健康委员会",
     (StaffRole.DIRECTOR, StaffRole.HEALTH, StaffRole.TEACHER), 5),
    (TrainingCategory.SAFETY, "食品安全与餐饮操作规范", 4, "重庆市渝北区市场监督管理局", (StaffRole.KITCHEN,), 2),
    (TrainingCategory.SAFETY, "托育机构安全防范与门岗管理", 4, "重庆市公安局渝北区分局", (StaffRole.SECURITY,), 2),
    (TrainingCategory.SKILLS, "托育机构卫生保健与传染病防控", 8, "重庆市渝北区妇幼保健院", (StaffRole.HEALTH,), 6),
)
PRE_SERVICE = (  # the new hire's first days: the centre's 岗前 course, safety and first aid on the first
    (TrainingCategory.EMERGENCY, "岗前培训：安全应急处置与婴幼儿急救", 8),
    (TrainingCategory.PRE_SERVICE, "岗前培训：托育机构规章制度与职业道德", 8),
    (TrainingCategory.PRE_SERVICE, "岗前培训：婴幼儿生活照料与回应性照护", 8),
)


def _working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _entered(centre: Centre, day: date, setup_at: datetime, now: datetime) -> datetime:
    """The evening of `day`, never before the set-up morning nor after now."""
    evening = datetime.combine(day, time(17, 30), tzinfo=centre_zone(centre))
    return min(now, max(setup_at, evening))


def seed_training(centre: Centre, cast: Cast, story: StaffStory, *, today: date, setup_at: datetime, now: datetime,
                  rng: random.Random, actor: Actor) -> int:
    """Record the log; returns how many entries. `story.untrained` misses every drill."""
    entries: list[tuple[date, Staff, TrainingValues]] = []
    for n, (title, provider) in enumerate(DRILLS):
        day = _working_day_on_or_before(today - timedelta(days=LATEST_DRILL_DAYS_AGO + 61 * n + rng.randint(0, 3)))
        for staff in cast.everyone:
            if staff.hired_on <= day and staff.id != story.untrained:
                entries.append((day, staff, TrainingValues(TrainingCategory.EMERGENCY, title, "1.5", provider, day)))
    for category, title, hours, provider, roles, months in COURSES:
        day = _working_day_on_or_before(today - timedelta(days=30 * months + rng.randint(0, 10)))
        for staff in cast.everyone:
            if staff.hired_on <= day and (roles is None or staff.role in roles):
                entries.append((day, staff, TrainingValues(category, title, hours, provider, day,
                                                           certificate_no=None)))
    day = cast.new_hire.hired_on
    for category, title, hours in PRE_SERVICE:
        if day > today:
            break
        entries.append((day, cast.new_hire, TrainingValues(category, title, hours, CENTRE, day)))
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    for day, staff, values in sorted(entries, key=lambda e: (e[0], e[1].id)):
        record_training(staff, values, actor=actor, now=_entered(centre, day, setup_at, now))
    return len(entries)
