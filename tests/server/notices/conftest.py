"""The notifier's world: a centre, a child with two guardians (mother and father, each with an account), another
family, another centre, staff log-ins; a local push receiver (pytest-httpserver) that may fail and recover."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest
from flask import current_app
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from server.auth.actor import Actor
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.database import db
from server.notices.sealing import Sealer
from server.notices.settings_ops import add_channel
from server.people.models import Relationship
from server.people.operations import contacts_of_user, link_contact
from tests.factories import SYSTEM, make_centre, make_child, make_contact, make_login, make_room

# T0 (tests/conftest.py) is Monday 2026-09-07, 09:30 in Shanghai: outside the default quiet hours (21:00–07:30).
TODAY = date(2026, 9, 7)
SUBJECT = "Something abnormal was found at your child's health check"


@dataclass
class Receiver:
    """A local push receiver: answers each request with the next status of `plan` (then 200), records them all."""

    server: HTTPServer
    plan: list[int] = field(default_factory=list)
    requests: list[tuple[str, dict[str, object], int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook/{address}") -> str:
        return f"json://127.0.0.1:{self.server.port}{path}"

    def handle(self, request: Request) -> Response:
        with self.lock:
            status = self.plan.pop(0) if self.plan else 200
            self.requests.append((request.path, json.loads(request.get_data() or b"{}"), status))
        return Response("ok" if status < 400 else "broken", status=status)

    @property
    def delivered(self) -> list[tuple[str, dict[str, object]]]:
        return [(path, body) for path, body, status in self.requests if status < 400]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    found = Receiver(server)
    server.expect_request(re.compile("^/hook/.*"), method="POST").respond_with_handler(found.handle)
    yield found
    server.clear()
    server.stop()


def guardian_actor(login) -> Actor:  # type: ignore[no-untyped-def]
    return actor_for(login.user, contacts_of_user)


@pytest.fixture
def world(app, clock):  # type: ignore[no-untyped-def]
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    room = make_room(alpha, now)
    child = make_child(alpha, now, room=room, name="王小明")
    other_child = make_child(alpha, now, room=room, name="李小红")
    beta_child = make_child(beta, now, room=make_room(beta, now, name="乙班"), name="赵小乙")
    mama_login = make_login("mama", now, [(alpha, Role.GUARDIAN)])
    baba_login = make_login("baba", now, [(alpha, Role.GUARDIAN)])
    lima_login = make_login("lima", now, [(alpha, Role.GUARDIAN)])
    mama = make_contact(alpha, now, name="王妈妈", user=mama_login.user)
    baba = make_contact(alpha, now, name="王爸爸", user=baba_login.user)
    nanny = make_contact(alpha, now, name="张阿姨")  # collects, is no guardian
    lima = make_contact(alpha, now, name="李妈妈", user=lima_login.user)
    link_contact(child, mama, relationship=Relationship.MOTHER, is_guardian=True, may_pick_up=True, actor=SYSTEM,
                 now=now)
    link_contact(child, baba, relationship=Relationship.FATHER, is_guardian=True, may_pick_up=True, actor=SYSTEM,
                 now=now)
    link_contact(child, nanny, relationship=Relationship.NANNY, is_guardian=False, may_pick_up=True, actor=SYSTEM,
                 now=now)
    link_contact(other_child, lima, relationship=Relationship.MOTHER, is_guardian=True, may_pick_up=True,
                 actor=SYSTEM, now=now)
    db.session.commit()
    return {
        "alpha": alpha, "beta": beta, "room": room, "child": child, "other_child": other_child,
        "beta_child": beta_child, "mama": mama, "baba": baba, "nanny": nanny, "lima": lima,
        "mama_login": mama_login, "baba_login": baba_login, "lima_login": lima_login,
        "director": make_login("director", now, [(alpha, Role.ADMIN)]),
        "caregiver": make_login("carer", now, [(alpha, Role.CAREGIVER)]),
        "kitchen": make_login("cook", now, [(alpha, Role.KITCHEN)]),
        "inspector": make_login("inspector", now, [(alpha, Role.INSPECTOR)]),
        "beta_director": make_login("beta-director", now, [(beta, Role.ADMIN)]),
    }


def sealer() -> Sealer:
    return Sealer(str(current_app.config["SECRET_KEY"]))


def push_channel(world, receiver: Receiver, now, *, name: str = "企业微信"):  # type: ignore[no-untyped-def]
    """A push channel of alpha to the local receiver."""
    return add_channel(world["alpha"], name=name, url_template=receiver.url(), sealer=sealer(), actor=SYSTEM,
                       now=now)
