"""The families tests' world: centre alpha (two classes), a child with two parents, a child of another family,
staff of each role that meets the parent loop, and centre beta for isolation. The clock: Monday 09:30 in Shanghai.
"""

from __future__ import annotations

import io
from datetime import date

import pytest

from server.auth.actor import Actor
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.database import db
from server.people.consent_models import ConsentChoice, ConsentPurpose
from server.people.consents import record_paper
from server.people.operations import contacts_of_user
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login, make_room

# Files as their magic bytes make them: a PDF, a PNG, a JPEG, and a Windows program (MZ) the store must refuse.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64
ANSWERS = {"safety": 5, "care": 4, "food": 3, "communication": 4, "hygiene": 5}


def actor_of(login) -> Actor:  # type: ignore[no-untyped-def]
    """The operations' actor of a log-in (a guardian acts through their contacts)."""
    return actor_for(login.user, contacts_of_user)


def upload(client, world, who: str, child: str, data: bytes, name: str, body: str = ""):  # type: ignore[no-untyped-def]
    """Post a message with one file through the API's multipart route."""
    return client.post(f"/api/v1/children/{world['kids'][child].id}/messages/attachments",
                       data={"file": (io.BytesIO(data), name, "application/octet-stream"), "body": body},
                       content_type="multipart/form-data", headers=world[who].headers)


def allow_photos(world, child: str, now) -> None:  # type: ignore[no-untyped-def]
    """The child's mother signs the photo consent on paper (recorded by the office)."""
    record_paper(world["kids"][child], world["contacts"][child], purpose=ConsentPurpose.PHOTOS,
                 decision=ConsentChoice.GIVEN, on=now.date(), actor=SYSTEM, now=now)
    db.session.commit()


@pytest.fixture
def world(app, clock):  # type: ignore[no-untyped-def]
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    sun, moon = make_room(alpha, now, name="小太阳班"), make_room(alpha, now, name="小月亮班")
    kids = {name: make_child(alpha, now, room=room, name=name)
            for name, room in (("王小明", sun), ("李小红", sun), ("张小华", moon))}
    kids["钱小丽"] = make_child(beta, now, room=make_room(beta, now, name="乙班"), name="钱小丽")
    logins = {"mother": make_login("mother", now, [(alpha, Role.GUARDIAN)]),
              "father": make_login("father", now, [(alpha, Role.GUARDIAN)]),
              "other_parent": make_login("other-parent", now, [(alpha, Role.GUARDIAN)]),
              "pickup_only": make_login("pickup-only", now, [(alpha, Role.GUARDIAN)])}
    contacts = {"王小明": make_contact(alpha, now, name="王妈妈", user=logins["mother"].user),
                "王小明父": make_contact(alpha, now, name="王爸爸", user=logins["father"].user),
                "李小红": make_contact(alpha, now, name="李妈妈", user=logins["other_parent"].user),
                "奶奶": make_contact(alpha, now, name="王奶奶", user=logins["pickup_only"].user)}
    link(kids["王小明"], contacts["王小明"], now)
    link(kids["王小明"], contacts["王小明父"], now)
    link(kids["李小红"], contacts["李小红"], now)
    link(kids["王小明"], contacts["奶奶"], now, guardian=False)  # collects, but is nobody's family here
    world = {
        "alpha": alpha, "beta": beta, "sun": sun, "moon": moon, "kids": kids, "contacts": contacts, **logins,
        "caregiver": make_login("carer", now, [(alpha, Role.CAREGIVER)]),
        "health": make_login("health", now, [(alpha, Role.HEALTH)]),
        "director": make_login("director", now, [(alpha, Role.ADMIN)]),
        "kitchen": make_login("kitchen", now, [(alpha, Role.KITCHEN)]),
        "inspector": make_login("inspector", now, [(alpha, Role.INSPECTOR)]),
        "beta_director": make_login("beta-director", now, [(beta, Role.ADMIN)]),
    }
    db.session.commit()
    return world


@pytest.fixture
def first_of_month() -> date:
    return date(2026, 9, 1)
