"""A small world of the 晨检 tests: centre alpha (two classes, four children, three checked in this morning) and
log-ins for each role that meets the checks; centre beta for isolation. The clock: Monday 09:30 in Shanghai."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from compliance.health import CheckKind
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.auth.roles import Role
from server.database import db
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login, make_room


def check_in(child, at) -> AttendanceEvent:  # type: ignore[no-untyped-def]
    """A child's kiosk check-in (as attendance stores it; health only reads who came in)."""
    event = AttendanceEvent(centre_id=child.centre_id, kind=AttendanceKind.CHECK_IN, child_id=child.id,
                            method="card", at=at, flags=[], recorded_at=at)
    db.session.add(event)
    db.session.flush()
    return event


def full_check(child, now, **changes):  # type: ignore[no-untyped-def]
    """A complete 晨检 through the real operation, everything normal unless `changes` says otherwise."""
    from server.health.checks.operations import record_check

    actor = changes.pop("actor", SYSTEM)
    values = {"kind": CheckKind.MORNING, "temperature": Decimal("36.6"), "hands_mouth_eyes_ok": True, "skin_ok": True,
              "spirits_ok": True, "asked_ok": True, "dangerous_objects_found": False, "findings": "",
              "to_observation_room": False, "completes_id": None, **changes}
    return record_check(child, **values, actor=actor, now=now)


@pytest.fixture
def world(app, clock):
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    sun, moon = make_room(alpha, now, name="小太阳班"), make_room(alpha, now, name="小月亮班")
    beta_room = make_room(beta, now, name="乙班")
    kids = {name: make_child(alpha, now, room=room, name=name)
            for name, room in (("王小明", sun), ("李小红", sun), ("张小华", moon), ("赵小军", moon))}
    beta_child = make_child(beta, now, room=beta_room, name="钱小丽")
    parent = make_login("parent", now, [(alpha, Role.GUARDIAN)])
    contact = make_contact(alpha, now, name="王妈妈", user=parent.user)
    link(kids["王小明"], contact, now)
    for i, name in enumerate(("王小明", "李小红", "张小华")):  # 赵小军 stays home
        check_in(kids[name], now - timedelta(minutes=60 - i))
    check_in(beta_child, now - timedelta(minutes=50))
    world = {
        "alpha": alpha, "beta": beta, "sun": sun, "moon": moon, "kids": kids, "beta_child": beta_child,
        "health": make_login("health", now, [(alpha, Role.HEALTH)]),
        "caregiver": make_login("carer", now, [(alpha, Role.CAREGIVER)]),
        "director": make_login("director", now, [(alpha, Role.ADMIN)]),
        "kitchen": make_login("kitchen", now, [(alpha, Role.KITCHEN)]),
        "inspector": make_login("inspector", now, [(alpha, Role.INSPECTOR)]),
        "beta_director": make_login("beta-director", now, [(beta, Role.ADMIN)]),
        "parent": parent,
    }
    db.session.commit()
    return world


@pytest.fixture
def actors(world, clock):  # type: ignore[no-untyped-def]
    """The operations' actors of the world's log-ins."""
    from server.auth.operations import actor_for

    contacts = lambda user: set()  # noqa: E731 - staff act as nobody's guardian
    return {name: actor_for(world[name].user, contacts) for name in ("health", "caregiver", "director", "kitchen")}
