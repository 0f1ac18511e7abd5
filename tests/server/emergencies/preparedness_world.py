"""The preparedness tests' world: centre alpha with a director, two caregivers, a guard and a cook on the staff
(each with a log-in but the cook), a child enrolled (so alpha is judged), an inspector, and centre beta's director.
The clock: Monday 09:30 in Shanghai."""

from __future__ import annotations

import pytest

from server.auth.actor import Actor
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.database import db
from server.emergencies.plans import publish_version
from server.people.models import StaffRole
from server.people.operations import contacts_of_user
from tests.factories import make_centre, make_child, make_login, make_staff

FIRE_TEXT = "一、发现火情立即报警；二、按疏散路线带领幼儿撤离；三、清点人数。"


def actor_of(login) -> Actor:  # type: ignore[no-untyped-def]
    return actor_for(login.user, contacts_of_user)


@pytest.fixture
def world(app, clock):  # type: ignore[no-untyped-def]
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    logins = {"director": make_login("director", now, [(alpha, Role.ADMIN)]),
              "carer": make_login("carer", now, [(alpha, Role.CAREGIVER)]),
              "carer2": make_login("carer2", now, [(alpha, Role.CAREGIVER)]),
              "guard": make_login("guard", now, [(alpha, Role.SECURITY)]),
              "inspector": make_login("inspector", now, [(alpha, Role.INSPECTOR)]),
              "beta_director": make_login("beta-director", now, [(beta, Role.ADMIN)])}
    staff = {"director": make_staff(alpha, now, name="刘园长", role=StaffRole.DIRECTOR,
                                    user=logins["director"].user, certified=False),
             "carer": make_staff(alpha, now, name="张老师", user=logins["carer"].user, certified=False),
             "carer2": make_staff(alpha, now, name="李老师", user=logins["carer2"].user, certified=False),
             "guard": make_staff(alpha, now, name="王保安", role=StaffRole.SECURITY, user=logins["guard"].user,
                                 certified=False),
             "cook": make_staff(alpha, now, name="赵师傅", role=StaffRole.KITCHEN, certified=False)}
    child = make_child(alpha, now)
    db.session.commit()
    return {"alpha": alpha, "beta": beta, "staff": staff, "child": child, **logins}


def publish_fire_plan(world, now, *, title: str = "火灾应急预案"):  # type: ignore[no-untyped-def]
    """The director publishes (a new version of) the fire plan."""
    version = publish_version(world["alpha"], scenario="fire", title=title, body=FIRE_TEXT,
                              responsible_roles=["director", "caregiver"], actor=actor_of(world["director"]),
                              now=now)
    db.session.commit()
    return version

