"""The dishes of the published menus, for the food-sample part (read through the app factory)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server.meals.models import Meal
from server.meals.operations import dishes_of, latest_published_ids


@dataclass(frozen=True, slots=True)
class ServedDish:
    day: date
    meal: str  # a value of Meal: breakfast, morning_snack, lunch, afternoon_snack, dinner
    dish: str


def served_dishes(centre_id: int, start: date, end: date) -> list[ServedDish]:
    """The dishes of the latest published menu version of each day in [start, end] (inclusive), in meal order."""
    order = {m: n for n, m in enumerate(Meal)}
    dishes = [d for d in dishes_of(latest_published_ids(centre_id, start, end)) if start <= d.day <= end]
    dishes.sort(key=lambda d: (d.day, order[d.meal], d.position, d.id))
    return [ServedDish(d.day, d.meal.value, d.name) for d in dishes]
