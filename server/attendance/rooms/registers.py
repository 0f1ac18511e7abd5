"""Registers of the rooms domain for the pack: 师幼比违规记录 and the daily 托位 monitoring (动态监测托位)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select

from compliance import (
    CentreRecord,
    Column,
    InspectionArea,
    Period,
    RatioViolationRecord,
    RegisterSource,
    Responsibility,
)
from server.attendance.rooms import occupancy
from server.attendance.rooms.models import RatioViolation
from server.attendance.rooms.operations.moves import violations_between
from server.centre.models import Centre, Room
from server.centre.registers import centre_of
from server.centre.timezones import centre_zone, period_bounds
from server.clock import utcnow
from server.database import db
from server.people.models import Staff

KIND_ZH = {"ratio": "师幼比不足", "class_size": "超班额"}


def _local(instant: datetime | None, tz: object) -> str:
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if instant else ""  # type: ignore[arg-type]


def _violations(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    tz = centre_zone(centre)
    start, end = period_bounds(centre, period.start, period.end)
    names = dict(db.session.execute(select(Staff.id, Staff.name).where(Staff.centre_id == centre.id)).all())
    for span in violations_between(centre, start, end, utcnow()):
        row = span.row
        yield (row.id, span.room_name, KIND_ZH[row.kind.value], row.rule_id, _local(row.opened_at, tz),
               _local(row.closed_at, tz) or "持续中", f"{span.minutes:.1f}", row.most_children,
               row.fewest_caregivers, "、".join(names.get(i, str(i)) for i in row.staff_ids),
               " ".join(str(i) for i in row.child_ids))


RATIO_VIOLATIONS = RegisterSource(
    "师幼比违规记录",
    (Column("id", "编号", "id"), Column("room", "班级", "room"), Column("kind", "类型", "kind"),
     Column("rule", "规则", "rule"), Column("opened", "开始时间", "opened"), Column("closed", "结束时间", "closed"),
     Column("minutes", "期间内时长（分钟）", "minutes in period"), Column("most_children", "最多幼儿数", "most children"),
     Column("fewest_caregivers", "最少保育人员数", "fewest caregivers"),
     Column("staff", "在场保育人员", "caregivers present"), Column("children", "在场幼儿编号", "children present (ids)")),
    Responsibility.QUALITY_SAFETY, InspectionArea.OPERATIONS, _violations, "Ratio and class-size violations",
)


def _occupancy(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    for day in occupancy.daily(centre, period.start, period.end):
        yield (day.on, day.enrolled, day.present, day.approved_places, day.inclusive_places,
               "" if day.occupancy_pct is None else f"{day.occupancy_pct:.1f}", "是" if day.over_places else "否")


PLACES_MONITORING = RegisterSource(
    "托位动态监测",
    (Column("on", "日期", "date"), Column("enrolled", "在托人数", "enrolled"), Column("present", "出勤人数", "present"),
     Column("approved", "核定托位", "approved places"), Column("inclusive", "普惠托位", "inclusive places"),
     Column("occupancy", "托位使用率（%）", "occupancy %"), Column("over", "超核定托位", "over approved places")),
    Responsibility.REGISTRATION, InspectionArea.OPERATIONS, _occupancy, "Daily places monitoring",
    count=lambda r, p: (p.end - p.start).days + 1,
)


def ratio_violation_records(centre: Centre, period: Period) -> tuple[RatioViolationRecord, ...]:
    """Every violation interval of the centre, as the evaluators' plain records (the evaluators pick the period)."""
    return tuple(_violation_records(centre))


def _violation_records(centre: Centre) -> Iterator[RatioViolationRecord]:
    tz = centre_zone(centre)
    rows = db.session.execute(
        select(RatioViolation, Room.name).join(Room, Room.id == RatioViolation.room_id)
        .where(RatioViolation.centre_id == centre.id).order_by(RatioViolation.opened_at)).all()
    for row, name in rows:
        yield RatioViolationRecord(row.id, row.room_id, name, row.kind.value, row.rule_id, row.opened_at,
                                   row.closed_at, row.opened_at.astimezone(tz).date())
