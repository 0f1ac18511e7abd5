"""The dishes of the published menus, read through the app factory (the meals domain is a sibling: no import).

The app factory sets ``app.extensions[MENU_DISHES_KEY]`` to ``server.meals.served.served_dishes``; without it (a
build without menus) there are no served dishes and the kitchen types its dishes.
"""

from __future__ import annotations

from datetime import date

from flask import current_app

from compliance.food.samples import ServedDishRecord

MENU_DISHES_KEY = "tuoyu.menu_dishes"


def menu_dishes(centre_id: int, start: date, end: date) -> list[ServedDishRecord]:
    """The published menus' dishes of days start..end (inclusive): (day, meal, dish); empty without menus."""
    source = current_app.extensions.get(MENU_DISHES_KEY)
    if source is None:
        return []
    return [ServedDishRecord(d.day, str(d.meal), d.dish) for d in source(centre_id, start, end)]
