"""The emergency plan library (应急预案): a plan per scenario, its versions, and who of the staff has read each.

A plan is never edited: publishing a new version supersedes the old one, and both stay on record. A read receipt
is one row per version and member of staff ("I have read it"), so a new version starts with nobody having read it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class PlanScenario(StrEnum):
    """What a plan is for: the emergencies a 托育 centre prepares for (seeds 000 L294, 002 L67)."""

    FIRE = "fire"
    EARTHQUAKE = "earthquake"
    INFECTIOUS_DISEASE = "infectious_disease"
    FOOD_POISONING = "food_poisoning"
    STAMPEDE = "stampede"
    VIOLENT_INTRUSION = "violent_intrusion"
    MISSING_CHILD = "missing_child"
    EXTREME_WEATHER = "extreme_weather"


SCENARIO_LABELS: dict[StrEnum, tuple[str, str]] = {
    PlanScenario.FIRE: ("火灾", "Fire"),
    PlanScenario.EARTHQUAKE: ("地震", "Earthquake"),
    PlanScenario.INFECTIOUS_DISEASE: ("传染病疫情", "Infectious disease"),
    PlanScenario.FOOD_POISONING: ("食物中毒", "Food poisoning"),
    PlanScenario.STAMPEDE: ("踩踏", "Stampede"),
    PlanScenario.VIOLENT_INTRUSION: ("暴力侵害", "Violent intrusion"),
    PlanScenario.MISSING_CHILD: ("幼儿走失", "Missing child"),
    PlanScenario.EXTREME_WEATHER: ("极端天气", "Extreme weather"),
}


class EmergencyPlan(db.Model):
    """The centre's plan for one scenario; its text lives in its versions."""

    __tablename__ = "emergency_plan"
    __table_args__ = (UniqueConstraint("centre_id", "scenario"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    scenario: Mapped[PlanScenario] = mapped_column(str_enum(PlanScenario, 24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanVersion(db.Model):
    """One published version of a plan: its text (or a PDF in the file store), who is responsible, who published."""

    __tablename__ = "emergency_plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "version_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("emergency_plan.id"))
    version_no: Mapped[int]
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    responsible_roles: Mapped[list[str]] = mapped_column(JSON)  # server.auth.roles.Role values
    change_note: Mapped[str | None] = mapped_column(String(300))  # what changed from the version before
    file_sha256: Mapped[str | None] = mapped_column(String(64))  # the PDF, kept by server/files.py
    file_name: Mapped[str | None] = mapped_column(String(120))
    file_size: Mapped[int | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanRead(db.Model):
    """A member of staff confirmed having read one version of a plan."""

    __tablename__ = "emergency_plan_read"
    __table_args__ = (UniqueConstraint("version_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("emergency_plan_version.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
