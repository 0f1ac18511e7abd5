"""Food-sample evidence (食品留样, issue #18): each sample as recorded, its fridge's readings while kept, the menu.

The server (server/food) fills it; the evaluator in compliance/evaluators/food_samples.py reads it. Times are aware
UTC; ``day`` is the centre's local day of the meal. Values are the sample's as first recorded, with the amendments
that corrected them (each with the instant it was recorded), so a reader can judge the record as it stood at any
time — a correction recorded after the judged instant does not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

RULE_ID = "food.sample"
CERTIFICATE_RULE = "staff.food_handler_certificate"
FRIDGE_RULE = "environment.fridge"


class Meal(StrEnum):
    """The meals of a day (the same wire-free strings as the weekly menu's)."""

    BREAKFAST = "breakfast"
    MORNING_SNACK = "morning_snack"
    LUNCH = "lunch"
    AFTERNOON_SNACK = "afternoon_snack"
    DINNER = "dinner"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return MEAL_LABELS[self][0]

    @property
    def en(self) -> str:
        """English label."""
        return MEAL_LABELS[self][1]


MEAL_LABELS: dict[Meal, tuple[str, str]] = {
    Meal.BREAKFAST: ("早餐", "Breakfast"),
    Meal.MORNING_SNACK: ("上午点心", "Morning snack"),
    Meal.LUNCH: ("午餐", "Lunch"),
    Meal.AFTERNOON_SNACK: ("下午点心", "Afternoon snack"),
    Meal.DINNER: ("晚餐", "Dinner"),
}


def meal_label(value: str) -> tuple[str, str]:
    """(中文, English) of a meal value (the value itself when unknown)."""
    try:
        return MEAL_LABELS[Meal(value)]
    except ValueError:
        return value, value


@dataclass(frozen=True)
class FridgeExcursion:
    """The fridge's temperature outside the rule's limits (as the environment domain judged it)."""

    started_at: datetime
    ended_at: datetime | None  # None: still outside at the end of the keeping period read
    bound: str  # upper | lower
    limit_c: float
    worst_c: float


@dataclass(frozen=True)
class FridgeStats:
    """The fridge's readings over one keeping period (sealed → disposed, or when read)."""

    start: datetime
    end: datetime
    readings: int = 0  # minutes with a good value
    min_c: float | None = None
    max_c: float | None = None
    gaps: int = 0  # stretches without a reading longer than the fridge rule's averaging window
    gap_minutes: int = 0
    excursions: tuple[FridgeExcursion, ...] = ()


@dataclass(frozen=True)
class SampleAmendmentRecord:
    """One correction of a sample's field: the new value and when it was recorded."""

    field: str  # meal | dish | weight_g | sealed_at | fridge
    old_value: object
    new_value: object
    reason: str
    recorded_at: datetime
    by: str | None = None


@dataclass(frozen=True)
class FoodSampleRecord:
    """One dish's sample as first recorded, with its corrections, its disposal and its fridge's readings."""

    id: int | str
    day: date
    meal: str
    dish: str
    weight_g: int
    sealed_at: datetime
    fridge: str
    recorded_at: datetime
    sampled_by: str | None = None
    disposed_at: datetime | None = None
    disposed_by: str | None = None
    amendments: tuple[SampleAmendmentRecord, ...] = ()
    fridge_monitored: bool = False  # the centre has a sensor on this fridge
    fridge_stats: FridgeStats | None = None

    def as_of(self, at: datetime) -> FoodSampleRecord:
        """The record as it stood at ``at``: corrections and a disposal recorded later are left out."""
        values: dict[str, object] = {}
        for row in sorted(self.amendments, key=lambda a: a.recorded_at):
            if row.recorded_at <= at and row.field in ("meal", "dish", "weight_g", "sealed_at", "fridge"):
                values[row.field] = row.new_value
        if isinstance(values.get("sealed_at"), str):
            values["sealed_at"] = datetime.fromisoformat(str(values["sealed_at"]))
        if "weight_g" in values:
            values["weight_g"] = int(str(values["weight_g"]))
        disposed = self.disposed_at if self.disposed_at is not None and self.disposed_at <= at else None
        return replace(self, disposed_at=disposed, disposed_by=self.disposed_by if disposed else None,
                       **values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ServedDishRecord:
    """A dish of the published menu of a day and meal (what should have a sample)."""

    day: date
    meal: str
    dish: str


@dataclass(frozen=True)
class KitchenCertificateRecord:
    """A kitchen worker's latest food-handler health certificate as the staff files hold it."""

    staff_id: int
    name: str
    held: bool  # False: no certificate on file
    expires_on: date | None  # the last valid day (None with ``held``: states no expiry)
    employed_from: date
    employed_until: date | None = None


@dataclass(frozen=True)
class FoodSampleEvidence:
    """The centre's samples of the period (and those still kept from before), and the dishes its menu served."""

    samples: tuple[FoodSampleRecord, ...] = ()
    served: tuple[ServedDishRecord, ...] = ()
    monitored_fridges: frozenset[str] = field(default_factory=frozenset)
    has_menu: bool = False  # a published menu existed for some day of the period
    kitchen_certificates: tuple[KitchenCertificateRecord, ...] = ()


def dish_key(dish: str) -> str:
    """How two dish names are compared (spaces and case do not make two dishes)."""
    return "".join(dish.split()).casefold()
