"""A small world of the staff-files tests: two centres, a room, a director, an inspector and caregivers."""

from __future__ import annotations

import pytest

from server.auth.roles import Role
from server.database import db
from server.people.models import StaffRole
from tests.factories import make_centre, make_login, make_room
from tests.server.staff.factories import certify, make_staff


@pytest.fixture
def staff_world(app, clock):
    """Centre alpha: a room, a certified caregiver, an uncertified one, a director, an inspector and a caregiver
    login; centre beta with its own director and caregiver (for isolation)."""
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    room = make_room(alpha, now)
    beta_room = make_room(beta, now, name="乙班")
    certified = make_staff(alpha, now, name="张老师", room=room)
    certify(certified, now)
    uncertified = make_staff(alpha, now, name="李老师", room=room)
    kitchen = make_staff(alpha, now, name="王师傅", role=StaffRole.KITCHEN)
    beta_staff = make_staff(beta, now, name="赵老师", room=beta_room)
    db.session.flush()
    world = {
        "alpha": alpha, "beta": beta, "room": room, "beta_room": beta_room, "certified": certified,
        "uncertified": uncertified, "kitchen": kitchen, "beta_staff": beta_staff,
        "director": make_login("director", now, [(alpha, Role.ADMIN)]),
        "inspector": make_login("inspector", now, [(alpha, Role.INSPECTOR)]),
        "caregiver": make_login("carer", now, [(alpha, Role.CAREGIVER)]),
        "beta_director": make_login("beta-director", now, [(beta, Role.ADMIN)]),
    }
    return world
