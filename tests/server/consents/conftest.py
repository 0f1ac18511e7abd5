"""A centre with a family of two guardians (each with a log-in) and staff log-ins, for the consent tests."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pytest
from PIL import Image

from server.auth.actor import Actor
from server.auth.models import User
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.centre.models import Centre
from server.database import db
from server.people.models import Child, Contact, Relationship
from server.people.operations import contacts_of_user, link_contact
from tests.factories import SYSTEM, Login, make_centre, make_child, make_contact, make_login, make_room


@dataclass
class Family:
    """One child, its mother and father (guardians with log-ins) and a grandmother who only collects."""

    child: Child
    mother: Contact
    father: Contact
    grandma: Contact
    mother_login: Login
    father_login: Login
    grandma_login: Login

    def actor(self, login: Login) -> Actor:
        user = db.session.get(User, login.user.id)
        assert user is not None
        return actor_for(user, contacts_of_user)


@pytest.fixture
def centre(app, clock) -> Centre:
    centre = make_centre("alpha", clock.now())
    db.session.commit()
    return centre


def guardian_family(centre: Centre, now, *, tag: str = "", name: str = "王小明") -> Family:  # type: ignore[no-untyped-def]
    room = make_room(centre, now, name=f"{tag}小月亮班")
    child = make_child(centre, now, room=room, name=name, enrolled_on=date(2026, 3, 1))
    logins, contacts = [], []
    for who, relationship, guardian in (("李丽", Relationship.MOTHER, True), ("王强", Relationship.FATHER, True),
                                        ("张奶奶", Relationship.GRANDMOTHER, False)):
        login = make_login(f"{tag}{relationship.value}", now, [(centre, Role.GUARDIAN)])
        contact = make_contact(centre, now, name=f"{tag}{who}", user=login.user)
        link_contact(child, contact, relationship=relationship, is_guardian=guardian, may_pick_up=True,
                     actor=SYSTEM, now=now)
        logins.append(login)
        contacts.append(contact)
    db.session.commit()
    return Family(child, *contacts, *logins)


@pytest.fixture
def family(centre, clock) -> Family:
    return guardian_family(centre, clock.now())


@pytest.fixture
def director(centre, clock) -> Login:
    return make_login("director", clock.now(), [(centre, Role.ADMIN)])


@pytest.fixture
def caregiver(centre, clock) -> Login:
    return make_login("caregiver", clock.now(), [(centre, Role.CAREGIVER)])


def png() -> bytes:
    """A real (tiny) PNG: the photo's content is checked by its bytes."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 80)).save(out, "PNG")
    return out.getvalue()
