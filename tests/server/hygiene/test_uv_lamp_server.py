"""The UV lamp on the server (issue #18): requests, the agent's room state, relay events, the log, end to end."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from devices.agent.uv import UvInterlock, UvLampConfig, UvStateUnavailable
from devices.outbox import Outbox
from devices.wire.hygiene import UV_STATE_PATH, UvRoomState
from devices.wire.protocol import Batch, Event, new_key
from hardware.relay import BreakableMockPin, Relay, RelaySpec
from server.attendance.operations.credentials import issue_credential
from server.auth.roles import Role
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login, make_room


def _enrol(client, director, code: str, kind: str) -> dict:
    enrolment = client.post(f"/api/v1/centres/{code}/devices/enrolment-codes", json={"kind": kind, "name": kind},
                            headers=director.headers).get_json()["code"]
    return client.post("/api/v1/devices/enroll", json={"code": enrolment, "kind": kind}).get_json()


@pytest.fixture
def world(app, client, clock):
    now = clock.now()
    centre = make_centre("alpha", now)
    room = make_room(centre, now)
    child = make_child(centre, now, room=room, name="王小明")
    mother = make_contact(centre, now, name="李丽")
    link(child, mother, now)
    credential = issue_credential(centre, contact=mother, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    director = make_login("director", now, [(centre, Role.ADMIN)])
    caregiver = make_login("caregiver", now, [(centre, Role.CAREGIVER)])
    other = make_centre("beta", now)
    other_room = make_room(other, now, name="别的班")
    outsider = make_login("outsider", now, [(other, Role.ADMIN)])
    agent = _enrol(client, director, "alpha", "agent")
    kiosk = _enrol(client, director, "alpha", "kiosk")
    return {"centre": centre, "room": room, "child": child, "mother": mother, "credential": credential,
            "director": director, "caregiver": caregiver, "other_room": other_room, "outsider": outsider,
            "agent": agent, "agent_headers": {"Authorization": f"Bearer {agent['token']}"},
            "kiosk": kiosk, "kiosk_headers": {"Authorization": f"Bearer {kiosk['token']}"}}


def _state(client, world, room_id=None):
    return client.get(UV_STATE_PATH.format(room_id=room_id or world["room"].id), headers=world["agent_headers"])


def _uv_event(world, clock, state, *, request_id=None, reason=None, minutes=None, children=None, at=None) -> Event:
    payload = {"lamp": "uv-room", "room_id": world["room"].id, "state": state, "request_id": request_id,
               "minutes": minutes, "reason": reason, "children_present": children}
    return Event(key=new_key(), device_id=world["agent"]["device_id"], stream=new_key(), sequence=1,
                 kind="hygiene.uv", created_at=at or clock.now(), payload=payload)


def _post(client, world, *events: Event, headers=None):
    device_id = events[0].device_id
    body = Batch(device_id=device_id, sent_at=events[0].created_at, events=list(events)).model_dump(mode="json")
    return client.post("/api/v1/devices/events", json=body, headers=headers or world["agent_headers"])


def _check_in(client, world, clock):
    body = {"person_id": f"c{world['mother'].id}", "children": [world["child"].id], "method": "card",
            "credential_id": world["credential"].id}
    event = Event(key=new_key(), device_id=world["kiosk"]["device_id"], stream=new_key(), sequence=1,
                  kind="attendance.check_in", created_at=clock.now(), payload=body)
    response = _post(client, world, event, headers=world["kiosk_headers"])
    assert [r["status"] for r in response.get_json()["results"]] == ["accepted"], response.get_json()


def test_request_is_offered_to_the_agent_until_it_answers(client, world, clock):
    room = world["room"]
    assert _state(client, world).get_json()["request"] is None
    made = client.post(f"/api/v1/rooms/{room.id}/uv/requests", json={}, headers=world["caregiver"].headers)
    assert made.status_code == 201, made.get_json()
    request = made.get_json()
    assert request["minutes"] == 60  # the rulebook's hygiene.uv_lamp min_minutes
    state = _state(client, world).get_json()
    assert state["children_present"] == 0 and state["request"]["id"] == request["id"]
    assert state["request"]["stop"] is False
    again = client.post(f"/api/v1/rooms/{room.id}/uv/requests", json={}, headers=world["caregiver"].headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "uv_busy"
    clock.advance(seconds=5)
    assert _post(client, world, _uv_event(world, clock, "on", request_id=request["id"], minutes=60,
                                          children=0)).status_code == 200
    assert _state(client, world).get_json()["request"] is None
    clock.advance(minutes=60)
    _post(client, world, _uv_event(world, clock, "off", request_id=request["id"], reason="done", children=0))
    log = client.get(f"/api/v1/rooms/{room.id}/uv/log", headers=world["director"].headers).get_json()
    assert [(s["minutes"], s["end_reason"], s["cut_off"], s["requested_by"]) for s in log["sessions"]] == [
        (60, "done", False, "caregiver")]


def test_a_request_expires_when_the_agent_never_takes_it(client, world, clock):
    room = world["room"]
    client.post(f"/api/v1/rooms/{room.id}/uv/requests", json={"minutes": 30}, headers=world["caregiver"].headers)
    clock.advance(minutes=3, seconds=1)
    assert _state(client, world).get_json()["request"] is None
    assert client.post(f"/api/v1/rooms/{room.id}/uv/requests", json={},
                       headers=world["caregiver"].headers).status_code == 201


def test_stop_is_offered_while_the_lamp_runs(client, world, clock):
    room = world["room"]
    request = client.post(f"/api/v1/rooms/{room.id}/uv/requests", json={}, headers=world["caregiver"].headers
                          ).get_json()
    assert client.post(f"/api/v1/rooms/{room.id}/uv/stop", headers=world["caregiver"].headers).status_code == 201
    assert _state(client, world).get_json()["request"] is None  # stopped before the agent took it
    nothing = client.post(f"/api/v1/rooms/{room.id}/uv/stop", headers=world["caregiver"].headers)
    assert nothing.status_code == 409 and nothing.get_json()["error"]["code"] == "uv_not_running"
    request = client.post(f"/api/v1/rooms/{room.id}/uv/requests", json={}, headers=world["caregiver"].headers
                          ).get_json()
    _post(client, world, _uv_event(world, clock, "on", request_id=request["id"], minutes=60))
    client.post(f"/api/v1/rooms/{room.id}/uv/stop", headers=world["caregiver"].headers)
    offered = _state(client, world).get_json()["request"]
    assert offered["id"] == request["id"] and offered["stop"] is True


def test_bad_input_and_isolation(client, world):
    room, other = world["room"], world["other_room"]
    bad = client.post(f"/api/v1/rooms/{room.id}/uv/requests", json={"minutes": 0}, headers=world["caregiver"].headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "minutes"
    assert _state(client, world, other.id).status_code == 404  # another centre's room: not even named
    assert client.post(f"/api/v1/rooms/{room.id}/uv/requests", json={},
                       headers=world["outsider"].headers).status_code == 404
    assert client.get(f"/api/v1/rooms/{room.id}/uv/log", headers=world["outsider"].headers).status_code == 404
    kiosk = client.get(UV_STATE_PATH.format(room_id=room.id), headers=world["kiosk_headers"])
    assert kiosk.status_code == 403  # a kiosk may not read the UV state
    assert client.get(UV_STATE_PATH.format(room_id=room.id)).status_code == 401


def test_relay_events_late_out_of_order_and_repeated(client, world, clock):
    start = clock.now()
    on = _uv_event(world, clock, "on", minutes=60, at=start)
    off = _uv_event(world, clock, "off", reason="motion", at=start + timedelta(minutes=20))
    refused = _uv_event(world, clock, "refused", reason="children_present", children=3,
                        at=start + timedelta(minutes=30))
    assert _post(client, world, off).status_code == 200  # the off arrives first
    assert _post(client, world, refused, on).status_code == 200
    again = _post(client, world, on)
    assert [r["status"] for r in again.get_json()["results"]] == ["duplicate"]
    log = client.get(f"/api/v1/rooms/{world['room'].id}/uv/log", headers=world["caregiver"].headers).get_json()
    assert [(s["minutes"], s["end_reason"], s["cut_off"]) for s in log["sessions"]] == [(20, "motion", True)]
    assert [(r["reason"], r["children_present"]) for r in log["refusals"]] == [("children_present", 3)]


def test_a_bad_payload_is_rejected(client, world, clock):
    bad = _uv_event(world, clock, "off")  # an off without a reason
    result = _post(client, world, bad).get_json()["results"][0]
    assert result["status"] == "rejected" and result["reason"] == "hygiene.uv.invalid"
    foreign = _uv_event(world, clock, "on", minutes=60)
    foreign.payload["room_id"] = world["other_room"].id
    result = _post(client, world, foreign).get_json()["results"][0]
    assert result["status"] == "rejected" and result["reason"] == "hygiene.uv.unknown_room"


class ClientSource:
    """The agent's HTTP source, over the test client (the same route, the same token)."""

    def __init__(self, client, headers) -> None:
        self.client, self.headers, self.up = client, headers, True

    def fetch(self, room_id: int) -> UvRoomState:
        if not self.up:
            raise UvStateUnavailable("network: ConnectError")
        response = self.client.get(UV_STATE_PATH.format(room_id=room_id), headers=self.headers)
        if response.status_code != 200:
            raise UvStateUnavailable(f"HTTP {response.status_code}")
        return UvRoomState.model_validate(response.get_json())


