"""A centre with two rooms, children checked in through the real kiosk ingest, and a login per kind of reader."""

from __future__ import annotations

from datetime import date

import pytest

from devices.wire.protocol import Batch, Event, new_key
from server.auth.roles import Role
from server.centre.models import ClassType
from server.database import db
from server.people.models import StaffRole
from server.people.operations import create_staff
from tests.factories import SYSTEM, certify, make_centre, make_child, make_login, make_room


class Tablets:
    """The world of a tablet test: 托小班 with four children, 托大班 with two, caregivers with home rooms."""

    def __init__(self, client, clock):
        self.client, self.clock = client, clock
        now = clock.now()
        self.centre = make_centre("alpha", now)
        self.toddlers = make_room(self.centre, now, name="托小班", class_type=ClassType.TODDLER, capacity=15)
        self.older = make_room(self.centre, now, name="托大班", class_type=ClassType.PRESCHOOL, capacity=20)
        self.toddler_kids = [make_child(self.centre, now, room=self.toddlers, name=f"小{i}", born_on=date(2025, 3, 1))
                             for i in range(4)]
        self.older_kids = [make_child(self.centre, now, room=self.older, name=f"大{i}", born_on=date(2024, 3, 1))
                           for i in range(2)]
        self.director = make_login("director", now, [(self.centre, Role.ADMIN)])
        self.nurse = make_login("nurse", now, [(self.centre, Role.HEALTH)])
        self.inspector = make_login("inspector", now, [(self.centre, Role.INSPECTOR)])
        self.cook = make_login("cook", now, [(self.centre, Role.KITCHEN)])
        self.unlinked = make_login("unlinked", now, [(self.centre, Role.CAREGIVER)])  # no staff record
        self.carers = []
        for index, room in enumerate([self.toddlers, self.older, None]):
            login = make_login(f"carer{index}", now, [(self.centre, Role.CAREGIVER)])
            staff = create_staff(self.centre, name=f"保育员{index}", role=StaffRole.CAREGIVER,
                                 hired_on=date(2025, 1, 1), home_room_id=room.id if room else None,
                                 user_id=login.user.id, actor=SYSTEM, now=now)
            certify(staff, now)
            self.carers.append((staff, login))
        db.session.commit()
        code = client.post("/api/v1/centres/alpha/devices/enrolment-codes", json={"kind": "kiosk", "name": "门口"},
                           headers=self.director.headers).get_json()["code"]
        self.device = client.post("/api/v1/devices/enroll", json={"code": code, "kind": "kiosk"}).get_json()
        self.stream = new_key()
        self.sequence = 0

    def kiosk(self, kind: str, person_id: str, children: list[int] | None = None) -> None:
        self.sequence += 1
        event = Event(key=new_key(), device_id=self.device["device_id"], stream=self.stream, sequence=self.sequence,
                      kind=kind, created_at=self.clock.now(),
                      payload={"person_id": person_id, "children": children or [], "method": "pin"})
        body = Batch(device_id=self.device["device_id"], sent_at=event.created_at, events=[event]).model_dump(mode="json")
        response = self.client.post("/api/v1/devices/events", json=body,
                                    headers={"Authorization": f"Bearer {self.device['token']}"})
        assert [r["status"] for r in response.get_json()["results"]] == ["accepted"], response.get_json()

    def children_in(self, kids) -> None:  # type: ignore[no-untyped-def]
        self.kiosk("attendance.check_in", f"s{self.carers[0][0].id}", [k.id for k in kids])

    def board(self, room, login):  # type: ignore[no-untyped-def]
        return self.client.get(f"/api/v1/rooms/{room.id}/board", headers=login.headers)


@pytest.fixture
def tablets(client, clock) -> Tablets:
    return Tablets(client, clock)
