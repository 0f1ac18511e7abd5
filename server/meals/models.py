"""The weekly menu with quantities (带量食谱) and the monthly 膳食费 publication.

A week's menu is a chain of versions: the kitchen or the 保健员 edits the week's one draft, publishing freezes it as
the next version (never edited again); a change after publication is a new draft copied from the latest version,
published as version n+1. A month's 膳食费 publication is append-only the same way: a correction is a new version.
Money is kept in fen (分), weights in grams per child.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class Meal(StrEnum):
    """The meals of a day (the same wire-free strings as the food samples' own set)."""

    BREAKFAST = "breakfast"
    MORNING_SNACK = "morning_snack"
    LUNCH = "lunch"
    AFTERNOON_SNACK = "afternoon_snack"
    DINNER = "dinner"


MEAL_LABELS: dict[StrEnum, tuple[str, str]] = {
    Meal.BREAKFAST: ("早餐", "Breakfast"),
    Meal.MORNING_SNACK: ("早点", "Morning snack"),
    Meal.LUNCH: ("午餐", "Lunch"),
    Meal.AFTERNOON_SNACK: ("午点", "Afternoon snack"),
    Meal.DINNER: ("晚餐", "Dinner"),
}


class MenuVersion(db.Model):
    """One version of a week's menu: the draft (published_at empty) or a published, frozen version."""

    __tablename__ = "meal_menu_version"
    __table_args__ = (UniqueConstraint("centre_id", "week_of", "version_no"),
                      Index("ix_meal_menu_version_week", "centre_id", "week_of"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    week_of: Mapped[date]  # the Monday
    version_no: Mapped[int]  # 1, 2, … in order of publication; the draft carries the number it will get
    change_note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    publisher_name: Mapped[str | None] = mapped_column(String(60))  # as signed, kept if the account is renamed


class MenuDish(db.Model):
    """One dish of a meal of a day in a version, with its ingredients (grams per child) as a list."""

    __tablename__ = "meal_menu_dish"
    __table_args__ = (Index("ix_meal_menu_dish_version", "version_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("meal_menu_version.id"))
    day: Mapped[date]
    meal: Mapped[Meal] = mapped_column(str_enum(Meal, 16))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    # [{"name": "鸡蛋", "grams": 25, "allergens": ["eggs"]}, …]: allergens are codes of the allergen catalogue
    ingredients: Mapped[list[dict[str, object]]] = mapped_column(JSON)


class MealFeePublication(db.Model):
    """One version of a month's 膳食费 account as published to families (a correction is the next version)."""

    __tablename__ = "meal_fee_publication"
    __table_args__ = (UniqueConstraint("centre_id", "month", "version_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    month: Mapped[date]  # the first day of the month
    version_no: Mapped[int]
    income_fen: Mapped[int]  # the month's meal fees received for the children's food
    spending_fen: Mapped[int]  # the month's food purchases for the children
    # Optional breakdown of the spending: {"staples": 120000, "meat_eggs": …} in fen
    categories: Mapped[dict[str, int]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    publisher_name: Mapped[str] = mapped_column(String(60))
