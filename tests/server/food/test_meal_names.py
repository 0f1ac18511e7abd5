"""The food samples and the weekly menu name the meals with the same strings (neither imports the other)."""

from __future__ import annotations

from compliance.food.samples import Meal


def test_the_sample_meals_are_the_menu_meals() -> None:
    from server.meals.models import Meal as MenuMeal

    assert [m.value for m in Meal] == [m.value for m in MenuMeal]
