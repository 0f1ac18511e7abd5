"""Fire safety (消防安全): the monthly equipment checklist and the yearly fire-safety inspection certificate.

The checklist's items are data (FireItem and its labels); a check is one row with one row per item (ok, or a fault
with a note). A certificate is recorded once with its dates and, optionally, its scan in the file store. A check is
corrected by amendment rows referencing it (field, value before and after, reason), never edited in place.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class FireItem(StrEnum):
    """What the monthly check walks (WS/T 821 安全保障：消防安全)."""

    EXTINGUISHERS = "extinguishers"
    HYDRANTS = "hydrants"
    ALARMS = "alarms"
    EVACUATION_SIGNS = "evacuation_signs"
    EMERGENCY_LIGHTS = "emergency_lights"
    EXITS_CLEAR = "exits_clear"


FIRE_ITEM_LABELS: dict[StrEnum, tuple[str, str]] = {
    FireItem.EXTINGUISHERS: ("灭火器", "Fire extinguishers"),
    FireItem.HYDRANTS: ("消火栓", "Fire hydrants"),
    FireItem.ALARMS: ("火灾报警器", "Fire alarms"),
    FireItem.EVACUATION_SIGNS: ("疏散指示标志", "Evacuation signs"),
    FireItem.EMERGENCY_LIGHTS: ("应急照明", "Emergency lights"),
    FireItem.EXITS_CLEAR: ("安全出口畅通", "Exits unobstructed"),
}


class FireCheck(db.Model):
    """One monthly walk of the checklist: who, when, and a note."""

    __tablename__ = "fire_check"
    __table_args__ = (Index("ix_fire_check_centre_checked_at", "centre_id", "checked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checker_name: Mapped[str] = mapped_column(String(60))  # as signed, kept if the account is renamed
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FireCheckItem(db.Model):
    """One item of a check: ok, or a fault with what is wrong."""

    __tablename__ = "fire_check_item"
    __table_args__ = (UniqueConstraint("check_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("fire_check.id"), index=True)
    item: Mapped[FireItem] = mapped_column(str_enum(FireItem, 24))
    is_ok: Mapped[bool]
    note: Mapped[str | None] = mapped_column(String(200))


class FireCertificate(db.Model):
    """The yearly fire-safety inspection certificate (消防安全检查合格证明)."""

    __tablename__ = "fire_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    issuer: Mapped[str] = mapped_column(String(120))
    number: Mapped[str | None] = mapped_column(String(60))
    file_sha256: Mapped[str | None] = mapped_column(String(64))  # the scan, kept by server/files.py
    file_type: Mapped[str | None] = mapped_column(String(40))
    file_size: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FireCheckAmendment(db.Model):
    """A correction of a monthly check: its time, its note or one item's result (before and after, as JSON)."""

    __tablename__ = "fire_check_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("fire_check.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))  # checked_at | note | items.<FireItem>
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(String(300))
    amended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime)