def test_end_to_end_a_check_in_cuts_the_lamp_off_at_the_next_poll(client, world, clock, tmp_path: Path):
    """Agent (fake relay) ↔ the real app ↔ a kiosk check-in through the fleet API: off with children_present."""
    room = world["room"]
    factory = MockFactory()
    factory.pin(24, pin_class=BreakableMockPin)
    relay = Relay(RelaySpec("uv-room", 24), factory, clock)
    outbox = Outbox(tmp_path / "outbox.sqlite3", clock, world["agent"]["device_id"])
    source = ClientSource(client, world["agent_headers"])
    lamp = UvInterlock(UvLampConfig("uv-room", room.id, 24, poll_s=5), relay, outbox, clock, source)

    def deliver() -> None:
        events = outbox.claim(100)
        if events:
            body = Batch(device_id=world["agent"]["device_id"], sent_at=clock.now(), events=events)
            response = client.post("/api/v1/devices/events", json=body.model_dump(mode="json"),
                                   headers=world["agent_headers"])
            assert all(r["status"] == "accepted" for r in response.get_json()["results"]), response.get_json()
            outbox.ack([event.key for event in events])

    def run(seconds: int) -> None:
        for _ in range(seconds):
            clock.advance(seconds=1)
            lamp.step()
            deliver()

    try:
        client.post(f"/api/v1/rooms/{room.id}/uv/requests", json={}, headers=world["caregiver"].headers)
        run(5)
        assert relay.is_on
        run(10 * 60)
        _check_in(client, world, clock)
        checked_in = clock.monotonic()
        while relay.is_on:
            run(1)
        assert clock.monotonic() - checked_in <= 5  # worst case: one poll interval
        log = client.get(f"/api/v1/rooms/{room.id}/uv/log", headers=world["director"].headers).get_json()
        (session,) = log["sessions"]
        assert session["end_reason"] == "children_present" and session["cut_off"] is True
        assert 10 <= session["minutes"] <= 11
        # With the child in, the next request is refused, and the refusal is on the log.
        client.post(f"/api/v1/rooms/{room.id}/uv/requests", json={}, headers=world["caregiver"].headers)
        run(5)
        assert not relay.is_on
        log = client.get(f"/api/v1/rooms/{room.id}/uv/log", headers=world["director"].headers).get_json()
        assert [(r["reason"], r["children_present"]) for r in log["refusals"]] == [("children_present", 1)]
    finally:
        outbox.close()
        relay.close()
        factory.close()


def test_a_child_checked_in_with_no_room_known_keeps_every_lamp_off(client, world, clock):
    """A child without a class could be anywhere: every room's agent hears of one child present (fail safe)."""
    from server.database import db

    world["child"].room_id = None
    db.session.commit()
    assert _state(client, world).get_json()["children_present"] == 0
    _check_in(client, world, clock)
    assert _state(client, world).get_json()["children_present"] == 1
