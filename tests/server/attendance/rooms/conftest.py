"""A centre with two rooms, children, certified caregivers with logins and a kiosk, for the ratio tests."""

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


class Rooms:
    """The world of a ratio test, with verbs that go through the real kiosk ingest and the real API."""

    def __init__(self, client, clock, *, certified: bool = True):
        self.client, self.clock = client, clock
        now = clock.now()
        self.centre = make_centre("alpha", now)
        self.toddlers = make_room(self.centre, now, name="托小班", class_type=ClassType.TODDLER, capacity=15)
        self.older = make_room(self.centre, now, name="托大班", class_type=ClassType.PRESCHOOL, capacity=20)
        # Toddlers are 18 months old on T0 (2026-09-07); the older ones 30 months.
        self.toddler_kids = [make_child(self.centre, now, room=self.toddlers, name=f"小{i}", born_on=date(2025, 3, 1))
                             for i in range(16)]
        self.older_kids = [make_child(self.centre, now, room=self.older, name=f"大{i}", born_on=date(2024, 3, 1))
                           for i in range(8)]
        self.director = make_login("director", now, [(self.centre, Role.ADMIN)])
        self.carers = []
        for index, room in enumerate([self.toddlers, self.toddlers, self.toddlers, self.older]):
            login = make_login(f"carer{index}", now, [(self.centre, Role.CAREGIVER)])
            staff = create_staff(self.centre, name=f"保育员{index}", role=StaffRole.CAREGIVER,
                                 hired_on=date(2025, 1, 1), home_room_id=room.id, user_id=login.user.id,
                                 actor=SYSTEM, now=now)
            self.carers.append((staff, login))
        self.cook = create_staff(self.centre, name="厨师", role=StaffRole.KITCHEN, hired_on=date(2025, 1, 1),
                                 home_room_id=self.toddlers.id, actor=SYSTEM, now=now)
        if certified:  # only certified caregivers count in a ratio and check in unflagged (issue #14)
            for staff in [s for s, _ in self.carers] + [self.cook]:
                certify(staff, now)
        db.session.commit()
        code = client.post("/api/v1/centres/alpha/devices/enrolment-codes", json={"kind": "kiosk", "name": "门口"},
                           headers=self.director.headers).get_json()["code"]
        self.device = client.post("/api/v1/devices/enroll", json={"code": code, "kind": "kiosk"}).get_json()
        self.stream = new_key()
        self.sequence = 0

    def _event(self, kind: str, person_id: str, children: list[int]) -> Event:
        self.sequence += 1
        return Event(key=new_key(), device_id=self.device["device_id"], stream=self.stream, sequence=self.sequence,
                     kind=kind, created_at=self.clock.now(),
                     payload={"person_id": person_id, "children": children, "method": "pin"})

    def kiosk(self, kind: str, person_id: str, children: list[int] | None = None):
        event = self._event(kind, person_id, children or [])
        body = Batch(device_id=self.device["device_id"], sent_at=event.created_at, events=[event]).model_dump(mode="json")
        response = self.client.post("/api/v1/devices/events", json=body,
                                    headers={"Authorization": f"Bearer {self.device['token']}"})
        assert [r["status"] for r in response.get_json()["results"]] == ["accepted"], response.get_json()
        return response

    def staff_in(self, *indexes: int):
        for index in indexes:
            self.kiosk("attendance.check_in", f"s{self.carers[index][0].id}")

    def children_in(self, kids):
        # A member of staff brings them in, so no guardian links are needed (staff may check in any child).
        self.kiosk("attendance.check_in", f"s{self.carers[0][0].id}", [k.id for k in kids])

    def children_out(self, kids):
        self.kiosk("attendance.check_out", f"s{self.carers[0][0].id}", [k.id for k in kids])

    def move(self, index: int, room=None, *, reason: str = "room", from_room=None, dry_run: bool = False,
             as_director: bool = False):
        staff, login = self.carers[index]
        body = {"room_id": room.id if room else None, "reason": reason, "dry_run": dry_run,
                "from_room_id": from_room.id if from_room else None}
        headers = self.director.headers if as_director else login.headers
        return self.client.post(f"/api/v1/staff/{staff.id}/moves", json=body, headers=headers)

    def ratios(self) -> dict[int, dict]:
        body = self.client.get("/api/v1/centres/alpha/ratios", headers=self.director.headers).get_json()
        return {room["room_id"]: room for room in body["rooms"]}


@pytest.fixture
def rooms(app, client, clock):
    return Rooms(client, clock)

