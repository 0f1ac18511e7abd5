"""The hygiene tests' world: centre alpha with two classes, a caregiver (log-in and PIN), the kitchen, the director,
a guardian, an inspector, an agent, and centre beta.

The clock: T0 (tests/conftest.py) is 09:30 in Shanghai on Monday 2026-09-07.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from devices.wire.protocol import Event
from server.attendance.operations.credentials import issue_credential, set_pin
from server.auth.actor import Actor
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.centre.models import Centre, Room
from server.database import db
from server.fleet.models import Device, DeviceKind
from server.people.models import Staff
from server.people.operations import contacts_of_user
from tests.factories import SYSTEM, Login, make_centre, make_child, make_login, make_room, make_staff
from tests.server.fleet.enrolment import enrol
from tests.sessions import PASSWORD  # noqa: F401 - the log-ins' password, for signing tests

CAREGIVER_PIN = "482913"
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 9, 7)
STREAM = str(uuid.uuid4())


def actor_of(login: Login) -> Actor:
    return actor_for(login.user, contacts_of_user)


def at(hh_mm: str, day: date = DAY) -> datetime:
    """A local Shanghai time of the day, as an aware UTC instant."""
    h, m = (int(x) for x in hh_mm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=SHANGHAI).astimezone(UTC)


@dataclass
class World:
    centre: Centre
    beta: Centre
    room: Room
    other_room: Room
    beta_room: Room
    carer: Staff
    caregiver: Login
    kitchen: Login
    director: Login
    parent: Login
    inspector: Login
    beta_director: Login
    agent: Device
    now: datetime

    @property
    def actor(self) -> Actor:
        return actor_of(self.caregiver)

    def event(self, kind: str, payload: dict, created_at: datetime, seq: int = 1) -> Event:
        return Event(key=str(uuid.uuid4()), device_id=self.agent.device_id, stream=STREAM,
                     sequence=seq, kind=kind, created_at=created_at, payload=payload)


@pytest.fixture
def world(app, clock) -> World:  # type: ignore[no-untyped-def]
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    room = make_room(alpha, now, name="小太阳班")
    other_room = make_room(alpha, now, name="小月亮班")
    beta_room = make_room(beta, now, name="小星星班")
    make_child(alpha, now, room=room, name="王小明")
    caregiver = make_login("carer", now, [(alpha, Role.CAREGIVER)])
    carer = make_staff(alpha, now, name="张老师", room=room, user=caregiver.user)
    credential = issue_credential(alpha, staff=carer, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    set_pin(credential, CAREGIVER_PIN, actor=SYSTEM, now=now)
    kitchen = make_login("cook", now, [(alpha, Role.KITCHEN)])
    make_staff(alpha, now, name="刘师傅", user=kitchen.user, certified=False)
    enrolled = enrol(alpha, "小太阳班 agent", now, DeviceKind.AGENT)
    world = World(centre=alpha, beta=beta, room=room, other_room=other_room, beta_room=beta_room, carer=carer,
                  caregiver=caregiver, kitchen=kitchen, director=make_login("director", now, [(alpha, Role.ADMIN)]),
                  parent=make_login("mother", now, [(alpha, Role.GUARDIAN)]),
                  inspector=make_login("inspector", now, [(alpha, Role.INSPECTOR)]),
                  beta_director=make_login("beta-director", now, [(beta, Role.ADMIN)]),
                  agent=db.session.get(Device, enrolled.pk), now=now)
    db.session.commit()
    return world
