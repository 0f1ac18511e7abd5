"""A small world of the illness tests: two classes of centre alpha, children, and the people who read and write 表4."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server.auth.roles import Role
from server.database import db
from server.health.illness.operations import report_case
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login, make_room

# T0 (tests/conftest.py) is Monday 2026-09-07, 09:30 in Shanghai: the centre's "today".
TODAY = date(2026, 9, 7)


def report(child, now, *, disease="手足口病", onset=TODAY, excluded_from=None, excluded_until=None, infectious=True,
           actor=SYSTEM):
    """A case through the real operation (excluded from the onset unless said otherwise)."""
    return report_case(child, disease=disease, infectious=infectious, onset_on=onset, reported_on=max(onset, onset),
                       reported_to="渝北区疾控中心", excluded_from=excluded_from or (onset if infectious else None),
                       excluded_until=excluded_until, actor=actor, now=now)


@pytest.fixture
def world(app, clock):
    """Centre alpha: 小月亮班 (three children) and 小太阳班 (one); a health officer, director, caregiver, kitchen,
    inspector and the guardian of 王小明; centre beta with its own health officer (for isolation)."""
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    moon, sun = make_room(alpha, now), make_room(alpha, now, name="小太阳班")
    beta_room = make_room(beta, now, name="乙班")
    kids = [make_child(alpha, now, room=moon, name=name) for name in ("王小明", "李小红", "张小华")]
    other = make_child(alpha, now, room=sun, name="赵小东")
    beta_child = make_child(beta, now, room=beta_room, name="钱小北")
    parent = make_login("parent", now, [(alpha, Role.GUARDIAN)])
    contact = make_contact(alpha, now, user=parent.user)
    link(kids[0], contact, now)
    world = {
        "alpha": alpha, "beta": beta, "moon": moon, "sun": sun, "kids": kids, "other": other,
        "beta_child": beta_child,
        "health": make_login("health", now, [(alpha, Role.HEALTH)]),
        "director": make_login("director", now, [(alpha, Role.ADMIN)]),
        "caregiver": make_login("carer", now, [(alpha, Role.CAREGIVER)]),
        "kitchen": make_login("kitchen", now, [(alpha, Role.KITCHEN)]),
        "inspector": make_login("inspector", now, [(alpha, Role.INSPECTOR)]),
        "parent": parent,
        "beta_health": make_login("beta-health", now, [(beta, Role.HEALTH)]),
    }
    db.session.commit()
    return world


def days(n: int) -> timedelta:
    return timedelta(days=n)
