"""Registers of the people domain for the compliance pack: children, families, staff."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from compliance import CentreRecord, ChildRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from server.centre.models import Centre, Room
from server.centre.registers import centre_of, count_rows
from server.database import db
from server.i18n import bilingual
from server.people.consent_registers import consent_days
from server.people.models import Child, ChildContact, Contact, Staff


def _children(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    stmt = (select(Child).where(Child.centre_id == centre.id, Child.enrolled_on <= period.end,
                                (Child.left_on.is_(None)) | (Child.left_on >= period.start)).order_by(Child.id))
    for c in db.session.execute(stmt.execution_options(yield_per=1000)).scalars():
        yield (c.id, c.name, "女" if c.sex.value == "female" else "男", c.born_on, rooms.get(c.room_id, ""),
               bilingual(c.service_type), c.enrolled_on, c.left_on, c.allergies or "", c.conditions or "",
               c.consent_on)


def _families(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    stmt = (select(ChildContact, Contact.name, Contact.phone, Child.name)
            .join(Contact, Contact.id == ChildContact.contact_id).join(Child, Child.id == ChildContact.child_id)
            .where(ChildContact.centre_id == centre.id).order_by(ChildContact.child_id, ChildContact.id))
    for link, name, phone, child_name in db.session.execute(stmt):
        yield (link.child_id, child_name, name, bilingual(link.relationship), phone or "",
               "是" if link.is_guardian else "否", "是" if link.may_pick_up else "否")


def _staff(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    stmt = (select(Staff).where(Staff.centre_id == centre.id, Staff.hired_on <= period.end,
                                (Staff.left_on.is_(None)) | (Staff.left_on >= period.start)).order_by(Staff.id))
    for s in db.session.execute(stmt).scalars():
        yield (s.id, s.name, bilingual(s.role), s.hired_on, s.left_on)


CHILDREN = RegisterSource(
    "幼儿花名册", (Column("id", "编号", "id"), Column("name", "姓名", "name"), Column("sex", "性别", "sex"),
              Column("born_on", "出生日期", "date of birth"), Column("class", "班级", "class"),
              Column("service", "服务类型", "service type"), Column("enrolled_on", "入托日期", "enrolled"),
              Column("left_on", "离托日期", "left"), Column("allergies", "过敏", "allergies"),
              Column("conditions", "疾病/特殊情况", "conditions"),
              Column("consent_on", "监护人同意日期", "guardian consent")),
    Responsibility.SERVICE, InspectionArea.OPERATIONS, _children, "Children enrolled",
    count=lambda r, p: count_rows(Child, r),
)
FAMILIES = RegisterSource(
    "监护人及接送人登记", (Column("child_id", "幼儿编号", "child id"), Column("child", "幼儿", "child"),
                  Column("adult", "成人", "adult"), Column("relationship", "关系", "relationship"),
                  Column("phone", "电话", "phone"), Column("guardian", "监护人", "guardian"),
                  Column("pick_up", "可接送", "may collect")),
    Responsibility.QUALITY_SAFETY, InspectionArea.OPERATIONS, _families, "Guardians and authorised pick-up",
    count=lambda r, p: count_rows(ChildContact, r),
)
STAFF = RegisterSource(
    "工作人员名册", (Column("id", "编号", "id"), Column("name", "姓名", "name"), Column("role", "岗位", "role"),
               Column("hired_on", "入职日期", "hired"), Column("left_on", "离职日期", "left")),
    Responsibility.QUALITY_SAFETY, InspectionArea.OPERATIONS, _staff, "Staff",
    count=lambda r, p: count_rows(Staff, r),
)


def child_records(centre: Centre, period: Period) -> tuple[ChildRecord, ...]:
    """Every child of the centre as the evaluators' plain records (enrolment, class, consent).

    The data-processing consent comes from the guardians' decisions up to the period's end (given, withdrawn:
    server/people/consent_registers.py); a child without any decision keeps the date recorded before versions.
    """
    children = db.session.execute(select(Child).where(Child.centre_id == centre.id)).scalars()
    decided = consent_days(centre, period.end)
    return tuple(ChildRecord(c.id, c.room_id if c.room_id is not None else "", c.enrolled_on, c.left_on,
                             *decided.get(c.id, (c.consent_on, None)), name=c.name) for c in children)
