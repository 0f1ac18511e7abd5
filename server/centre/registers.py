"""Registers of the centre domain for the compliance pack: the classes as set up."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from server.centre.models import Centre, Room
from server.database import db
from server.i18n import bilingual


def centre_of(record: CentreRecord) -> Centre:
    """The centre a register is asked about (registers receive the plain record)."""
    return db.session.execute(select(Centre).where(Centre.code == record.code)).scalar_one()


def count_rows(model: type, record: CentreRecord) -> int:
    """Rows of a centre-owned table, to size the pack's progress bar."""
    centre = centre_of(record)
    return db.session.execute(
        select(func.count()).select_from(model).where(model.centre_id == centre.id)  # type: ignore[attr-defined]
    ).scalar_one()


def _rooms(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    for room in db.session.execute(select(Room).where(Room.centre_id == centre.id).order_by(Room.id)).scalars():
        yield (room.id, room.name, bilingual(room.class_type), room.capacity, "是" if room.is_active else "否")


CLASSES = RegisterSource(
    "班级设置", (Column("id", "编号", "id"), Column("name", "班级", "class"), Column("type", "班型", "class type"),
             Column("capacity", "班额", "capacity"), Column("active", "在用", "active")),
    Responsibility.FILING, InspectionArea.OPERATIONS, _rooms, "Classes",
    count=lambda r, p: count_rows(Room, r),
)
