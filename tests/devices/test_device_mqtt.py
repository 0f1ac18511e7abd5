"""The MQTT uplink against a real Mosquitto broker; the test plays the server on the other side."""

from __future__ import annotations

import os
import random
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from devices.delivery import Deliverer, DeliveryState, Outcome
from devices.fake_event_server import FakeEventServer
from devices.mqtt_uplink import MqttUplink, mqtt_topics
from devices.outbox import Outbox
from devices.wire.protocol import BatchError, parse_batch
from hardware.clock import FakeClock
from tests.mqtt_broker import AuthBroker, require_mosquitto

pytestmark = pytest.mark.mqtt

BROKER = ("127.0.0.1", 1883)


def broker_listens(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# Outside CI the broker may be absent; under CI=true a missing broker is a failure, not a skip.
needs_broker = pytest.mark.skipif(
    not broker_listens(*BROKER) and os.environ.get("CI") != "true", reason="no Mosquitto on 127.0.0.1:1883"
)


class MqttServerSide:
    """The server's MQTT ingest, reduced: validate, store deduplicated, answer on the ack topic."""

    def __init__(self, centre: str, *, port: int = BROKER[1], password: str | None = None) -> None:
        self.store = FakeEventServer()
        self.unanswered = 0
        """Store the next N batches but send no ack (the ack is lost)."""
        self.subscribed = threading.Event()
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"server-{uuid.uuid4().hex[:8]}")
        self._client.on_connect = lambda client, *_: client.subscribe(f"tuoyu/v1/{centre}/+/events", qos=1)
        self._client.on_subscribe = lambda *_: self.subscribed.set()
        self._client.on_message = self._on_message
        if password is not None:
            self._client.username_pw_set("server", password)
        self._client.connect(BROKER[0], port)
        self._client.loop_start()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        _, _, centre, device, _ = message.topic.split("/")
        try:
            parsed = parse_batch(message.payload)
        except BatchError:
            return
        if parsed.device_id != device:
            return
        ack = self.store.store_batch(device, parsed.events, parsed.rejected)
        if self.unanswered:
            self.unanswered -= 1
            return
        client.publish(mqtt_topics(centre, device)[1], ack.model_dump_json(), qos=1)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


@pytest.fixture
def ids() -> Iterator[tuple[str, str]]:
    centre, device = f"c{uuid.uuid4().hex[:8]}", f"kiosk-{uuid.uuid4().hex[:8]}"
    yield centre, device
    if broker_listens(*BROKER):
        # The device used a persistent session; end it so the broker does not keep it forever.
        cleaner = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device, clean_session=True)
        cleaner.connect(*BROKER)
        cleaner.loop(0.2)
        cleaner.disconnect()


@pytest.fixture
def server_side(ids: tuple[str, str]) -> Iterator[MqttServerSide]:
    side = MqttServerSide(ids[0])
    assert side.subscribed.wait(5)
    yield side
    side.close()


@pytest.fixture
def mqtt_outbox(tmp_path: Path, clock: FakeClock, ids: tuple[str, str]) -> Iterator[Outbox]:
    with Outbox(tmp_path / "outbox.sqlite3", clock, ids[1]) as box:
        yield box


AUTH_IDS = ("centre-a", "kiosk-auth")


@pytest.fixture
def mqtt_outbox_auth(tmp_path: Path, clock: FakeClock) -> Iterator[Outbox]:
    with Outbox(tmp_path / "auth-outbox.sqlite3", clock, AUTH_IDS[1]) as box:
        yield box


def make_uplink(ids: tuple[str, str], *, port: int = BROKER[1], token: str | None = None,
                ack_timeout_s: float = 5.0) -> MqttUplink:
    centre, device = ids
    return MqttUplink(BROKER[0], port, centre=centre, device_id=device, token=token, ack_timeout_s=ack_timeout_s,
                      connect_timeout_s=5.0)


@needs_broker
def test_events_are_deleted_only_after_the_servers_ack(ids: tuple[str, str], server_side: MqttServerSide,
                                                       mqtt_outbox: Outbox, clock: FakeClock) -> None:
    uplink = make_uplink(ids)
    deliverer = Deliverer(mqtt_outbox, uplink, clock, random.Random(1), batch_size=10)
    for n in range(25):
        mqtt_outbox.put("reading", {"n": n})

    try:
        outcomes = [deliverer.step() for _ in range(4)]
    finally:
        uplink.close()

    assert outcomes == [Outcome.DELIVERED] * 3 + [Outcome.IDLE]
    assert server_side.store.payload_values("n") == list(range(25))
    assert mqtt_outbox.pending_count() == 0
    assert deliverer.state is DeliveryState.ONLINE


