"""The training log as a pack register: 培训记录."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from server.centre.registers import centre_of, count_rows
from server.database import db
from server.i18n import bilingual
from server.people.models import Staff
from server.staff.training import current_entries
from server.staff.training_models import TrainingEntry


def _training(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    names = dict(db.session.execute(select(Staff.id, Staff.name).where(Staff.centre_id == centre.id)).all())
    for e in current_entries(centre.id, period=period):
        yield (e.id, e.held_on, names.get(e.staff_id, ""), bilingual(e.category), e.title, e.hours, e.provider,
               e.certificate_no or "", bilingual(e.source), e.amends_id)


TRAINING_REGISTER = RegisterSource(
    "培训记录", (Column("id", "编号", "id"), Column("held_on", "培训日期", "date"), Column("staff", "姓名", "name"),
             Column("category", "培训类别", "category"), Column("title", "培训内容", "title"),
             Column("hours", "学时", "hours"), Column("provider", "培训机构", "provider"),
             Column("certificate", "证书编号", "certificate"), Column("source", "来源", "source"),
             Column("amends", "更正自", "corrects entry")),
    Responsibility.QUALITY_SAFETY, InspectionArea.OPERATIONS, _training, "Training log",
    count=lambda r, p: count_rows(TrainingEntry, r),
)
