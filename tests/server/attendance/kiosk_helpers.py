"""Shared builders for the kiosk-path tests: a centre with a family, a director and an enrolled kiosk."""

from __future__ import annotations

from datetime import date

import pytest

from devices.wire.protocol import Batch, Event, new_key
from server.attendance.operations.credentials import issue_credential
from server.auth.roles import Role
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login, make_room


@pytest.fixture
def world(app, client, clock):
    """A centre, a mother with one child and a card, a director, and an enrolled kiosk."""
    now = clock.now()
    centre = make_centre("alpha", now)
    room = make_room(centre, now)
    child = make_child(centre, now, room=room, name="王小明")
    mother = make_contact(centre, now, name="李丽")
    link(child, mother, now)
    credential = issue_credential(centre, contact=mother, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    director = make_login("director", now, [(centre, Role.ADMIN)])
    code = client.post("/api/v1/centres/alpha/devices/enrolment-codes", json={"kind": "kiosk", "name": "门口"},
                       headers=director.headers).get_json()["code"]
    enrolled = client.post("/api/v1/devices/enroll", json={"code": code, "kind": "kiosk"}).get_json()
    return {"centre": centre, "child": child, "mother": mother, "credential": credential, "director": director,
            "kiosk": enrolled, "headers": {"Authorization": f"Bearer {enrolled['token']}"}}


def batch(world, *events: Event) -> dict:
    return Batch(device_id=world["kiosk"]["device_id"], sent_at=events[0].created_at, events=list(events)).model_dump(mode="json")


def kiosk_event(world, clock, kind="attendance.check_in", **payload) -> Event:
    body = {"person_id": f"c{world['mother'].id}", "children": [world["child"].id], "method": "card",
            "credential_id": world["credential"].id, **payload}
    return Event(key=new_key(), device_id=world["kiosk"]["device_id"], stream=new_key(), sequence=1, kind=kind,
                 created_at=clock.now(), payload=body)


def post_events(client, world, *events):
    return client.post("/api/v1/devices/events", json=batch(world, *events), headers=world["headers"])


def statuses(response) -> list[str]:
    return [r["status"] for r in response.get_json()["results"]]