@needs_broker
def test_lost_ack_over_mqtt_is_resent_and_stored_once(ids: tuple[str, str], server_side: MqttServerSide,
                                                      mqtt_outbox: Outbox, clock: FakeClock) -> None:
    uplink = make_uplink(ids, ack_timeout_s=0.3)
    deliverer = Deliverer(mqtt_outbox, uplink, clock, random.Random(2))
    for n in range(3):
        mqtt_outbox.put("reading", {"n": n})
    server_side.unanswered = 1

    try:
        assert deliverer.step() is Outcome.RETRY
        assert mqtt_outbox.pending_count() == 3  # the broker had it, the server had it: still not delivered
        clock.advance(seconds=deliverer.seconds_until_next_attempt() + 0.001)
        assert deliverer.step() is Outcome.DELIVERED
    finally:
        uplink.close()

    assert mqtt_outbox.pending_count() == 0
    assert server_side.store.payload_values("n") == [0, 1, 2]
    assert set(server_side.store.deliveries.values()) == {2}


@needs_broker
def test_reconnects_after_close(ids: tuple[str, str], server_side: MqttServerSide, mqtt_outbox: Outbox,
                                clock: FakeClock) -> None:
    uplink = make_uplink(ids)
    deliverer = Deliverer(mqtt_outbox, uplink, clock, random.Random(3))
    try:
        mqtt_outbox.put("reading", {"n": 1})
        assert deliverer.step() is Outcome.DELIVERED
        uplink.close()
        mqtt_outbox.put("reading", {"n": 2})
        assert deliverer.step() is Outcome.DELIVERED
    finally:
        uplink.close()

    assert server_side.store.payload_values("n") == [1, 2]


def test_unreachable_broker_is_transient(ids: tuple[str, str], mqtt_outbox: Outbox, clock: FakeClock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    uplink = make_uplink(ids, port=closed_port)
    deliverer = Deliverer(mqtt_outbox, uplink, clock, random.Random(4))
    mqtt_outbox.put("reading", {"n": 1})

    assert deliverer.step() is Outcome.RETRY
    assert deliverer.state is DeliveryState.OFFLINE
    assert mqtt_outbox.pending_count() == 1


def test_topics_refuse_wildcards() -> None:
    with pytest.raises(ValueError, match="topic"):
        mqtt_topics("centre/1", "kiosk-01")


BROKER_USERS = {"kiosk-auth": "right-token", "server": "server-token"}


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[AuthBroker]:
    """A Mosquitto of our own that wants passwords and keeps nothing across a restart."""
    require_mosquitto("mosquitto_passwd")
    broker = AuthBroker(tmp_path / "broker", acl=False, persistence=False)
    broker.write_passwords(BROKER_USERS)
    broker.start()
    yield broker
    broker.kill()


def test_broker_refusing_the_token_makes_the_device_unauthorised(
        private_broker: AuthBroker, mqtt_outbox_auth: Outbox, clock: FakeClock) -> None:
    uplink = make_uplink(AUTH_IDS, port=private_broker.port, token="revoked-token")
    deliverer = Deliverer(mqtt_outbox_auth, uplink, clock, random.Random(5))
    mqtt_outbox_auth.put("reading", {"n": 1})

    assert deliverer.step() is Outcome.UNAUTHORISED
    assert deliverer.state is DeliveryState.UNAUTHORISED
    assert mqtt_outbox_auth.pending_count() == 1


def test_broker_puback_is_not_delivery(private_broker: AuthBroker, mqtt_outbox_auth: Outbox,
                                      clock: FakeClock) -> None:
    """The broker takes the batch (PUBACK), is killed before the server reads it: the events stay and arrive later."""
    uplink = make_uplink(AUTH_IDS, port=private_broker.port, token="right-token", ack_timeout_s=0.2)
    deliverer = Deliverer(mqtt_outbox_auth, uplink, clock, random.Random(6))
    for n in range(3):
        mqtt_outbox_auth.put("reading", {"n": n})
    try:
        assert deliverer.step() is Outcome.RETRY  # published and PUBACKed, but no server was listening
        private_broker.kill()  # without persistence the broker's copy is gone
        private_broker.start()
        server_side = MqttServerSide(AUTH_IDS[0], port=private_broker.port, password="server-token")
        try:
            assert server_side.subscribed.wait(5)
            clock.advance(seconds=deliverer.seconds_until_next_attempt() + 0.001)
            assert deliverer.step() is Outcome.DELIVERED
        finally:
            server_side.close()
    finally:
        uplink.close()

    assert server_side.store.payload_values("n") == [0, 1, 2]
    assert mqtt_outbox_auth.pending_count() == 0
