"""Health profile records: allergies, 表5 conditions, entry exams, growth measurements. Append-only.

A correction (or the end of an allergy) is a new row whose `amends_id` names the row it replaces, with the
reason; readers use the latest row of each chain. Closing a 表5 entry is a row of its own.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from compliance.health.allergens import AllergenKind
from compliance.health.growth import GrowthStatus, Indicator
from server.centre.models import str_enum
from server.database import UTCDateTime, db


class AllergySeverity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"  # anaphylaxis


# Closed sets of the health profile shown on screens and in exports (the app factory adds them to tuoyu.labels).
LABELS: dict[StrEnum, tuple[str, str]] = {
    AllergySeverity.MILD: ("轻度", "Mild"),
    AllergySeverity.MODERATE: ("中度", "Moderate"),
    AllergySeverity.SEVERE: ("重度（过敏性休克）", "Severe (anaphylaxis)"),
    AllergenKind.FOOD: ("食物", "Food"),
    AllergenKind.DRUG: ("药物", "Drug"),
    AllergenKind.OTHER: ("其他", "Other"),
    **{s: (s.zh, s.value.replace("_", " ").capitalize()) for s in GrowthStatus},
    **{i: (i.zh, {"wfa": "Weight-for-age", "lhfa": "Length/height-for-age", "wflh": "Weight-for-length/height",
                  "hcfa": "Head circumference-for-age", "bfa": "BMI-for-age"}[i.value]) for i in Indicator},
}


class _Recorded:
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Allergy(_Recorded, db.Model):
    """One allergy of a child against the closed allergen list; ended or corrected by a row amending it."""

    __tablename__ = "health_allergy"
    __table_args__ = (Index("ix_health_allergy_child", "centre_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    allergen: Mapped[str] = mapped_column(String(40))  # a code of compliance/health/allergens.yaml
    kind: Mapped[AllergenKind] = mapped_column(str_enum(AllergenKind, 8))
    severity: Mapped[AllergySeverity] = mapped_column(str_enum(AllergySeverity, 12))
    reaction: Mapped[str] = mapped_column(Text, default="")
    recorded_on: Mapped[date]
    ended_on: Mapped[date | None]
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("health_allergy.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)


class ChronicCondition(_Recorded, db.Model):
    """表5 营养性疾病及常见疾病登记: a condition found, its plan and who manages it."""

    __tablename__ = "health_condition"
    __table_args__ = (Index("ix_health_condition_child", "centre_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    condition: Mapped[str] = mapped_column(String(120))
    found_on: Mapped[date]
    plan: Mapped[str] = mapped_column(Text, default="")
    managed_by: Mapped[str] = mapped_column(String(60), default="")
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("health_condition.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)


class ConditionClosure(_Recorded, db.Model):
    """A 表5 entry closed (结案): the day and the outcome (转归). Its own row; the entry stays as it was."""

    __tablename__ = "health_condition_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    condition_id: Mapped[int] = mapped_column(ForeignKey("health_condition.id"), unique=True)
    closed_on: Mapped[date]
    outcome: Mapped[str] = mapped_column(Text)


class EntryExam(_Recorded, db.Model):
    """入园（所）健康检查 and the check of the 预防接种证."""

    __tablename__ = "health_entry_exam"
    __table_args__ = (Index("ix_health_entry_exam_child", "centre_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    examined_on: Mapped[date]
    vaccination_checked: Mapped[bool]
    passed: Mapped[bool]
    examined_by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("health_entry_exam.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)


class GrowthMeasurement(_Recorded, db.Model):
    """生长发育监测: one measurement (length/height, weight, head circumference)."""

    __tablename__ = "health_growth_measurement"
    __table_args__ = (Index("ix_health_growth_child", "centre_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    measured_on: Mapped[date]
    height_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    head_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    recumbent: Mapped[bool | None]  # None: the usual way for the age (lying before 24 months)
    measured_by: Mapped[str] = mapped_column(String(60))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("health_growth_measurement.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
