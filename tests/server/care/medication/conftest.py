"""A small world of the medication tests: a child with a guardian (who logs in on their phone), a giver with a log-in,
a witness with a PIN."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from PIL import Image, ImageDraw

from server.attendance.operations.credentials import issue_credential, set_pin
from server.auth.actor import Actor
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.care.medication.models import MedicationConsent, MedicationRequest
from server.care.medication.requests import request_consent, sign_request
from server.centre.models import Centre
from server.database import db
from server.people.models import Child, Contact, Staff, StaffRole
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

WITNESS_PIN = "739146"
# T0 (tests/conftest.py) is 09:30 in Shanghai on Monday 2026-09-07.
DAY = date(2026, 9, 7)


def signature_png(size: tuple[int, int] = (400, 150), *, blank: bool = False) -> bytes:
    """A drawn-looking signature: a dark stroke on a transparent pad (or the pad left blank)."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line([(30, 100), (120, 40), (200, 110), (300, 50), (370, 90)], fill=(0, 0, 0, 255),
                                   width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class World:
    centre: Centre
    child: Child
    other_child: Child
    guardian: Contact
    not_guardian: Contact
    giver: Staff
    witness: Staff
    no_pin: Staff
    caregiver: Login  # the giver's log-in
    witness_login: Login
    parent: Login
    beta_director: Login
    kitchen: Login
    now: datetime

    def parent_actor(self) -> Actor:
        """The guardian as their phone's session acts (their account's actor)."""
        return actor_for(self.parent.user, contacts_of_user)

    def request(self, **overrides: Any) -> MedicationRequest:
        """A request a caregiver typed (the guardians are notified); not yet signed."""
        values: dict[str, Any] = {
            "drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服", "times": ["09:30", "15:00"],
            "first_day": DAY, "last_day": DAY + timedelta(days=4), **overrides}
        child, now = values.pop("child", self.child), values.pop("now", self.now)
        row = request_consent(child, **values, actor=SYSTEM, now=now)
        db.session.commit()
        return row

    def consent(self, **overrides: Any) -> MedicationConsent:
        """A request typed by staff and signed by the guardian on their phone, at `now`."""
        signer = overrides.pop("signed_by", self.guardian)
        now = overrides.get("now", self.now)
        request = self.request(**overrides)
        row = sign_request(request, contact=signer, signature_png=signature_png(), actor=self.parent_actor(), now=now)
        db.session.commit()
        return row


@pytest.fixture
def world(app, clock) -> World:
    now = clock.now()
    centre, beta = make_centre("alpha", now), make_centre("beta", now)
    room = make_room(centre, now)
    child = make_child(centre, now, room=room)
    other_child = make_child(centre, now, room=room, name="李小红")
    parent = make_login("parent", now, [(centre, Role.GUARDIAN)])
    guardian = make_contact(centre, now, user=parent.user)
    link(child, guardian, now)
    not_guardian = make_contact(centre, now, name="王阿姨")
    link(child, not_guardian, now, guardian=False)
    caregiver = make_login("carer", now, [(centre, Role.CAREGIVER)])
    witness_login = make_login("witness", now, [(centre, Role.CAREGIVER)])
    giver = make_staff(centre, now, name="张老师", room=room, user=caregiver.user, certified=False)
    witness = make_staff(centre, now, name="刘老师", room=room, user=witness_login.user, certified=False)
    no_pin = make_staff(centre, now, name="孙老师", room=room, certified=False)
    for person in (giver, witness, no_pin):
        credential = issue_credential(centre, staff=person, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
        if person is witness:
            set_pin(credential, WITNESS_PIN, actor=SYSTEM, now=now)
    make_staff(beta, now, name="赵老师", role=StaffRole.CAREGIVER, certified=False)
    world = World(centre=centre, child=child, other_child=other_child, guardian=guardian, not_guardian=not_guardian,
                  giver=giver, witness=witness, no_pin=no_pin, caregiver=caregiver, witness_login=witness_login,
                  parent=parent, beta_director=make_login("beta-director", now, [(beta, Role.ADMIN)]),
                  kitchen=make_login("cook", now, [(centre, Role.KITCHEN)]), now=now)
    db.session.commit()
    return world
