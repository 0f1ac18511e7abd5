"""A family's world: a mother (a guardian with a log-in) of two children, a grandfather who collects, another
family, the class's staff and a door kiosk; records are made through the real operations and the kiosk's API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from devices.wire.protocol import Batch, Event, new_key
from server.attendance.operations.credentials import issue_credential
from server.auth.roles import Role
from server.centre.models import Centre, Room
from server.database import db
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.people.models import Child, Contact, Relationship, Staff, StaffRole
from server.people.operations import link_contact
from tests.factories import SYSTEM, Login, make_centre, make_child, make_contact, make_login, make_room, make_staff

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 9, 7)  # a Monday, the family's "today"


def local(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """An instant given as the centre's local time of day."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
def clock_start() -> datetime:
    """The family's day starts before anyone arrives: 07:00 in Shanghai."""
    return local(7)


@dataclass
class Family:
    centre: Centre
    room: Room
    child: Child  # 王小明, the mother's first child
    sister: Child  # 王小红, in the same class
    other_child: Child  # another family's child of the same class
    mother: Contact
    grandfather: Contact  # collects, is no guardian
    mum: Login  # the mother's log-in (guardian)
    other: Login  # the other family's guardian
    carer: Login  # the class's caregiver (a staff record with her class)
    director: Login
    health: Login
    kitchen: Login
    inspector: Login
    giver: Staff
    witness: Staff
    kiosk_token: str
    kiosk_id: str
    cards: dict[int, int]  # contact id -> credential id

    def door(self, client: Any, contact: Contact, children: list[Child], at: datetime, *,
             kind: str = "attendance.check_in") -> Any:
        """A scan at the door kiosk, sent through the devices' API as the kiosk sends it."""
        event = Event(key=new_key(), device_id=self.kiosk_id, stream=new_key(), sequence=1, kind=kind, created_at=at,
                      payload={"person_id": f"c{contact.id}", "children": [c.id for c in children], "method": "card",
                               "credential_id": self.cards[contact.id]})
        batch = Batch(device_id=self.kiosk_id, sent_at=at, events=[event]).model_dump(mode="json")
        answer = client.post("/api/v1/devices/events", json=batch, headers={"Authorization": f"Bearer {self.kiosk_token}"})
        assert answer.status_code == 200 and answer.get_json()["results"][0]["status"] == "accepted", answer.get_json()
        return answer


@pytest.fixture
def family(app, clock) -> Family:
    now = clock.now()
    centre = make_centre("alpha", now)
    room = make_room(centre, now, name="小月亮班")
    child = make_child(centre, now, room=room, name="王小明", born_on=date(2025, 3, 1))
    sister = make_child(centre, now, room=room, name="王小红", born_on=date(2025, 4, 1))
    other_child = make_child(centre, now, room=room, name="赵小乙")
    mum, other = make_login("mum", now, [(centre, Role.GUARDIAN)]), make_login("other", now, [(centre, Role.GUARDIAN)])
    mother = make_contact(centre, now, name="李丽", user=mum.user)
    grandfather = make_contact(centre, now, name="王建国")
    other_mother = make_contact(centre, now, name="赵敏", user=other.user)
    for kid in (child, sister):
        link_contact(kid, mother, relationship=Relationship.MOTHER, is_guardian=True, may_pick_up=True, actor=SYSTEM,
                     now=now)
        link_contact(kid, grandfather, relationship=Relationship.GRANDFATHER, is_guardian=False, may_pick_up=True,
                     actor=SYSTEM, now=now)
    link_contact(other_child, other_mother, relationship=Relationship.MOTHER, is_guardian=True, may_pick_up=True,
                 actor=SYSTEM, now=now)
    carer = make_login("carer", now, [(centre, Role.CAREGIVER)])
    giver = make_staff(centre, now, name="陈老师", room=room, user=carer.user)
    witness = make_staff(centre, now, name="吴保健", role=StaffRole.HEALTH)
    cards = {c.id: issue_credential(centre, contact=c, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now).id
             for c in (mother, grandfather, other_mother)}
    code, _ = create_enrolment_code(centre, kind=DeviceKind.KIOSK, name="门口", actor=SYSTEM, now=now)
    device, token = enroll_device(code, kind=DeviceKind.KIOSK, name=None, version=None, now=now)
    world = Family(centre=centre, room=room, child=child, sister=sister, other_child=other_child, mother=mother,
                   grandfather=grandfather, mum=mum, other=other, carer=carer,
                   director=make_login("director", now, [(centre, Role.ADMIN)]),
                   health=make_login("health", now, [(centre, Role.HEALTH)]),
                   kitchen=make_login("cook", now, [(centre, Role.KITCHEN)]),
                   inspector=make_login("inspector", now, [(centre, Role.INSPECTOR)]),
                   giver=giver, witness=witness, kiosk_token=token, kiosk_id=device.device_id, cards=cards)
    db.session.commit()
    return world


def days_ago(n: int) -> date:
    return DAY - timedelta(days=n)
