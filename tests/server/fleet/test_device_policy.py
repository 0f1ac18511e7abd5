"""Device kinds send only their own event kinds and read only their own feeds (server/fleet/policy.py)."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from devices.delivery import Deliverer, Outcome
from devices.outbox import Outbox
from devices.uplink import HttpUplink
from devices.wire.protocol import AckStatus, Batch, Event, EventKind, EventResult, ParsedBatch, new_key
from server.audit.models import AccessEvent
from server.database import db
from server.fleet.models import Device, DeviceEvent, DeviceKind
from server.fleet.operations import EventRouter, ingest_batch
from server.fleet.policy import Feed, may_read_feed, may_send
from tests.factories import SYSTEM, make_contact

KIOSK, AGENT = DeviceKind.KIOSK, DeviceKind.AGENT
# Written out, not derived from the policy table, so that a change to the table fails here first.
MAY_SEND = {
    (KIOSK, EventKind.ATTENDANCE_CHECK_IN), (KIOSK, EventKind.ATTENDANCE_CHECK_OUT),
    (KIOSK, EventKind.ATTENDANCE_REFUSED),
    (AGENT, EventKind.READING), (AGENT, EventKind.SAFETY_PANIC), (AGENT, EventKind.SAFETY_SMOKE),
    (AGENT, EventKind.SAFETY_DOOR), (AGENT, EventKind.HEARTBEAT),
    (AGENT, EventKind.HYGIENE_WINDOW), (AGENT, EventKind.HYGIENE_UV), (AGENT, EventKind.HYGIENE_CABINET),
}
MAY_NOT_SEND = sorted({(d, e) for d in DeviceKind for e in EventKind} - MAY_SEND)
MAY_READ = {(KIOSK, Feed.ROSTER), (KIOSK, Feed.PRESENCE), (KIOSK, Feed.PHOTOS), (KIOSK, Feed.EMERGENCIES),
            (AGENT, Feed.UV_STATE)}
MAY_NOT_READ = sorted({(d, f) for d in DeviceKind for f in Feed} - MAY_READ)
FEED_PATHS = {Feed.ROSTER: "/api/v1/devices/roster", Feed.PRESENCE: "/api/v1/devices/presence",
              Feed.PHOTOS: "/api/v1/devices/photos/{photo}", Feed.EMERGENCIES: "/api/v1/devices/emergencies",
              Feed.UV_STATE: "/api/v1/devices/hygiene/rooms/{room}/uv"}


def pair_id(pair: tuple[object, object]) -> str:
    return f"{pair[0]}-{pair[1]}"


class Recorder:
    """Handlers and a bulk kind that only record what reached them."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def handle(self, device: Device, event: Event, now: datetime) -> None:
        self.seen.append(str(event.kind))

    def prepare(self, events: list[Event], now: datetime) -> list[Event]:
        return events

    def store(self, device: Device, prepared: list[Event], now: datetime) -> list[EventResult]:
        self.seen.extend(str(event.kind) for event in prepared)
        return [EventResult(key=event.key, status=AckStatus.ACCEPTED) for event in prepared]

    def router(self) -> EventRouter:
        return EventRouter({"attendance": self.handle, "safety": self.handle, "heartbeat": self.handle,
                            "hygiene": self.handle},
                           bulk={"reading": self})


def one_event(device: Device, kind: EventKind, now: datetime) -> ParsedBatch:
    event = Event(key=new_key(), device_id=device.device_id, stream=new_key(), sequence=1, kind=kind, created_at=now,
                  payload={})
    return ParsedBatch(device_id=device.device_id, sent_at=now, events=[event], rejected=[])


@pytest.mark.parametrize("pair", sorted(MAY_SEND), ids=pair_id)
def test_a_device_may_send_its_own_event_kinds(pair) -> None:
    assert may_send(*pair)


@pytest.mark.parametrize("pair", MAY_NOT_SEND, ids=pair_id)
def test_a_device_may_not_send_another_kinds_events(pair) -> None:
    assert not may_send(*pair)


@pytest.mark.parametrize("pair", sorted(MAY_READ), ids=pair_id)
def test_a_device_may_read_its_own_feeds(pair) -> None:
    assert may_read_feed(*pair)


@pytest.mark.parametrize("pair", MAY_NOT_READ, ids=pair_id)
def test_a_device_may_not_read_another_kinds_feeds(pair) -> None:
    assert not may_read_feed(*pair)


def test_an_unknown_device_kind_may_neither_send_nor_read() -> None:
    assert (may_send("printer", "attendance.check_in"), may_read_feed("printer", Feed.ROSTER)) == (False, False)


@pytest.mark.parametrize("pair", sorted(MAY_SEND), ids=pair_id)
def test_ingest_applies_an_allowed_event(devices, clock, pair) -> None:
    kind, event_kind = pair
    recorder = Recorder()

    ack = ingest_batch(devices[kind].row(), one_event(devices[kind].row(), event_kind, clock.now()),
                       recorder.router(), now=clock.now())

    assert ([r.status for r in ack.results], recorder.seen) == ([AckStatus.ACCEPTED], [event_kind])


