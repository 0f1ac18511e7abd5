"""A small world of the care tests: a centre with a class and two children, its staff's log-ins, another centre."""

from __future__ import annotations

from datetime import date

import pytest

from server.auth.roles import Role
from server.database import db
from tests.factories import SYSTEM, make_centre, make_child, make_login, make_room

# T0 (tests/conftest.py) is Monday 2026-09-07, 09:30 in Shanghai: the centre's "today".
TODAY = date(2026, 9, 7)


@pytest.fixture
def care_world(app, clock):  # type: ignore[no-untyped-def]
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    room = make_room(alpha, now)
    other_room = make_room(alpha, now, name="小太阳班")
    beta_room = make_room(beta, now, name="乙班")
    child = make_child(alpha, now, room=room, name="王小明")
    sister = make_child(alpha, now, room=room, name="王小红")
    beta_child = make_child(beta, now, room=beta_room, name="赵小乙")
    db.session.flush()
    return {
        "alpha": alpha, "beta": beta, "room": room, "other_room": other_room, "beta_room": beta_room,
        "child": child, "sister": sister, "beta_child": beta_child,
        "caregiver": make_login("carer", now, [(alpha, Role.CAREGIVER)]),
        "director": make_login("director", now, [(alpha, Role.ADMIN)]),
        "inspector": make_login("inspector", now, [(alpha, Role.INSPECTOR)]),
        "kitchen": make_login("cook", now, [(alpha, Role.KITCHEN)]),
        "beta_director": make_login("beta-director", now, [(beta, Role.ADMIN)]),
    }


@pytest.fixture
def peanut_allergy(care_world, clock):  # type: ignore[no-untyped-def]
    """The child's health profile records a severe peanut allergy (the 保健员's entry, through H2's operation)."""
    from server.health.profile.operations import record_allergy

    return record_allergy(care_world["child"], allergen="peanuts", severity="severe", reaction="全身荨麻疹",
                          recorded_on=date(2026, 3, 2), actor=SYSTEM, now=clock.now(), today=TODAY)
