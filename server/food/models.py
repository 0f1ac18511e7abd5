"""食品留样 records: a sample per dish and meal, its corrections and its disposal, all append-only.

A sample row is never changed: a correction (a wrong weight typed, the wrong fridge) is a `FoodSampleAmendment`
that references it (field, old value, new value, reason, who, when); its disposal is a `FoodSampleDisposal` row,
refused by the operations before the rulebook's keeping time (food.sample min_hours) has passed since sealing.
`fridge` is an environment monitor point ("fridge-sample"): its readings while the sample is kept are the evidence.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from compliance.food.samples import Meal
from server.centre.models import str_enum
from server.database import UTCDateTime, db

__all__ = ["FoodSample", "FoodSampleAmendment", "FoodSampleDisposal", "Meal"]


class FoodSample(db.Model):
    """One dish of one meal, weighed, sealed and put in a fridge by a member of the kitchen."""

    __tablename__ = "food_sample"
    __table_args__ = (Index("ix_food_sample_centre_day", "centre_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    day: Mapped[date] = mapped_column(Date)  # the centre-local day of the meal
    meal: Mapped[Meal] = mapped_column(str_enum(Meal, 16))
    dish: Mapped[str] = mapped_column(String(80))
    weight_g: Mapped[int] = mapped_column(Integer)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fridge: Mapped[str] = mapped_column(String(48))  # an environment monitor point
    sampled_by: Mapped[str] = mapped_column(String(80))  # who sampled (a name snapshot)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class FoodSampleAmendment(db.Model):
    """A correction of one field of a sample: old and new value, why, who and when."""

    __tablename__ = "food_sample_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    sample_id: Mapped[int] = mapped_column(ForeignKey("food_sample.id"), index=True)
    field: Mapped[str] = mapped_column(String(16))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    amended_by: Mapped[str] = mapped_column(String(80))


class FoodSampleDisposal(db.Model):
    """The sample was thrown away (once, never before its keeping time)."""

    __tablename__ = "food_sample_disposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    sample_id: Mapped[int] = mapped_column(ForeignKey("food_sample.id"), unique=True)
    disposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disposed_by: Mapped[str] = mapped_column(String(80))
    disposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
