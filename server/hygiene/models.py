"""The 表6 班级卫生消毒检查记录表 records, and what the room's window contacts and the cabinets reported.

Each tick is a row (`HygieneCheck`), never edited: un-ticking or correcting is a `HygieneCheck` row that
references the original (`amends_id`) with a reason, and the entry stands as its latest amendment says. The
caregiver signs the day (`HygieneSignature`, PIN or password); after signing every change needs a reason.
`recorded_at` is the clock's, never typed; an airing's own start (`started_at`) and minutes are typed or come from
the window contact. Device rows (`HygieneWindowEvent`, `HygieneCabinetEvent`) keep each edge as the agent sent it
(unique per device, input, instant and state, so a duplicate is dropped); periods are built from them when read,
so an edge arriving late from the agent's outbox slots into place.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class CheckItem(StrEnum):
    """The 表6 lines (compliance/hygiene/checklist.py has their rules and labels)."""

    VENTILATION = "ventilation"
    SURFACES = "surfaces"
    TOYS = "toys"
    TOWELS_CUPS = "towels_cups"
    TOILETS = "toilets"
    TABLEWARE = "tableware"
    UV_LAMP = "uv_lamp"


class TablewareMethod(StrEnum):
    BOIL = "boil"
    STEAM = "steam"
    CABINET = "cabinet"


class SignedWith(StrEnum):
    PIN = "pin"
    PASSWORD = "password"
    SYSTEM = "system"


class HygieneCheck(db.Model):
    """One entry of a class's 表6 day (an airing, a cleaning tick, the tableware, the UV minutes) or its amendment."""

    __tablename__ = "hygiene_check"
    __table_args__ = (Index("ix_hygiene_check_room_day", "room_id", "day"),
                      Index("ix_hygiene_check_centre_day", "centre_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    day: Mapped[date] = mapped_column(Date)  # the centre's local day the entry is for
    item: Mapped[CheckItem] = mapped_column(str_enum(CheckItem, 16))
    done: Mapped[bool] = mapped_column(default=True)  # False: an amendment withdrawing the tick
    minutes: Mapped[int | None]  # ventilation, tableware (boil/steam), uv_lamp
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # ventilation: the airing's typed start
    method: Mapped[TablewareMethod | None] = mapped_column(str_enum(TablewareMethod, 16))
    note: Mapped[str | None] = mapped_column(Text)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("hygiene_check.id"), index=True)  # the original entry
    reason: Mapped[str | None] = mapped_column(Text)  # an amendment's (or a tick after signing) reason
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # who did it (the logged-in member)
    by_name: Mapped[str] = mapped_column(String(120), default="")  # their name then (the register keeps it)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class HygieneSignature(db.Model):
    """The caregiver signed a class's 表6 day (once); later changes are amendments with a reason."""

    __tablename__ = "hygiene_signature"
    __table_args__ = (UniqueConstraint("room_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    day: Mapped[date] = mapped_column(Date)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    by_name: Mapped[str] = mapped_column(String(120), default="")
    signed_with: Mapped[SignedWith] = mapped_column(str_enum(SignedWith, 16))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class HygieneWindowEvent(db.Model):
    """A window contact opened or closed (hygiene.window), as the room's agent reported it."""

    __tablename__ = "hygiene_window_event"
    __table_args__ = (UniqueConstraint("device_pk", "input", "at", "state"),
                      Index("ix_hygiene_window_event_room_at", "room_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    device_pk: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    input: Mapped[str] = mapped_column(String(64))
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    state: Mapped[str] = mapped_column(String(8))  # open / closed
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when it happened (the event's created_at)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HygieneCabinetEvent(db.Model):
    """A disinfection cabinet's cycle started or ended (hygiene.cabinet)."""

    __tablename__ = "hygiene_cabinet_event"
    __table_args__ = (UniqueConstraint("device_pk", "input", "at", "state"),
                      Index("ix_hygiene_cabinet_event_centre_at", "centre_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    device_pk: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    input: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(32))  # kitchen, or room:<id>
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    state: Mapped[str] = mapped_column(String(8))  # started / ended
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict | None] = mapped_column(JSON)


LABELS: dict[StrEnum, tuple[str, str]] = {
    CheckItem.VENTILATION: ("开窗通风", "Ventilation"),
    CheckItem.SURFACES: ("桌面、地面等物体表面清洁消毒", "Surfaces"),
    CheckItem.TOYS: ("玩具清洗消毒", "Toys"),
    CheckItem.TOWELS_CUPS: ("毛巾、水杯清洗消毒", "Towels and cups"),
    CheckItem.TOILETS: ("卫生间、便器清洗消毒", "Toilets"),
    CheckItem.TABLEWARE: ("餐具消毒", "Tableware"),
    CheckItem.UV_LAMP: ("紫外线灯消毒", "UV lamp"),
    TablewareMethod.BOIL: ("煮沸", "Boiled"),
    TablewareMethod.STEAM: ("蒸汽", "Steamed"),
    TablewareMethod.CABINET: ("消毒柜", "Disinfection cabinet"),
    SignedWith.PIN: ("PIN 码", "PIN"),
    SignedWith.PASSWORD: ("密码", "Password"),
    SignedWith.SYSTEM: ("系统", "System"),
}
