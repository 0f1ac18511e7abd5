"""Public-health isolation: the isolation room and the epidemic-prevention supplies.

Seed 000 L280: 增设隔离功能并配必要的防控物资和设备.

The isolation room is a facility item: each record says whether the centre has one, where, and when it was last
checked; the latest record stands. Supplies are a catalogue (data below) with a minimum stock each, which the
centre may change (the latest setting stands); stock moves are append-only rows (received / used / counted),
each with the balance it leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class SupplyKind(StrEnum):
    """The epidemic-prevention supplies a centre keeps."""

    MASKS = "masks"
    DISINFECTANT = "disinfectant"
    HAND_SANITISER = "hand_sanitiser"
    THERMOMETERS = "thermometers"
    GLOVES = "gloves"
    GOWNS = "gowns"
    FACE_SHIELDS = "face_shields"


@dataclass(frozen=True)
class SupplyEntry:
    """A catalogue line: its unit (zh, en) and the minimum stock this product suggests (the centre may change it)."""

    unit_zh: str
    unit_en: str
    default_minimum: int


SUPPLY_CATALOGUE: dict[SupplyKind, SupplyEntry] = {
    SupplyKind.MASKS: SupplyEntry("只", "pieces", 200),
    SupplyKind.DISINFECTANT: SupplyEntry("瓶", "bottles", 10),
    SupplyKind.HAND_SANITISER: SupplyEntry("瓶", "bottles", 10),
    SupplyKind.THERMOMETERS: SupplyEntry("支", "pieces", 4),
    SupplyKind.GLOVES: SupplyEntry("副", "pairs", 100),
    SupplyKind.GOWNS: SupplyEntry("件", "pieces", 10),
    SupplyKind.FACE_SHIELDS: SupplyEntry("个", "pieces", 5),
}


class MovementKind(StrEnum):
    RECEIVED = "received"  # adds to the stock
    USED = "used"  # takes from it
    COUNTED = "counted"  # a stock-take: the count becomes the stock


SUPPLY_LABELS: dict[StrEnum, tuple[str, str]] = {
    SupplyKind.MASKS: ("口罩", "Masks"),
    SupplyKind.DISINFECTANT: ("消毒液", "Disinfectant"),
    SupplyKind.HAND_SANITISER: ("免洗洗手液", "Hand sanitiser"),
    SupplyKind.THERMOMETERS: ("体温计", "Thermometers"),
    SupplyKind.GLOVES: ("一次性手套", "Disposable gloves"),
    SupplyKind.GOWNS: ("隔离衣", "Protective gowns"),
    SupplyKind.FACE_SHIELDS: ("防护面屏", "Face shields"),
    MovementKind.RECEIVED: ("入库", "Received"),
    MovementKind.USED: ("领用", "Used"),
    MovementKind.COUNTED: ("盘点", "Counted"),
}


class IsolationRoomRecord(db.Model):
    """What the centre says of its isolation room on a day: has one or not, where, when it was last checked."""

    __tablename__ = "isolation_room_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    has_room: Mapped[bool]
    location: Mapped[str | None] = mapped_column(String(120))
    checked_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SupplyMinimum(db.Model):
    """The centre's own minimum stock of one kind (the latest row stands; without one, the catalogue's)."""

    __tablename__ = "supply_minimum"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    kind: Mapped[SupplyKind] = mapped_column(str_enum(SupplyKind, 24))
    minimum: Mapped[int]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SupplyMovement(db.Model):
    """Stock received, used or counted, and the balance it leaves."""

    __tablename__ = "supply_movement"
    __table_args__ = (Index("ix_supply_movement_centre_kind", "centre_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    kind: Mapped[SupplyKind] = mapped_column(str_enum(SupplyKind, 24))
    movement: Mapped[MovementKind] = mapped_column(str_enum(MovementKind, 16))
    quantity: Mapped[int]
    balance: Mapped[int]  # the stock after this move
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
