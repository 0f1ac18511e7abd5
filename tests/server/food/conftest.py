"""The food tests' world: centre alpha with its kitchen (郑师傅, certified, with a log-in), the 保健员, the director,
a caregiver, a guardian, an inspector; centre beta and its director. The sample fridge's readings are written as the
environment domain stores them (minute and hour roll-ups); `fridge(...)` adds a stretch of them.

The clock: T0 (tests/conftest.py) is 09:30 in Shanghai on Monday 2026-09-07.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from compliance.food.samples import ServedDishRecord
from server.auth.actor import Actor
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.centre.models import Centre
from server.database import db
from server.environment.operations.rollup import Rollups, write_rollups
from server.food.menu_source import MENU_DISHES_KEY
from server.food.models import FoodSample
from server.food.operations import record_sample
from server.people.models import Staff, StaffRole
from server.people.operations import contacts_of_user
from tests.factories import Login, link, make_centre, make_child, make_contact, make_login, make_room, make_staff

FRIDGE = "fridge-sample"


def actor_of(login: Login) -> Actor:
    return actor_for(login.user, contacts_of_user)


@dataclass
class World:
    app: Any
    centre: Centre
    beta: Centre
    cook: Staff
    kitchen: Login
    health: Login
    director: Login
    caregiver: Login
    parent: Login
    inspector: Login
    beta_director: Login
    now: datetime

    def sample(self, *, at: datetime | None = None, **values: Any) -> FoodSample:
        """A lunch sample of 番茄炒蛋, 130 g, in the sample fridge, recorded by the cook at `at` (default now)."""
        when = at or self.now
        args = {"meal": "lunch", "dish": "番茄炒蛋", "weight_g": 130, "sealed_at": when, "fridge": FRIDGE, **values}
        row = record_sample(self.centre, actor=actor_of(self.kitchen), now=when, **args)
        db.session.commit()
        return row

    def fridge(self, start: datetime, minutes: int, celsius: float = 4.0, point: str = FRIDGE,
               centre: Centre | None = None) -> None:
        """`minutes` one-minute readings of the fridge from `start` (as the environment's roll-ups hold them)."""
        first = start.replace(second=0, microsecond=0)
        times = [first + timedelta(minutes=m) for m in range(minutes)]
        minute_rows = {(point, "fridge_c", t): [1, celsius, celsius, celsius] for t in times}
        hours: dict[tuple[str, str, datetime], list[float]] = {}
        for t in times:
            key = (point, "fridge_c", t.replace(minute=0))
            n, total, low, high = hours.get(key, [0, 0.0, celsius, celsius])
            hours[key] = [n + 1, total + celsius, min(low, celsius), max(high, celsius)]
        write_rollups((centre or self.centre).id, Rollups(minute_rows, hours, {(point, "fridge_c"): [times[0],
                                                                                               times[-1]]}))
        db.session.commit()

    def menu(self, *dishes: ServedDishRecord) -> None:
        """The published menus' dishes (what the meals domain would answer)."""
        alpha = self.centre.id
        self.app.extensions[MENU_DISHES_KEY] = lambda centre_id, start, end: [
            d for d in dishes if centre_id == alpha and start <= d.day <= end]


@pytest.fixture
def world(app, clock) -> World:  # type: ignore[no-untyped-def]
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    room = make_room(alpha, now, name="小太阳班")
    child = make_child(alpha, now, room=room, name="王小明")
    parent = make_login("mother", now, [(alpha, Role.GUARDIAN)])
    link(child, make_contact(alpha, now, name="王妈妈", user=parent.user), now)
    kitchen = make_login("cook", now, [(alpha, Role.KITCHEN)])
    cook = make_staff(alpha, now, name="郑师傅", role=StaffRole.KITCHEN, user=kitchen.user)
    app.extensions[MENU_DISHES_KEY] = lambda centre_id, start, end: []
    world = World(app=app, centre=alpha, beta=beta, cook=cook, kitchen=kitchen,
                  health=make_login("health", now, [(alpha, Role.HEALTH)]),
                  director=make_login("director", now, [(alpha, Role.ADMIN)]),
                  caregiver=make_login("carer", now, [(alpha, Role.CAREGIVER)]), parent=parent,
                  inspector=make_login("inspector", now, [(alpha, Role.INSPECTOR)]),
                  beta_director=make_login("beta-director", now, [(beta, Role.ADMIN)]), now=now)
    db.session.commit()
    return world
