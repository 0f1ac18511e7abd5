"""The incidents tests' world: centre alpha with a class, 王小明 (two parents), 李小红 (another family), a caregiver
who reports (with a log-in and a PIN), a witness (log-in and PIN), the director, the kitchen, centre beta.

The clock: T0 (tests/conftest.py) is 09:30 in Shanghai on Monday 2026-09-07; the fall happened at 09:10.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from server.attendance.operations.credentials import issue_credential, set_pin
from server.auth.actor import Actor
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.centre.models import Centre, Room
from server.database import db
from server.incidents.models import IncidentReport
from server.incidents.operations.reports import create_draft
from server.incidents.operations.signing import review_report, sign_as_reporter, sign_as_witness
from server.people.models import Child, Contact, Staff
from server.people.operations import contacts_of_user
from tests.factories import (
    SYSTEM,
    Login,
    link,
    make_centre,
    make_child,
    make_contact,
    make_login,
    make_room,
    make_staff,
)

REPORTER_PIN, WITNESS_PIN = "482913", "739146"


def actor_of(login: Login) -> Actor:
    return actor_for(login.user, contacts_of_user)


@dataclass
class World:
    centre: Centre
    beta: Centre
    room: Room
    child: Child
    other_child: Child
    mother: Contact
    reporter: Staff
    witness: Staff
    caregiver: Login
    witness_login: Login
    director: Login
    kitchen: Login
    parent: Login
    other_parent: Login
    beta_director: Login
    inspector: Login
    now: datetime

    def values(self, **overrides: Any) -> dict[str, Any]:
        """A complete report of a fall in the class, 20 minutes ago, witnessed by 刘老师."""
        return {"occurred_at": self.now - timedelta(minutes=20), "room_id": self.room.id, "injury_type": "fall",
                "body_regions": ["left_knee_front", "right_hand_front"], "cause": "在活动区奔跑时绊倒",
                "first_aid": "冷敷，消毒，贴创可贴", "witness_id": self.witness.id, **overrides}

    def draft(self, **overrides: Any) -> IncidentReport:
        row = create_draft(self.child, values=self.values(**overrides), actor=actor_of(self.caregiver), now=self.now)
        db.session.commit()
        return row

    def signed(self, **overrides: Any) -> IncidentReport:
        row = self.draft(**overrides)
        sign_as_reporter(row, signer=self.reporter, pin=REPORTER_PIN, actor=actor_of(self.caregiver), now=self.now)
        db.session.commit()
        return row

    def witnessed(self, **overrides: Any) -> IncidentReport:
        row = self.signed(**overrides)
        sign_as_witness(row, signer=self.witness, pin=WITNESS_PIN, actor=actor_of(self.caregiver), now=self.now)
        db.session.commit()
        return row

    def reviewed(self, **overrides: Any) -> IncidentReport:
        row = self.witnessed(**overrides)
        review_report(row, note="已与家长沟通", actor=actor_of(self.director), now=self.now)
        db.session.commit()
        return row


@pytest.fixture
def world(app, clock) -> World:  # type: ignore[no-untyped-def]
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    room = make_room(alpha, now, name="小太阳班")
    child = make_child(alpha, now, room=room, name="王小明")
    other_child = make_child(alpha, now, room=room, name="李小红")
    parent = make_login("mother", now, [(alpha, Role.GUARDIAN)])
    other_parent = make_login("other-parent", now, [(alpha, Role.GUARDIAN)])
    mother = make_contact(alpha, now, name="王妈妈", user=parent.user)
    link(child, mother, now)
    link(other_child, make_contact(alpha, now, name="李妈妈", user=other_parent.user), now)
    caregiver = make_login("carer", now, [(alpha, Role.CAREGIVER)])
    witness_login = make_login("witness", now, [(alpha, Role.CAREGIVER)])
    reporter = make_staff(alpha, now, name="张老师", room=room, user=caregiver.user)  # certified: may be rostered
    witness = make_staff(alpha, now, name="刘老师", room=room, user=witness_login.user, certified=False)
    for person, pin in ((reporter, REPORTER_PIN), (witness, WITNESS_PIN)):
        credential = issue_credential(alpha, staff=person, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
        set_pin(credential, pin, actor=SYSTEM, now=now)
    world = World(centre=alpha, beta=beta, room=room, child=child, other_child=other_child, mother=mother,
                  reporter=reporter, witness=witness, caregiver=caregiver, witness_login=witness_login,
                  director=make_login("director", now, [(alpha, Role.ADMIN)]),
                  kitchen=make_login("cook", now, [(alpha, Role.KITCHEN)]), parent=parent,
                  other_parent=other_parent, beta_director=make_login("beta-director", now, [(beta, Role.ADMIN)]),
                  inspector=make_login("inspector", now, [(alpha, Role.INSPECTOR)]), now=now)
    db.session.commit()
    return world
