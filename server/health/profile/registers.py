"""Registers of the health profile for the pack (表5, 生长发育监测) and the records of the "health" evidence.

The evidence functions return the library's plain records (`compliance.health`); the lead's
`server/health/evidence.py` puts them into `HealthEvidence` with the checks and the cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.health import (
    AllergyRecord,
    ChildHealthRecord,
    ChronicConditionRecord,
    EntryExamRecord,
    GrowthMeasurementRecord,
    Indicator,
    assess,
)
from server.centre.models import Centre, Room
from server.centre.registers import centre_of
from server.centre.rules import effective_rules
from server.database import db
from server.health.profile import growth as growth_ops
from server.health.profile import operations as ops
from server.health.profile.models import GrowthMeasurement
from server.people.models import Child


def _children(centre: Centre, period: Period) -> list[Child]:
    """The centre's children enrolled at some time in the period."""
    return list(db.session.execute(
        select(Child).where(Child.centre_id == centre.id, Child.enrolled_on <= period.end,
                            (Child.left_on.is_(None)) | (Child.left_on >= period.start)).order_by(Child.id)).scalars())


def _ids(centre: Centre, period: Period) -> list[int]:
    return [c.id for c in _children(centre, period)]


def allergy_records(centre: Centre, period: Period) -> tuple[AllergyRecord, ...]:
    """The allergies as they stood at the period's end (recorded by then; ended ones with their end)."""
    return tuple(ops.allergy_record(a) for a in ops.latest(ops._rows(ops.Allergy, _ids(centre, period)))
                 if a.recorded_on <= period.end)


def condition_records(centre: Centre, period: Period) -> tuple[ChronicConditionRecord, ...]:
    """表5 entries found by the period's end, with their closure when closed by then."""
    found = []
    for row, closure in ops.conditions_of(_ids(centre, period)):
        if row.found_on > period.end:
            continue
        closed = closure if closure is not None and closure.closed_on <= period.end else None
        found.append(ChronicConditionRecord(row.id, row.child_id, row.condition, row.found_on, row.managed_by, row.plan,
                                            closed.outcome if closed else "", closed.closed_on if closed else None))
    return tuple(found)


def entry_exam_records(centre: Centre, period: Period) -> tuple[EntryExamRecord, ...]:
    """Entry exams done by the period's end (the exam before enrolment counts for the whole stay)."""
    return tuple(EntryExamRecord(e.id, e.child_id, e.examined_on, e.vaccination_checked, e.passed, e.examined_by)
                 for e in ops.entry_exams_of(_ids(centre, period)) if e.examined_on <= period.end)


def measurement_records(centre: Centre, period: Period) -> tuple[GrowthMeasurementRecord, ...]:
    """Growth measurements taken by the period's end (the latest one is what the screening judges)."""
    return tuple(growth_ops.measurement_record(m) for m in growth_ops.measurements_of(_ids(centre, period))
                 if m.measured_on <= period.end)


def child_health_records(centre: Centre, period: Period) -> tuple[ChildHealthRecord, ...]:
    """Sex and birth date of the children enrolled in the period (what the growth charts need)."""
    return tuple(growth_ops.health_record(c) for c in _children(centre, period))


def _class_names(centre: Centre) -> dict[int, str]:
    return dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())


def _condition_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    children = {c.id: c for c in _children(centre, period)}
    rooms = _class_names(centre)
    for row, closure in ops.conditions_of(list(children)):
        if row.found_on > period.end or (closure is not None and closure.closed_on < period.start):
            continue
        child = children[row.child_id]
        closed = closure is not None and closure.closed_on <= period.end
        yield (child.id, child.name, rooms.get(child.room_id or 0, ""), row.condition, row.found_on, row.plan,
               row.managed_by, closure.outcome if closed and closure else "", closure.closed_on if closed and closure else "")


CONDITIONS = RegisterSource(
    "表5_营养性疾病及常见疾病登记表",
    (Column("child_id", "幼儿编号", "child id"), Column("name", "姓名", "name"), Column("class", "班级", "class"),
     Column("condition", "疾病名称", "condition"), Column("found_on", "发现日期", "found on"),
     Column("plan", "管理措施", "plan"), Column("managed_by", "负责人", "managed by"),
     Column("outcome", "转归", "outcome"), Column("closed_on", "结案日期", "closed on")),
    Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, _condition_rows, "Form 5: nutritional and common diseases",
)

_SEX_ZH = {"male": "男", "female": "女"}


def _z(found: dict[Indicator, object], indicator: Indicator) -> object:
    return found.get(indicator, "")


def _growth_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    children = {c.id: c for c in _children(centre, period)}
    rules = effective_rules(centre, period.end)
    rows = db.session.execute(select(GrowthMeasurement).where(
        GrowthMeasurement.child_id.in_(list(children)), GrowthMeasurement.measured_on >= period.start,
        GrowthMeasurement.measured_on <= period.end)).scalars() if children else []
    for row in sorted(ops.latest(rows), key=lambda m: (m.measured_on, m.child_id, m.id)):
        child = children[row.child_id]
        found = assess(growth_ops.health_record(child), growth_ops.measurement_record(row), rules)
        z = dict(found.z)
        yield (row.measured_on, child.id, child.name, _SEX_ZH.get(growth_ops.health_record(child).sex, ""),
               _months(child.born_on, row.measured_on), _blank(row.height_cm), _blank(row.weight_kg),
               _blank(row.head_cm), *(_z(z, i) for i in Indicator),
               "、".join(s.zh for s in found.statuses) or "正常")


def _months(born_on: date, on: date) -> int:
    months = (on.year - born_on.year) * 12 + on.month - born_on.month
    return months - (1 if on.day < born_on.day else 0)


def _blank(value: object) -> object:
    return "" if value is None else value


GROWTH = RegisterSource(
    "生长发育监测",
    (Column("measured_on", "测量日期", "measured on"), Column("child_id", "幼儿编号", "child id"),
     Column("name", "姓名", "name"), Column("sex", "性别", "sex"), Column("age_months", "月龄", "age (months)"),
     Column("height", "身长/身高(cm)", "length/height (cm)"), Column("weight", "体重(kg)", "weight (kg)"),
     Column("head", "头围(cm)", "head (cm)"), Column("wfa", "年龄别体重Z", "weight-for-age z"),
     Column("lhfa", "年龄别身长/身高Z", "length/height-for-age z"),
     Column("wflh", "身长/身高别体重Z", "weight-for-length/height z"), Column("hcfa", "年龄别头围Z", "head-for-age z"),
     Column("bfa", "年龄别BMI Z", "BMI-for-age z"), Column("statuses", "评价", "assessment")),
    Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, _growth_rows, "Growth monitoring (WHO 2006)",
)
