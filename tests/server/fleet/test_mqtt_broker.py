"""The MQTT path end to end against a real Mosquitto with per-device passwords and an ACL.

Device side: the real outbox, ``MqttUplink`` and ``Deliverer`` (device time is a
FakeClock). Server side: the real ``MqttIngest`` writing through ``ingest_batch`` to
SQLite or PostgreSQL. Waits are bounded polls on the real broker, never sleeps.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import func, select

from devices.delivery import Deliverer, DeliveryState, Outcome
from devices.mqtt_uplink import MqttUplink, mqtt_topics
from devices.outbox import Outbox
from devices.wire.protocol import Ack
from hardware.clock import FakeClock
from server.attendance.models import AttendanceEvent
from server.attendance.operations.credentials import issue_credential
from server.attendance.operations.kiosk_events import handle_kiosk_event
from server.centre.models import Centre
from server.database import db
from server.fleet.models import DeviceEvent
from server.fleet.mqtt_auth import hash_password
from server.fleet.mqtt_ingest import MqttIngest
from server.fleet.mqtt_ingest import Outcome as Ingested
from server.fleet.operations import EventRouter, revoke_device
from tests.conftest import T0
from tests.factories import SYSTEM, link, make_child, make_contact
from tests.mqtt_broker import AuthBroker, close_client, connect_client
from tests.server.fleet.batches import refusal_batch
from tests.server.fleet.enrolment import (
    INGEST_PASSWORD,
    INGEST_USER,
    Enrolled,
    ingest_settings,
    write_security_files,
)

pytestmark = pytest.mark.mqtt


class Kiosk:
    """One device: its durable outbox, its MQTT uplink (password = its token) and the delivery loop."""

    def __init__(self, enrolled: Enrolled, broker: AuthBroker, folder: Path, *, token: str | None = None,
                 ack_timeout_s: float = 5.0, batch_size: int = 100) -> None:
        self.clock = FakeClock(current=T0)
        self.outbox = Outbox(folder / f"{enrolled.device_id}.sqlite3", self.clock, enrolled.device_id)
        self.uplink = MqttUplink("127.0.0.1", broker.port, centre=enrolled.centre_code, device_id=enrolled.device_id,
                                 token=token or enrolled.token, ack_timeout_s=ack_timeout_s, connect_timeout_s=5.0)
        self.deliverer = Deliverer(self.outbox, self.uplink, self.clock, random.Random(7), batch_size=batch_size,
                                   backoff_cap_s=5.0)

    def deliver_all(self, *, on_retry: Callable[[], None] | None = None, max_steps: int = 60) -> list[Outcome]:
        """Step until the outbox is empty (or the device is refused), advancing device time over back-offs."""
        outcomes: list[Outcome] = []
        for _ in range(max_steps):
            if self.outbox.pending_count() == 0:
                break
            outcome = self.deliverer.step()
            outcomes.append(outcome)
            if outcome is Outcome.UNAUTHORISED:
                break
            if outcome in (Outcome.RETRY, Outcome.BACKING_OFF):
                if on_retry is not None:
                    on_retry()
                self.clock.advance(seconds=self.deliverer.seconds_until_next_attempt() + 0.001)
        return outcomes

    def close(self) -> None:
        self.uplink.close()
        self.outbox.close()


@pytest.fixture
def kiosks(broker: AuthBroker, tmp_path: Path) -> Iterator[Callable[..., Kiosk]]:
    made: list[Kiosk] = []

    def make(enrolled: Enrolled, **options: object) -> Kiosk:
        kiosk = Kiosk(enrolled, broker, tmp_path, **options)  # type: ignore[arg-type]
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.close()


class RawDevice:
    """A device speaking MQTT by hand, to do what the real uplink never would (forge, spy, send garbage)."""

    def __init__(self, broker: AuthBroker, enrolled: Enrolled, *, username: str | None = None) -> None:
        self.enrolled = enrolled
        self.received: list[str] = []
        self.payloads: list[bytes] = []
        self._arrived = threading.Condition()
        self.client, self.connack = connect_client(broker.port, username or enrolled.device_id, enrolled.token)
        self.client.on_message = self._on_message

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._arrived:
            self.received.append(message.topic)
            self.payloads.append(bytes(message.payload))
            self._arrived.notify_all()

    def subscribe(self, *topics: str) -> None:
        done = threading.Event()
        self.client.on_subscribe = lambda *_: done.set()
        self.client.subscribe([(t, 1) for t in topics])
        assert done.wait(5)

    def publish(self, topic: str, payload: bytes | str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def wait_for(self, topic: str, timeout_s: float = 10.0) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: topic in self.received, timeout_s)

    def close(self) -> None:
        close_client(self.client)


def stored(model) -> int:  # type: ignore[no-untyped-def]
    value = db.session.execute(select(func.count()).select_from(model)).scalar_one()
    db.session.commit()  # SQLite: never hold the write lock the subscriber needs
    return value


def own_topics(enrolled: Enrolled) -> tuple[str, str]:
    return mqtt_topics(enrolled.centre_code, enrolled.device_id)


def test_a_check_in_travels_through_the_broker_and_leaves_the_outbox(app, fleet, ingest, kiosks, clock) -> None:
    now = clock.now()
    centre = db.session.execute(select(Centre).where(Centre.code == "alpha")).scalar_one()
    child, mother = make_child(centre, now), make_contact(centre, now)
    link(child, mother, now)
    card = issue_credential(centre, contact=mother, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    payload = {"person_id": f"c{mother.id}", "children": [child.id], "method": "card", "credential_id": card.id}
    child_id = child.id
    db.session.commit()
    kiosk = kiosks(fleet["a"])
    event = kiosk.outbox.put("attendance.check_in", payload)

    outcomes = kiosk.deliver_all()

    rows = db.session.execute(select(AttendanceEvent.kind, AttendanceEvent.child_id)
                              .where(AttendanceEvent.device_key == event.key)).all()
    db.session.commit()
    assert outcomes == [Outcome.DELIVERED]
    assert (kiosk.outbox.pending_count(), kiosk.deliverer.state) == (0, DeliveryState.ONLINE)
    assert [(str(kind), child) for kind, child in rows] == [("check_in", child_id)]
    assert fleet["a"].row().last_seen_at == now
    db.session.commit()


def test_a_device_cannot_publish_under_another_devices_topic(app, fleet, ingest, broker) -> None:
    device = RawDevice(broker, fleet["a"])
    events, ack = own_topics(fleet["a"])
    forged = refusal_batch(fleet["b"].device_id, 2, T0)
    honest = refusal_batch(fleet["a"].device_id, 1, T0)
    try:
        device.subscribe(ack)
        device.publish(own_topics(fleet["b"])[0], forged.model_dump_json())  # PUBACKed, then dropped by the ACL
        device.publish(events, honest.model_dump_json())
        assert device.wait_for(ack)  # one connection keeps order: the forged batch would have come first
    finally:
        device.close()

    assert dict(ingest.counts) == {Ingested.ACKED: 1}
    assert stored(DeviceEvent) == 1


def test_a_device_cannot_read_another_devices_acks(app, fleet, ingest, broker, kiosks) -> None:
    spy = RawDevice(broker, fleet["a"])
    events, ack = own_topics(fleet["a"])
    try:
        spy.subscribe(own_topics(fleet["b"])[1], ack)  # Mosquitto grants it, then filters every message by the ACL
        neighbour = kiosks(fleet["b"])
        neighbour.outbox.put("attendance.refused", {"reason": "card_expired"})
        assert neighbour.deliver_all() == [Outcome.DELIVERED]  # the server answered on b's ack topic
        spy.publish(events, refusal_batch(fleet["a"].device_id, 1, T0).model_dump_json())
        assert spy.wait_for(ack)
    finally:
        spy.close()

    assert spy.received == [ack]


def test_a_wrong_password_is_refused_at_connect(app, fleet, broker, kiosks) -> None:
    kiosk = kiosks(fleet["a"], token="tyd_not-the-token")
    kiosk.outbox.put("attendance.refused", {"reason": "card_expired"})

    assert kiosk.deliver_all() == [Outcome.UNAUTHORISED]
    assert (kiosk.deliverer.state, kiosk.outbox.pending_count()) == (DeliveryState.UNAUTHORISED, 1)


def refused_at_connect(broker: AuthBroker, enrolled: Enrolled) -> bool:
    client, answer = connect_client(broker.port, enrolled.device_id, enrolled.token)
    close_client(client)
    return bool(answer.is_failure)


def test_a_revoked_device_is_refused_after_the_files_are_regenerated_and_reloaded(
        app, fleet, ingest, broker, kiosks, clock) -> None:
    kiosk, other = kiosks(fleet["a"]), kiosks(fleet["b"])
    kiosk.outbox.put("attendance.refused", {"reason": "card_expired"})
    assert kiosk.deliver_all() == [Outcome.DELIVERED]

    revoke_device(fleet["a"].row(), actor=SYSTEM, now=clock.now())
    write_security_files(app, broker)
    broker.send(signal.SIGHUP)
    waiter = threading.Event()
    for _ in range(100):  # the reload is asynchronous: poll the broker (bounded)
        if refused_at_connect(broker, fleet["a"]):
            break
        waiter.wait(0.05)
    kiosk.outbox.put("attendance.refused", {"reason": "card_expired"})
    other.outbox.put("attendance.refused", {"reason": "card_expired"})

    assert kiosk.deliver_all() == [Outcome.UNAUTHORISED]  # dropped by the reload, refused on reconnect
    assert kiosk.outbox.pending_count() == 1
    assert other.deliver_all() == [Outcome.DELIVERED]
    assert stored(DeviceEvent) == 2


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_a_broker_restart_mid_stream_loses_nothing_and_doubles_nothing(app, fleet, broker, kiosks, signum) -> None:
    killed = threading.Event()
    handled = 0

    def kill_broker_on_the_35th_event(device, event, now):  # type: ignore[no-untyped-def]
        nonlocal handled
        handle_kiosk_event(device, event, now)
        handled += 1
        if handled == 35:  # batch 4 of 10 is being written: its ack cannot reach the device
            broker.kill(signum)
            killed.set()

    subscriber = MqttIngest(app, ingest_settings(broker),
                            router=EventRouter({"attendance": kill_broker_on_the_35th_event}))
    subscriber.start()
    assert subscriber.wait_subscribed(10)
    kiosk = kiosks(fleet["a"], batch_size=10)
    for n in range(100):
        kiosk.outbox.put("attendance.refused", {"reason": "card_expired", "method": f"n{n}"})

    def restart_once() -> None:
        if killed.is_set() and not broker.is_running():
            broker.start()
            assert subscriber.wait_subscribed(10, connection=2)

    try:
        outcomes = kiosk.deliver_all(on_retry=restart_once)
    finally:
        subscriber.stop()

    keys = db.session.execute(select(AttendanceEvent.device_key)).scalars().all()
    db.session.commit()
    assert Outcome.RETRY in outcomes and killed.is_set()
    assert (kiosk.outbox.pending_count(), kiosk.outbox.dead_count()) == (0, 0)
    assert (len(keys), len(set(keys))) == (100, 100)
    assert stored(DeviceEvent) == 100
    assert subscriber.counts[Ingested.ACKED] >= 11  # the interrupted batch was applied once, answered again


def test_events_published_while_the_subscriber_is_down_wait_in_its_session(app, fleet, ingest, broker,
                                                                            kiosks) -> None:
    kiosk = kiosks(fleet["a"], ack_timeout_s=0.3)
    ingest.stop()
    kiosk.outbox.put("attendance.refused", {"reason": "card_expired"})
    assert kiosk.deliverer.step() is Outcome.RETRY  # the broker has it (PUBACK), nobody answered

    later = MqttIngest(app, ingest.settings)  # the same client id: the broker kept its session and queue
    later.start()
    try:
        assert later.wait_until(lambda counts: counts[Ingested.ACKED] == 1, 10)
        kiosk.clock.advance(seconds=kiosk.deliverer.seconds_until_next_attempt() + 0.001)
        assert kiosk.deliverer.step() is Outcome.DELIVERED  # resent, answered "duplicate"
    finally:
        later.stop()

    assert kiosk.outbox.pending_count() == 0
    assert stored(DeviceEvent) == 1


def test_a_malformed_message_is_dropped_and_the_subscriber_carries_on(app, fleet, ingest, broker) -> None:
    device = RawDevice(broker, fleet["a"])
    events, ack = own_topics(fleet["a"])
    try:
        device.subscribe(ack)
        device.publish(events, b"\x00{not a batch")
        device.publish(events, refusal_batch(fleet["a"].device_id, 1, T0).model_dump_json())
        assert device.wait_for(ack)
    finally:
        device.close()

    assert dict(ingest.counts) == {Ingested.MALFORMED: 1, Ingested.ACKED: 1}
    assert device.received == [ack]


def test_an_unknown_device_with_broker_credentials_gets_no_ack(app, fleet, ingest, broker, kiosks) -> None:
    ghost = Enrolled(pk=0, device_id="kiosk-ghost", token="tyd_ghost", centre_code="alpha")
    events, ack = own_topics(ghost)
    # A stale password file: the broker still knows a device the registry does not.
    with broker.passwd.open("a") as fh:
        fh.write(f"{ghost.device_id}:{hash_password(ghost.token)}\n")
    with broker.acl.open("a") as fh:
        fh.write(f"\nuser {ghost.device_id}\ntopic write {events}\ntopic read {ack}\n")
    broker.send(signal.SIGHUP)
    waiter = threading.Event()
    for _ in range(100):
        if not refused_at_connect(broker, ghost):
            break
        waiter.wait(0.05)
    device = RawDevice(broker, ghost)
    try:
        device.publish(events, refusal_batch(ghost.device_id, 1, T0).model_dump_json())
        assert ingest.wait_until(lambda counts: counts[Ingested.UNKNOWN_DEVICE] == 1, 10)
    finally:
        device.close()
    kiosk = kiosks(fleet["a"])
    kiosk.outbox.put("attendance.refused", {"reason": "card_expired"})

    assert kiosk.deliver_all() == [Outcome.DELIVERED]
    assert stored(DeviceEvent) == 1


def test_the_answer_is_a_protocol_ack_naming_every_event(app, fleet, ingest, broker) -> None:
    device = RawDevice(broker, fleet["a"])
    events, ack = own_topics(fleet["a"])
    batch = refusal_batch(fleet["a"].device_id, 2, T0)
    try:
        device.subscribe(ack)
        device.publish(events, batch.model_dump_json())
        assert device.wait_for(ack)
    finally:
        device.close()

    parsed = Ack.model_validate_json(device.payloads[0])
    assert sorted((r.key, r.status) for r in parsed.results) == sorted((k, "accepted") for k in batch.keys)


def test_the_mqtt_ingest_command_delivers_and_ends_on_sigterm(app, fleet, broker, kiosks, database_url,
                                                               tmp_path: Path) -> None:
    env = {**os.environ, "TUOYU_DATABASE_URL": database_url, "TUOYU_INSTANCE_PATH": str(tmp_path / "instance"),
           "TUOYU_MQTT_PORT": str(broker.port), "TUOYU_MQTT_USERNAME": INGEST_USER,
           "TUOYU_MQTT_PASSWORD": INGEST_PASSWORD, "TUOYU_MQTT_CLIENT_ID": "tuoyu-ingest-cli"}
    process = subprocess.Popen([str(Path(sys.executable).parent / "tuoyu"), "mqtt-ingest"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        kiosk = kiosks(fleet["a"], ack_timeout_s=1.0)
        kiosk.outbox.put("attendance.refused", {"reason": "card_expired"})
        outcomes = kiosk.deliver_all()  # retries until the new process has subscribed
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)

    assert outcomes[-1] is Outcome.DELIVERED and kiosk.outbox.pending_count() == 0
    assert process.returncode == 0, output.decode()
    assert stored(DeviceEvent) == 1


def test_subscribers_in_a_share_group_split_the_batches_between_them(app, fleet, broker, kiosks) -> None:
    subscribers = [MqttIngest(app, replace(ingest_settings(broker), share_group="tuoyu")) for _ in range(2)]
    for subscriber in subscribers:
        subscriber.start()
        assert subscriber.wait_subscribed(10)
    kiosk = kiosks(fleet["a"], batch_size=1)
    for n in range(6):
        kiosk.outbox.put("attendance.refused", {"reason": "card_expired", "method": f"n{n}"})
    try:
        outcomes = kiosk.deliver_all()
    finally:
        for subscriber in subscribers:
            subscriber.stop()

    handled = [subscriber.counts[Ingested.ACKED] for subscriber in subscribers]
    assert outcomes == [Outcome.DELIVERED] * 6
    assert sum(handled) == 6 and min(handled) > 0  # each batch once, and both took a share
    assert stored(DeviceEvent) == 6


def test_a_failure_while_applying_a_batch_is_rolled_back_and_the_resend_succeeds(app, fleet, broker,
                                                                                 kiosks) -> None:
    failures = [RuntimeError("database went away")]

    def fail_once(device, event, now):  # type: ignore[no-untyped-def]
        handle_kiosk_event(device, event, now)
        if failures:
            raise failures.pop()

    subscriber = MqttIngest(app, ingest_settings(broker), router=EventRouter({"attendance": fail_once}))
    subscriber.start()
    assert subscriber.wait_subscribed(10)
    kiosk = kiosks(fleet["a"], ack_timeout_s=0.5)
    kiosk.outbox.put("attendance.refused", {"reason": "card_expired"})
    try:
        outcomes = kiosk.deliver_all()
    finally:
        subscriber.stop()

    assert outcomes == [Outcome.RETRY, Outcome.DELIVERED]
    assert dict(subscriber.counts) == {Ingested.FAILED: 1, Ingested.ACKED: 1}
    assert (stored(DeviceEvent), stored(AttendanceEvent)) == (1, 1)
