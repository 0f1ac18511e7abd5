"""动态监测托位 (seed 004): daily enrolment and attendance against approved and 普惠 托位, classes against caps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from compliance import Period
from server.attendance.registers import register_lines
from server.centre.models import Centre, Room
from server.centre.records import CLASS_TYPES as RULE_CLASS_TYPES
from server.centre.rules import effective_rules
from server.database import db
from server.people.models import Child


@dataclass(frozen=True)
class OccupancyDay:
    on: date
    enrolled: int  # 在托
    present: int  # 当日出勤
    approved_places: int  # 核定托位
    inclusive_places: int  # 普惠托位
    occupancy_pct: float | None  # enrolled / approved
    over_places: bool


@dataclass(frozen=True)
class ClassLoad:
    room_id: int
    name: str
    enrolled: int
    cap: int  # the class type's cap from the rulebook
    over_cap: bool


def daily(centre: Centre, start: date, end: date) -> list[OccupancyDay]:
    """One line per day of the period."""
    enrolled: dict[date, int] = {}
    present: dict[date, int] = {}
    for line in register_lines(centre, Period(start, end)):
        enrolled[line.on] = enrolled.get(line.on, 0) + 1
        present[line.on] = present.get(line.on, 0) + (1 if line.present else 0)
    days = []
    for day in Period(start, end).each_day():
        count = enrolled.get(day, 0)
        pct = round(100 * count / centre.approved_places, 1) if centre.approved_places else None
        days.append(OccupancyDay(day, count, present.get(day, 0), centre.approved_places, centre.inclusive_places,
                                 pct, count > centre.approved_places))
    return days


def class_loads(centre: Centre, on: date) -> list[ClassLoad]:
    """Children enrolled in each class on a day against the class type's cap."""
    rules = effective_rules(centre, on)
    loads = []
    enrolled = dict(db.session.execute(
        select(Child.room_id, func.count()).where(
            Child.centre_id == centre.id, Child.enrolled_on <= on, (Child.left_on.is_(None)) | (Child.left_on >= on))
        .group_by(Child.room_id)).all())
    rooms = db.session.execute(
        select(Room).where(Room.centre_id == centre.id, Room.is_active).order_by(Room.id)).scalars()
    for room in rooms:
        count = enrolled.get(room.id, 0)
        cap = int(rules[f"class_size.{RULE_CLASS_TYPES[room.class_type].value}"].value("max_children"))
        loads.append(ClassLoad(room.id, room.name, count, cap, count > cap))
    return loads
