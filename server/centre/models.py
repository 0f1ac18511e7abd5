"""Centres (托育机构) and their classes/rooms."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column

from server.database import UTCDateTime, db


def str_enum(enum_cls: type[StrEnum], length: int = 24) -> SAEnum:
    """Store a closed set by its value, as a checked VARCHAR (portable, migration-friendly)."""
    return SAEnum(enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class LegalForm(StrEnum):
    FOR_PROFIT = "for_profit"  # 营利性
    NON_PROFIT = "non_profit"  # 非营利性
    KINDERGARTEN_CLASS = "kindergarten_class"  # 幼儿园托班
    FAMILY_POINT = "family_point"  # 家庭托育点


class FilingStatus(StrEnum):
    """备案 status with the health commission."""

    NOT_FILED = "not_filed"  # 未备案
    SUBMITTED = "submitted"  # 已提交
    FILED = "filed"  # 已备案
    REVOKED = "revoked"  # 已撤销


class ServiceType(StrEnum):
    FULL_DAY = "full_day"  # 全日托
    HALF_DAY = "half_day"  # 半日托
    HOURLY = "hourly"  # 计时托
    TEMPORARY = "temporary"  # 临时托


class ClassType(StrEnum):
    INFANT = "infant"  # 乳儿班 6–12 months
    TODDLER = "toddler"  # 托小班 12–24 months
    PRESCHOOL = "preschool"  # 托大班 24–36 months
    MIXED = "mixed"  # 混合班 ≥ 18 months
    FAMILY = "family"  # 家庭托育点 group


LABELS: dict[StrEnum, tuple[str, str]] = {
    LegalForm.FOR_PROFIT: ("营利性", "For-profit"),
    LegalForm.NON_PROFIT: ("非营利性", "Non-profit"),
    LegalForm.KINDERGARTEN_CLASS: ("幼儿园托班", "Kindergarten nursery class"),
    LegalForm.FAMILY_POINT: ("家庭托育点", "Family childcare point"),
    FilingStatus.NOT_FILED: ("未备案", "Not filed"),
    FilingStatus.SUBMITTED: ("备案已提交", "Filing submitted"),
    FilingStatus.FILED: ("已备案", "Filed"),
    FilingStatus.REVOKED: ("备案已撤销", "Filing revoked"),
    ServiceType.FULL_DAY: ("全日托", "Full day"),
    ServiceType.HALF_DAY: ("半日托", "Half day"),
    ServiceType.HOURLY: ("计时托", "Hourly"),
    ServiceType.TEMPORARY: ("临时托", "Temporary"),
    ClassType.INFANT: ("乳儿班", "Infant class"),
    ClassType.TODDLER: ("托小班", "Toddler class"),
    ClassType.PRESCHOOL: ("托大班", "Older toddler class"),
    ClassType.MIXED: ("混合班", "Mixed-age class"),
    ClassType.FAMILY: ("家庭托育组", "Family group"),
}


class Centre(db.Model):
    """A 托育机构. Every other record belongs to exactly one centre."""

    __tablename__ = "centre"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    legal_form: Mapped[LegalForm] = mapped_column(str_enum(LegalForm))
    registering_authority: Mapped[str | None] = mapped_column(String(120))
    filing_status: Mapped[FilingStatus] = mapped_column(str_enum(FilingStatus))
    filed_on: Mapped[date | None]
    approved_places: Mapped[int] = mapped_column(default=0)  # 核定托位
    inclusive_places: Mapped[int] = mapped_column(default=0)  # 普惠托位
    service_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str | None] = mapped_column(String(40))  # key of a rulebook overlay
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    address: Mapped[str | None] = mapped_column(String(200))
    # Stricter-than-rulebook settings of this centre: {rule_id: {parameter: value}} (see docs/rulebook.md).
    rule_policy: Mapped[dict[str, dict[str, object]]] = mapped_column(JSON, default=dict)
    # Opening hours (local time): a child still in after closing, or booked and not in by the
    # arrival deadline, raises an alert so staff can call the family.
    opens_at: Mapped[time] = mapped_column(default=time(7, 30), server_default="07:30:00")
    closes_at: Mapped[time] = mapped_column(default=time(18, 0), server_default="18:00:00")
    arrival_deadline: Mapped[time] = mapped_column(default=time(9, 30), server_default="09:30:00")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Room(db.Model):
    """A class and the room it lives in (班级): class type decides its size cap and ratio."""

    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("centre_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    class_type: Mapped[ClassType] = mapped_column(str_enum(ClassType))
    capacity: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CentreClosure(db.Model):
    """A centre's own closure (园所停园日) on top of the official working calendar. Append-only.

    Withdrawing a closure is a new row naming it in `withdraws_id` (same days, the withdrawal's reason);
    the closure counts while no withdrawal names it.
    """

    __tablename__ = "centre_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    reason: Mapped[str] = mapped_column(String(100))
    withdraws_id: Mapped[int | None] = mapped_column(ForeignKey("centre_closure.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
