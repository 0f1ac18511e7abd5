"""An event naming something the server does not know is stored flagged or kept by the device, never lost.

A server restored from a backup meets kiosks holding a newer roster: their check-ins name credentials the
server has never seen. Answering such an event ``duplicate`` makes the kiosk delete a check-in that exists
nowhere; these tests hold the server to "duplicate only for a key it really holds".
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, insert, select

from devices.delivery import Deliverer, Outcome
from devices.outbox import Outbox, RowState
from devices.uplink import HttpUplink
from devices.wire.protocol import Event, event_fingerprint
from server.alerts.models import Alert
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.database import db
from server.fleet.models import Device, DeviceEvent
from server.fleet.operations import EventRouter, ingest_batch
from tests.server.attendance.kiosk_helpers import kiosk_event, post_events, statuses

UNKNOWN_CREDENTIAL = 987_654


def rows() -> list[tuple[AttendanceKind, int | None, list[str]]]:
    return [(r.kind, r.credential_id, r.flags) for r in db.session.execute(select(AttendanceEvent)).scalars()]


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def kiosk_row(world) -> Device:  # type: ignore[no-untyped-def]
    return db.session.execute(select(Device).where(Device.device_id == world["kiosk"]["device_id"])).scalar_one()


def breaking_a_foreign_key(device: Device, event: Event, now: datetime) -> None:
    """A handler whose row names a child no one has: the database refuses it (IntegrityError)."""
    db.session.add(AttendanceEvent(centre_id=device.centre_id, kind=AttendanceKind.CHECK_IN, child_id=10**9,
                                   at=now, recorded_at=now, flags=[]))
    db.session.flush()


def one_batch(world, event: Event):  # type: ignore[no-untyped-def]
    from devices.wire.protocol import ParsedBatch

    return ParsedBatch(device_id=world["kiosk"]["device_id"], sent_at=event.created_at, events=[event], rejected=[])


# -- at the operations level ------------------------------------------------------------------------------


def test_a_check_in_with_an_unknown_credential_is_accepted(client, world, clock):
    response = post_events(client, world, kiosk_event(world, clock, credential_id=UNKNOWN_CREDENTIAL))

    assert statuses(response) == ["accepted"]


def test_a_check_in_with_an_unknown_credential_is_stored_flagged_without_the_reference(client, world, clock):
    post_events(client, world, kiosk_event(world, clock, credential_id=UNKNOWN_CREDENTIAL))

    assert rows() == [(AttendanceKind.CHECK_IN, None, ["unknown_credential"])]


def test_a_check_in_with_an_unknown_credential_alerts_the_staff(client, world, clock):
    post_events(client, world, kiosk_event(world, clock, credential_id=UNKNOWN_CREDENTIAL))

    alerts = db.session.execute(select(Alert.kind, Alert.severity, Alert.message_en)
                                .where(Alert.kind.like("attendance.%"))).all()
    assert alerts == [("attendance.check_in", "warning",
                       "check-in flagged: credential unknown to the server (older data?) (王小明)")]


def test_a_refusal_naming_an_unknown_credential_is_stored_flagged(client, world, clock):
    refusal = kiosk_event(world, clock, kind="attendance.refused", reason="card_expired")

    response = post_events(client, world, refusal.model_copy(update={"payload": {
        "reason": "card_expired", "method": "card", "credential_id": UNKNOWN_CREDENTIAL}}))

    assert (statuses(response), rows()) == (["accepted"], [(AttendanceKind.REFUSED, None, ["unknown_credential"])])


def test_an_event_the_database_refuses_is_rejected_not_answered_duplicate(world, clock):
    router = EventRouter({"attendance": breaking_a_foreign_key})

    ack = ingest_batch(kiosk_row(world), one_batch(world, kiosk_event(world, clock)), router, now=clock.now())

    assert [(r.status, r.reason) for r in ack.results] == [("rejected", "not_stored")]


def test_an_event_the_database_refuses_leaves_no_key_behind(world, clock):
    router = EventRouter({"attendance": breaking_a_foreign_key})

    ingest_batch(kiosk_row(world), one_batch(world, kiosk_event(world, clock)), router, now=clock.now())

    assert (count(DeviceEvent), count(AttendanceEvent)) == (0, 0)


def test_an_event_the_database_refuses_raises_an_urgent_alert(world, clock):
    router = EventRouter({"attendance": breaking_a_foreign_key})

    ingest_batch(kiosk_row(world), one_batch(world, kiosk_event(world, clock)), router, now=clock.now())

    assert db.session.execute(select(Alert.kind, Alert.severity)).all() == [("device.event_not_stored", "urgent")]


# PostgreSQL only: SQLite takes the write lock up front, so a second writer waits and then finds the key stored.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_key_stored_by_a_concurrent_request_is_answered_duplicate(world, clock, database_url):
    event = kiosk_event(world, clock)
    device = kiosk_row(world)
    db.session.commit()

    def stored_meanwhile(device: Device, event: Event, now: datetime) -> None:
        # Another request (its own connection) commits the same key while this one is applying it.
        with db.engine.begin() as other:
            other.execute(insert(DeviceEvent).values(
                device_pk=device.id, key=event.key, kind=str(event.kind), status="accepted", created_at=now,
                fingerprint=hashlib.sha256(event_fingerprint(event).encode()).hexdigest(), received_at=now))

    ack = ingest_batch(device, one_batch(world, event), EventRouter({"attendance": stored_meanwhile}),
                       now=clock.now())

    assert [r.status for r in ack.results] == ["duplicate"]


# -- through the kiosk's real outbox and HTTP uplink, against the app served on 127.0.0.1 --------------------


@pytest.fixture
def outbox(world, clock, tmp_path: Path) -> Iterator[Outbox]:  # type: ignore[no-untyped-def]
    box = Outbox(tmp_path / "outbox.sqlite3", clock, world["kiosk"]["device_id"])
    yield box
    box.close()


@pytest.fixture
def kiosk(world, live_url, outbox, clock) -> Iterator[Deliverer]:  # type: ignore[no-untyped-def]
    with httpx.Client(timeout=10.0) as http:
        yield Deliverer(outbox, HttpUplink(live_url, world["kiosk"]["token"], client=http), clock, random.Random(1))


def check_in(world, outbox: Outbox, credential_id: int) -> None:  # type: ignore[no-untyped-def]
    outbox.put("attendance.check_in", {"person_id": f"c{world['mother'].id}", "children": [world["child"].id],
                                       "method": "card", "credential_id": credential_id})


def deliver(kiosk: Deliverer) -> Outcome:
    db.session.commit()  # SQLite: this test's session must not hold the write lock the server needs
    outcome = kiosk.step()
    db.session.commit()  # and see what the server committed
    return outcome


def test_a_kiosk_check_in_with_an_unknown_credential_reaches_the_register(world, outbox, kiosk):
    check_in(world, outbox, UNKNOWN_CREDENTIAL)

    deliver(kiosk)

    assert (outbox.counts()[RowState.PENDING], rows()) == (0, [(AttendanceKind.CHECK_IN, None,
                                                                 ["unknown_credential"])])


def test_a_kiosk_keeps_an_event_the_server_could_not_store(app, world, outbox, kiosk):
    app.extensions["tuoyu.event_router"] = EventRouter({"attendance": breaking_a_foreign_key})
    check_in(world, outbox, world["credential"].id)

    deliver(kiosk)

    assert [(d.event.kind, d.reason) for d in outbox.dead_letters()] == [("attendance.check_in", "not_stored")]
