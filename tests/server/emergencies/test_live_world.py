"""The world of the live-emergency tests (no tests here): a centre with two rooms, children and staff checked in
through the real kiosk ingest, a guardian, a sensor agent for smoke and panic events, logins per role."""

from __future__ import annotations

from datetime import date

import pytest

from devices.wire.protocol import Batch, Event, new_key
from server.auth.roles import Role
from server.centre.models import ClassType
from server.database import db
from tests.factories import link, make_centre, make_child, make_contact, make_login, make_room, make_staff


class LiveWorld:
    """托小班 with two children, 托大班 with one; two caregivers with logins and home rooms; a guardian of 小一."""

    def __init__(self, client, clock):
        self.client, self.clock = client, clock
        now = clock.now()
        self.centre = make_centre("alpha", now)
        self.toddlers = make_room(self.centre, now, name="托小班", class_type=ClassType.TODDLER)
        self.older = make_room(self.centre, now, name="托大班", class_type=ClassType.PRESCHOOL, capacity=20)
        self.kids = [make_child(self.centre, now, room=self.toddlers, name="小一", born_on=date(2025, 3, 1)),
                     make_child(self.centre, now, room=self.toddlers, name="小二", born_on=date(2025, 4, 1)),
                     make_child(self.centre, now, room=self.older, name="大一", born_on=date(2024, 3, 1))]
        self.absent = make_child(self.centre, now, room=self.older, name="缺勤", born_on=date(2024, 5, 1))
        self.director = make_login("director", now, [(self.centre, Role.ADMIN)])
        self.carer_a = make_login("carer-a", now, [(self.centre, Role.CAREGIVER)])
        self.carer_b = make_login("carer-b", now, [(self.centre, Role.CAREGIVER)])
        self.inspector = make_login("inspector", now, [(self.centre, Role.INSPECTOR)])
        self.parent = make_login("parent", now, [(self.centre, Role.GUARDIAN)])
        self.staff_a = make_staff(self.centre, now, name="张老师", room=self.toddlers, user=self.carer_a.user)
        self.staff_b = make_staff(self.centre, now, name="李老师", room=self.older, user=self.carer_b.user)
        self.mother = make_contact(self.centre, now, name="小一妈妈", user=self.parent.user)
        link(self.kids[0], self.mother, now)
        link(self.kids[2], make_contact(self.centre, now, name="大一爸爸"), now)
        db.session.commit()
        self.kiosk = self._enrol("kiosk")
        self.agent = self._enrol("agent")
        self.sequence = 0
        self._send(self.kiosk, "attendance.check_in", {"person_id": f"s{self.staff_a.id}", "children": [],
                                                       "method": "pin"})
        self._send(self.kiosk, "attendance.check_in", {"person_id": f"s{self.staff_b.id}", "children": [],
                                                       "method": "pin"})
        self._send(self.kiosk, "attendance.check_in", {"person_id": f"s{self.staff_a.id}", "method": "pin",
                                                       "children": [k.id for k in self.kids]})

    def _enrol(self, kind: str) -> dict:
        code = self.client.post("/api/v1/centres/alpha/devices/enrolment-codes", json={"kind": kind, "name": kind},
                                headers=self.director.headers).get_json()["code"]
        return self.client.post("/api/v1/devices/enroll", json={"code": code, "kind": kind}).get_json()

    def _send(self, device: dict, kind: str, payload: dict) -> None:
        self.sequence += 1
        event = Event(key=new_key(), device_id=device["device_id"], stream=new_key(), sequence=1, kind=kind,
                      created_at=self.clock.now(), payload=payload)
        body = Batch(device_id=device["device_id"], sent_at=event.created_at, events=[event]).model_dump(mode="json")
        response = self.client.post("/api/v1/devices/events", json=body,
                                    headers={"Authorization": f"Bearer {device['token']}"})
        assert [r["status"] for r in response.get_json()["results"]] == ["accepted"], response.get_json()

    def smoke(self, name: str = "smoke-kitchen") -> None:
        """A smoke detector in the kitchen goes off (the real device-event path)."""
        self._send(self.agent, "safety.smoke", {"input": name, "location": f"room:{self.toddlers.id}",
                                                "state": "alarm", "label": "厨房 / Kitchen"})

    def panic(self) -> None:
        self._send(self.agent, "safety.panic", {"input": "panic-1", "location": f"room:{self.older.id}",
                                                "state": "pressed", "label": "大门 / Gate"})

    def current(self, login) -> dict:  # type: ignore[no-untyped-def]
        response = self.client.get("/api/v1/centres/alpha/live-emergencies/current", headers=login.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def tick(self, login, person: str, status: str):  # type: ignore[no-untyped-def]
        kind = "child" if person.startswith("c") else "staff"
        return self.client.post("/api/v1/centres/alpha/rollcall/ticks", headers=login.headers,
                                json={"person_kind": kind, "person_id": int(person[1:]), "status": status})


@pytest.fixture
def world(client, clock) -> LiveWorld:
    return LiveWorld(client, clock)