@pytest.mark.parametrize("pair", MAY_NOT_SEND, ids=pair_id)
def test_ingest_rejects_a_refused_kind_without_applying_or_storing_it(devices, clock, pair) -> None:
    kind, event_kind = pair
    recorder = Recorder()

    ack = ingest_batch(devices[kind].row(), one_event(devices[kind].row(), event_kind, clock.now()),
                       recorder.router(), now=clock.now())

    stored = db.session.execute(select(func.count()).select_from(DeviceEvent)).scalar_one()
    assert ([(r.status, r.reason) for r in ack.results], recorder.seen, stored) == (
        [(AckStatus.REJECTED, "kind_not_allowed")], [], 0)


def test_a_refused_kind_is_logged_as_a_denied_access(devices, clock) -> None:
    agent = devices[AGENT].row()

    ingest_batch(agent, one_event(agent, EventKind.ATTENDANCE_CHECK_OUT, clock.now()), Recorder().router(),
                 now=clock.now())

    details = db.session.execute(select(AccessEvent.detail).where(AccessEvent.action == "denied")).scalars().all()
    assert details == ["agent sent 1 event(s) of kinds it may not send: attendance.check_out"]


def test_an_agents_check_out_posted_over_http_is_rejected_and_not_stored(client, devices, clock) -> None:
    agent = devices[AGENT]
    event = Event(key=new_key(), device_id=agent.device_id, stream=new_key(), sequence=1,
                  kind=EventKind.ATTENDANCE_CHECK_OUT, created_at=clock.now(),
                  payload={"person_id": "c1", "children": [1], "method": "card", "credential_id": 1})
    body = Batch(device_id=agent.device_id, sent_at=clock.now(), events=[event]).model_dump(mode="json")

    response = client.post("/api/v1/devices/events", json=body, headers=agent.headers)

    assert [(r["status"], r["reason"]) for r in response.get_json()["results"]] == [("rejected", "kind_not_allowed")]


@pytest.fixture
def photo_id(devices, clock) -> int:  # type: ignore[no-untyped-def]
    from server.centre.models import Centre
    from server.people.operations import set_contact_photo

    centre = db.session.execute(select(Centre).where(Centre.code == "alpha")).scalar_one()
    photo = set_contact_photo(make_contact(centre, clock.now()), b"\x89PNG", "image/png", retain_until=None,
                              actor=SYSTEM, now=clock.now())
    db.session.commit()
    return photo.id


@pytest.fixture
def room_id(devices, clock) -> int:  # type: ignore[no-untyped-def]
    """A room of the devices' centre (the agent's UV state route names one)."""
    from server.centre.models import Centre
    from tests.factories import make_room

    centre = db.session.execute(select(Centre).where(Centre.code == "alpha")).scalar_one()
    room = make_room(centre, clock.now())
    db.session.commit()
    return room.id


@pytest.mark.parametrize("pair", sorted(MAY_READ), ids=pair_id)
def test_a_device_route_answers_a_device_allowed_to_read_it(client, devices, photo_id, room_id, pair) -> None:
    kind, feed = pair

    response = client.get(FEED_PATHS[feed].format(photo=photo_id, room=room_id), headers=devices[kind].headers)

    assert response.status_code == 200


@pytest.mark.parametrize("pair", MAY_NOT_READ, ids=pair_id)
def test_a_device_route_refuses_a_device_not_allowed_to_read_it(client, devices, photo_id, room_id, pair) -> None:
    kind, feed = pair

    response = client.get(FEED_PATHS[feed].format(photo=photo_id, room=room_id), headers=devices[kind].headers)

    assert (response.status_code, response.get_json()) == (403, {"error": {
        "code": "feed_not_allowed", "field": None,
        "message": "此类设备不能读取该数据"}})  # Chinese by default; English for Accept-Language: en


def test_a_refused_feed_read_is_logged(client, devices, photo_id) -> None:
    client.get("/api/v1/devices/roster", headers=devices[AGENT].headers)

    details = db.session.execute(select(AccessEvent.detail).where(AccessEvent.action == "denied")).scalars().all()
    assert details == ["feed_not_allowed"]


def test_an_agents_check_out_is_dead_lettered_by_its_outbox_and_not_retried(devices, live_url, clock,
                                                                            tmp_path: Path) -> None:
    agent = devices[AGENT]
    with Outbox(tmp_path / "outbox.sqlite3", clock, agent.device_id) as outbox, httpx.Client(timeout=10.0) as http:
        deliverer = Deliverer(outbox, HttpUplink(live_url, agent.token, client=http), clock, random.Random(1))
        outbox.put(EventKind.ATTENDANCE_CHECK_OUT, {"person_id": "c1", "children": [1], "method": "card"})
        db.session.commit()

        outcomes = [deliverer.step(), deliverer.step()]

        assert (outcomes, [d.reason for d in outbox.dead_letters()]) == (
            [Outcome.DELIVERED, Outcome.IDLE], ["kind_not_allowed"])
