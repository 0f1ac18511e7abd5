"""The safeguarding tests' world: centre alpha with a child, a caregiver and her line manager, every role, a
designated lead (the 保健员), a lead whose designation was withdrawn, an inspector whose grant includes safeguarding
and one whose grant does not, a guardian of the child; centre beta's director. Clock: Monday 09:30 in Shanghai.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from server.auth.actor import Actor
from server.auth.models import Membership
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.database import db
from server.people.employment import set_line_manager
from server.people.models import StaffRole
from server.people.operations import contacts_of_user
from server.safeguarding.designations import designate_lead, include_in_grant, revoke_designation
from server.safeguarding.operations import raise_concern
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login, make_room, make_staff

ACCOUNT = "午睡时李老师让王小明站在走廊里罚站二十分钟"


def actor_of(login) -> Actor:  # type: ignore[no-untyped-def]
    """The operations' actor of a log-in."""
    return actor_for(login.user, contacts_of_user)


def grant_of(login, centre) -> Membership:  # type: ignore[no-untyped-def]
    return db.session.execute(select(Membership).where(Membership.user_id == login.user.id,
                                                       Membership.centre_id == centre.id)).scalar_one()


@pytest.fixture
def world(app, clock):  # type: ignore[no-untyped-def]
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    sun = make_room(alpha, now, name="小太阳班")
    child = make_child(alpha, now, room=sun, name="王小明")
    logins = {
        "director": make_login("director", now, [(alpha, Role.ADMIN)]),
        "caregiver": make_login("carer", now, [(alpha, Role.CAREGIVER)]),
        "raiser": make_login("raiser", now, [(alpha, Role.CAREGIVER)]),
        "lead": make_login("lead", now, [(alpha, Role.HEALTH)]),
        "revoked_lead": make_login("revoked-lead", now, [(alpha, Role.HEALTH)]),
        "kitchen": make_login("kitchen", now, [(alpha, Role.KITCHEN)]),
        "security": make_login("guard", now, [(alpha, Role.SECURITY)]),
        "guardian": make_login("mother", now, [(alpha, Role.GUARDIAN)]),
        "inspector": make_login("inspector", now, [(alpha, Role.INSPECTOR)]),
        "scoped_inspector": make_login("scoped-inspector", now, [(alpha, Role.INSPECTOR)]),
        "beta_director": make_login("beta-director", now, [(beta, Role.ADMIN)]),
    }
    mother = make_contact(alpha, now, name="王妈妈", user=logins["guardian"].user)
    link(child, mother, now)
    head = make_staff(alpha, now, name="赵园长", role=StaffRole.DIRECTOR, hired_on=date(2024, 1, 1))
    teacher = make_staff(alpha, now, name="李老师", room=sun, hired_on=date(2025, 1, 1))
    set_line_manager(teacher, head, effective_on=date(2025, 1, 1), actor=SYSTEM, now=now)
    director = actor_of(logins["director"])
    designate_lead(alpha, user_id=logins["lead"].user.id, actor=director, now=now)
    gone = designate_lead(alpha, user_id=logins["revoked_lead"].user.id, actor=director, now=now - timedelta(hours=1))
    revoke_designation(alpha, gone.id, actor=director, now=now)
    include_in_grant(alpha, membership_id=grant_of(logins["scoped_inspector"], alpha).id, actor=director, now=now)
    db.session.commit()
    return {"alpha": alpha, "beta": beta, "sun": sun, "child": child, "head": head, "teacher": teacher, **logins}


def raise_one(world, now: datetime, *, by: str = "raiser", hours_before: int = 1):  # type: ignore[no-untyped-def]
    """The raiser records a concern of 变相体罚 about 王小明 with 李老师 involved, noticed an hour ago."""
    row = raise_concern(world["alpha"], child_id=world["child"].id, category="corporal_punishment",
                        noticed_at=now - timedelta(hours=hours_before), account=ACCOUNT,
                        immediate_actions="已将孩子带回教室安抚", staff_ids=[world["teacher"].id],
                        actor=actor_of(world[by]), now=now)
    db.session.commit()
    return row


@pytest.fixture
def session_as(session_client, world):  # type: ignore[no-untyped-def]
    """A browser-like client logged in as one of the world's people (by key)."""
    return lambda who: session_client(world[who])
