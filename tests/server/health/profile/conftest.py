"""A small world of the health-profile tests: centre alpha with a room, two children, a 保健员, a caregiver, a
director, an inspector, a guardian of the first child; centre beta with its own director (for isolation)."""

from __future__ import annotations

from datetime import date

import pytest

from server.auth.roles import Role
from server.database import db
from tests.factories import link, make_centre, make_child, make_contact, make_login, make_room


@pytest.fixture
def world(app, clock):  # type: ignore[no-untyped-def]
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    room = make_room(alpha, now)
    child = make_child(alpha, now, room=room, name="王小明", born_on=date(2025, 3, 1))
    other = make_child(alpha, now, room=room, name="李小红", born_on=date(2024, 9, 1))
    beta_child = make_child(beta, now, room=make_room(beta, now, name="乙班"), name="赵小刚")
    guardian = make_login("parent", now, [(alpha, Role.GUARDIAN)])
    contact = make_contact(alpha, now, user=guardian.user)
    link(child, contact, now)
    db.session.flush()
    return {
        "alpha": alpha, "beta": beta, "room": room, "child": child, "other": other, "beta_child": beta_child,
        "health": make_login("nurse", now, [(alpha, Role.HEALTH)]),
        "caregiver": make_login("carer", now, [(alpha, Role.CAREGIVER)]),
        "director": make_login("director", now, [(alpha, Role.ADMIN)]),
        "inspector": make_login("inspector", now, [(alpha, Role.INSPECTOR)]),
        "guardian": guardian,
        "beta_director": make_login("beta-director", now, [(beta, Role.ADMIN)]),
    }
