"""The meals tests' world: centre alpha with two classes, 王小明 (allergic to eggs, two parents in one login),
李小红 (no allergy, another family), the kitchen, the 保健员, the director, an inspector, centre beta.

The clock: T0 (tests/conftest.py) is 09:30 in Shanghai on Monday 2026-09-07.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from server.auth.actor import Actor
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.centre.models import Centre, Room
from server.database import db
from server.health.profile.operations import record_allergy
from server.meals.operations import DishIn, IngredientIn
from server.people.models import Child
from server.people.operations import contacts_of_user
from tests.factories import SYSTEM, Login, link, make_centre, make_child, make_contact, make_login, make_room

NEXT_MONDAY = date(2026, 9, 14)


def actor_of(login: Login) -> Actor:
    return actor_for(login.user, contacts_of_user)


def week_dishes(monday: date = NEXT_MONDAY) -> list[DishIn]:
    """A small week: Monday's lunch with egg, Tuesday's breakfast without."""
    return [DishIn(monday, "lunch", "番茄炒蛋", (IngredientIn("番茄", 60), IngredientIn("鸡蛋", 25))),
            DishIn(monday, "lunch", "米饭", (IngredientIn("大米", 50),)),
            DishIn(monday + timedelta(days=1), "breakfast", "小米粥", (IngredientIn("小米", 20),))]


@dataclass
class World:
    centre: Centre
    beta: Centre
    room: Room
    other_room: Room
    child: Child
    other_child: Child
    kitchen: Login
    health: Login
    director: Login
    parent: Login
    other_parent: Login
    caregiver: Login
    beta_director: Login
    inspector: Login
    now: datetime


@pytest.fixture
def world(app, clock) -> World:  # type: ignore[no-untyped-def]
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    room = make_room(alpha, now, name="小太阳班")
    other_room = make_room(alpha, now, name="小星星班")
    child = make_child(alpha, now, room=room, name="王小明")
    other_child = make_child(alpha, now, room=other_room, name="李小红")
    record_allergy(child, allergen="eggs", severity="moderate", reaction="皮疹", recorded_on=date(2026, 3, 1),
                   actor=SYSTEM, now=now, today=now.date())
    parent = make_login("mother", now, [(alpha, Role.GUARDIAN)])
    other_parent = make_login("other-parent", now, [(alpha, Role.GUARDIAN)])
    link(child, make_contact(alpha, now, name="王妈妈", user=parent.user), now)
    link(other_child, make_contact(alpha, now, name="李妈妈", user=other_parent.user), now)
    world = World(centre=alpha, beta=beta, room=room, other_room=other_room, child=child, other_child=other_child,
                  kitchen=make_login("cook", now, [(alpha, Role.KITCHEN)]),
                  health=make_login("nurse", now, [(alpha, Role.HEALTH)]),
                  director=make_login("director", now, [(alpha, Role.ADMIN)]),
                  parent=parent, other_parent=other_parent,
                  caregiver=make_login("carer", now, [(alpha, Role.CAREGIVER)]),
                  beta_director=make_login("beta-director", now, [(beta, Role.ADMIN)]),
                  inspector=make_login("inspector", now, [(alpha, Role.INSPECTOR)]), now=now)
    db.session.commit()
    return world
