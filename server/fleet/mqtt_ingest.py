"""The server side of the MQTT uplink: ``tuoyu mqtt-ingest`` subscribes to every device's events topic.

Each message is a device's :class:`~devices.wire.protocol.Batch` on
``tuoyu/v1/{centre}/{device}/events``. The subscriber checks the device (known, not
revoked, of that centre, naming itself in the batch), applies the batch through the
same :func:`server.fleet.operations.ingest_batch` as ``POST /api/v1/devices/events``,
commits, and only then publishes the :class:`~devices.wire.protocol.Ack` (QoS 1) on the
device's ack topic. A message that is refused gets no ack: the device keeps its
events (nothing is lost) and the refusal is logged.

Threads: paho's network thread only queues messages; one worker thread does the
database work, so a slow commit never stalls keep-alives. Messages are PUBACKed by
hand (``manual_ack``) after the worker has finished with them, so a subscriber that
dies mid-batch gets the message again from its persistent session.
"""

from __future__ import annotations

import enum
import gc
import logging
import queue
import signal
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from flask import Flask
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import select

from devices.wire.protocol import MAX_BATCH_BYTES, Ack, BatchError, parse_batch
from server.audit.operations import log_access
from server.centre.models import Centre
from server.clock import WallClock
from server.database import db
from server.fleet.models import Device
from server.fleet.mqtt_auth import EVENTS_FILTER, TOPIC_ROOT, device_topics
from server.fleet.operations import (
    LAST_SEEN_EVERY,
    EventRouter,
    PreparedBatch,
    alert_revoked_device,
    ingest_batch,
    prepare_batch,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MqttSettings:
    """Where the subscriber connects and as whom (``TUOYU_MQTT_*``, see server/config.py)."""

    host: str
    port: int
    username: str
    password: str
    client_id: str
    share_group: str = ""
    tls_ca: str = ""
    keepalive_s: int = 30
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 60.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MqttSettings:
        """Read the ``MQTT_*`` keys of a Flask config (values from the environment may arrive as numbers)."""
        return cls(host=str(config["MQTT_HOST"]), port=int(config["MQTT_PORT"]),
                   username=str(config["MQTT_USERNAME"]), password=str(config["MQTT_PASSWORD"]),
                   client_id=str(config["MQTT_CLIENT_ID"]), share_group=str(config["MQTT_SHARE_GROUP"]),
                   tls_ca=str(config["MQTT_TLS_CA"]), keepalive_s=int(config["MQTT_KEEPALIVE_S"]),
                   reconnect_min_s=float(config["MQTT_RECONNECT_MIN_S"]),
                   reconnect_max_s=float(config["MQTT_RECONNECT_MAX_S"]))

    @property
    def subscription(self) -> str:
        """The topic filter: every device's events, shared between subscribers when a group is set."""
        return f"$share/{self.share_group}/{EVENTS_FILTER}" if self.share_group else EVENTS_FILTER


class Outcome(enum.StrEnum):
    """What the subscriber did with one message."""

    ACKED = "acked"
    """Applied, committed, and the ack published."""
    BAD_TOPIC = "bad_topic"
    UNKNOWN_DEVICE = "unknown_device"
    REVOKED = "revoked"
    WRONG_CENTRE = "wrong_centre"
    """The topic names another centre than the device's (the ACL should already stop this)."""
    DEVICE_MISMATCH = "device_mismatch"
    """The batch names another device than the topic."""
    MALFORMED = "malformed"
    """Not a readable v1 batch (bad JSON, protocol version, header, keys, too large)."""
    FAILED = "failed"
    """An unexpected error (database down...): rolled back, no ack; the device sends again."""


@dataclass(frozen=True)
class Decision:
    """The outcome of one message and, when acked, what to publish where."""

    outcome: Outcome
    ack: Ack | None = None
    ack_topic: str | None = None


def parse_events_topic(topic: str) -> tuple[str, str] | None:
    """``(centre code, device id)`` of a ``tuoyu/v1/{centre}/{device}/events`` topic, or ``None``."""
    parts = topic.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != TOPIC_ROOT or parts[4] != "events":
        return None
    try:
        device_topics(parts[2], parts[3])
    except ValueError:
        return None
    return parts[2], parts[3]


def _refuse(device: Device, outcome: Outcome, detail: str, now: datetime) -> Decision:
    """Log a refused message in the access log (the director sees it as with a revoked HTTP call)."""
    log.warning("MQTT message refused (%s): device %s: %s", outcome, device.device_id, detail)
    log_access(centre_id=device.centre_id, user_id=None, action="denied", object_type="device",
               object_id=device.device_id, now=now, detail=detail[:200])
    db.session.commit()
    return Decision(outcome)


def prepare_message(payload: bytes, router: EventRouter, now: datetime) -> PreparedBatch | BatchError | None:
    """The database-free part of a message: parsed and prepared, the reason it cannot be read, or None if too big."""
    if len(payload) > MAX_BATCH_BYTES:
        return None
    try:
        return prepare_batch(parse_batch(payload), router, now)
    except BatchError as exc:
        return exc


NOT_PREPARED = object()
"""``prepared`` when nobody has run :func:`prepare_message` on the message yet."""


def ingest_message(topic: str, payload: bytes, *, router: EventRouter, now: datetime,
                   prepared: PreparedBatch | BatchError | None | object = NOT_PREPARED) -> Decision:
    """Check and apply one events message in the current app context; commits before returning an ack.

    ``prepared`` is :func:`prepare_message`'s result when the caller did that part already (on another thread).
    """
    where = parse_events_topic(topic)
    if where is None:
        log.warning("MQTT message on an unexpected topic %r dropped", topic[:200])
        return Decision(Outcome.BAD_TOPIC)
    centre_code, device_id = where
    device = db.session.execute(select(Device).where(Device.device_id == device_id)).scalar_one_or_none()
    if device is None:
        log.warning("MQTT batch from unknown device %r (stale broker password file?) dropped", device_id)
        return Decision(Outcome.UNKNOWN_DEVICE)
    if device.revoked_at is not None:
        alert_revoked_device(device, now, over_mqtt=True)
        return _refuse(device, Outcome.REVOKED, f"revoked device published {topic[:120]}", now)
    centre = db.session.get(Centre, device.centre_id)
    if centre is None or centre.code != centre_code:
        return _refuse(device, Outcome.WRONG_CENTRE, f"device published under another centre: {topic[:120]}", now)
    ready = prepare_message(payload, router, now) if prepared is NOT_PREPARED else prepared
    if ready is None:
        log.warning("MQTT batch of %d bytes from %s dropped (limit %d)", len(payload), device_id, MAX_BATCH_BYTES)
        return Decision(Outcome.MALFORMED)
    if isinstance(ready, BatchError):
        # MQTT has no status line to answer 422 on: the device keeps the events and retries (never lost).
        log.warning("malformed MQTT batch from %s: %s: %s (field %s)", device_id, ready.code, ready.message,
                    ready.field)
        return Decision(Outcome.MALFORMED)
    assert isinstance(ready, PreparedBatch)
    if ready.batch.device_id != device.device_id:
        return _refuse(device, Outcome.DEVICE_MISMATCH, f"batch names device {ready.batch.device_id}", now)
    if device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_EVERY:
        device.last_seen_at = now
    ack = ingest_batch(device, ready, router, now=now)
    db.session.commit()
    return Decision(Outcome.ACKED, ack, device_topics(centre_code, device_id)[1])


@dataclass(frozen=True)
class _Received:
    topic: str
    payload: bytes
    mid: int
    qos: int
    connection: int
    """Which connection delivered it: a PUBACK is only meaningful on that same connection."""
    received_at: datetime
    prepared: PreparedBatch | BatchError | None | object  # prepare_message's answer, or NOT_PREPARED


class MqttIngest:
    """The subscriber: a paho client (persistent session, QoS 1) feeding one database worker thread."""

    def __init__(self, app: Flask, settings: MqttSettings | None = None, *, clock: WallClock | None = None,
                 router: EventRouter | None = None) -> None:
        self._app = app
        self.settings = settings or MqttSettings.from_config(app.config)
        self._clock: WallClock = clock or app.extensions["tuoyu.clock"]
        self._router: EventRouter = router or app.extensions["tuoyu.event_router"]
        self._queue: queue.Queue[_Received | None] = queue.Queue()
        self._stopping = threading.Event()
        self._changed = threading.Condition()
        self._connection = 0
        self._subscribed = False
        self.counts: Counter[Outcome] = Counter()
        self._worker: threading.Thread | None = None
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        s = self.settings
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=s.client_id, clean_session=False,
                             protocol=mqtt.MQTTv311, manual_ack=True)
        client.username_pw_set(s.username, s.password or None)
        if s.tls_ca:
            client.tls_set_context(ssl.create_default_context(cafile=s.tls_ca))
        client.reconnect_delay_set(min_delay=s.reconnect_min_s, max_delay=s.reconnect_max_s)  # type: ignore[arg-type]
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (retrying with back-off until the broker answers) and start the worker."""
        self._worker = threading.Thread(target=self._work, name="mqtt-ingest-worker", daemon=True)
        self._worker.start()
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=self.settings.keepalive_s)
        self._client.loop_start()
        log.info("MQTT ingest connecting to %s:%d as %s", self.settings.host, self.settings.port,
                 self.settings.username)

    def stop(self, timeout_s: float = 30.0) -> None:
        """Finish the message in hand, then disconnect; queued, un-PUBACKed messages stay with the broker."""
        self._stopping.set()
        self._queue.put(None)
        if self._worker is not None:
            self._worker.join(timeout_s)
        self._client.disconnect()
        self._client.loop_stop()
        with self._changed:
            self._subscribed = False
            self._changed.notify_all()

    def wait_until(self, predicate: Callable[[Counter[Outcome]], bool], timeout_s: float) -> bool:
        """Block until ``predicate(counts)`` holds (for tests, benchmarks and start-up checks)."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self.counts), timeout_s)

    def wait_subscribed(self, timeout_s: float, *, connection: int = 1) -> bool:
        """Block until the subscription is acknowledged on the ``connection``-th (or a later) connection."""
        with self._changed:
            return self._changed.wait_for(lambda: self._subscribed and self._connection >= connection, timeout_s)

    @property
    def connections(self) -> int:
        """How many times the broker has accepted this subscriber (reconnects included)."""
        return self._connection

    # -- paho callbacks (network thread: no database work here) ---------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: mqtt.ConnectFlags,
                    reason_code: ReasonCode, properties: object) -> None:
        if reason_code.is_failure:
            log.error("MQTT broker refused the ingest account: %s (retrying)", reason_code.getName())
            return
        with self._changed:
            self._connection += 1
        log.info("MQTT ingest connected (session present: %s)", flags.session_present)
        # Subscribing again is harmless with a kept session and needed when the broker lost it.
        client.subscribe(self.settings.subscription, qos=1)

    def _on_subscribe(self, client: mqtt.Client, userdata: object, mid: int, reason_codes: list[ReasonCode],
                      properties: object) -> None:
        if any(code.is_failure for code in reason_codes):
            log.error("MQTT broker refused the subscription to %s (check the ACL)", self.settings.subscription)
            return
        with self._changed:
            self._subscribed = True
            self._changed.notify_all()

    def _on_disconnect(self, client: mqtt.Client, userdata: object, flags: mqtt.DisconnectFlags,
                       reason_code: ReasonCode, properties: object) -> None:
        with self._changed:
            self._subscribed = False
            self._changed.notify_all()
        if not self._stopping.is_set():
            log.warning("MQTT ingest disconnected (%s); reconnecting with back-off", reason_code.getName())

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        now, payload = self._clock.now(), bytes(message.payload)
        # Parsed and validated here, on the network thread, while the worker waits on the database (the
        # drivers release the GIL): the two overlap. A failure here is left for the worker to meet and log.
        prepared: PreparedBatch | BatchError | None | object
        try:
            with self._app.app_context():
                prepared = prepare_message(payload, self._router, now)
        except Exception:  # noqa: BLE001 - never let a bad message end paho's network loop
            prepared = NOT_PREPARED
        self._queue.put(_Received(message.topic, payload, message.mid, message.qos, self._connection, now,
                                  prepared))

    # -- the worker -----------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None or self._stopping.is_set():
                return
            decision = self._decide(item)
            with self._changed:  # counted before the ack goes out, so whoever hears the ack sees the count
                self.counts[decision.outcome] += 1
                self._changed.notify_all()
            if decision.ack is not None and decision.ack_topic is not None:
                # After the commit: if this publish is lost, the device resends and hears "duplicate".
                self._client.publish(decision.ack_topic, decision.ack.model_dump_json(), qos=1)
            if item.qos and item.connection == self._connection:
                # PUBACK even refused and failed messages: the device, not the broker, is the queue of
                # record, and an un-PUBACKed message would hold one of the broker's in-flight slots.
                self._client.ack(item.mid, item.qos)

    def _decide(self, item: _Received) -> Decision:
        with self._app.app_context():
            try:
                return ingest_message(item.topic, item.payload, router=self._router, now=item.received_at,
                                      prepared=item.prepared)
            except Exception:  # a bug or a database outage must not end the subscriber
                log.exception("MQTT message on %s failed; rolled back, the device will resend", item.topic)
                db.session.rollback()
                return Decision(Outcome.FAILED)
            finally:
                db.session.remove()


def run_until_signalled(app: Flask) -> None:
    """``tuoyu mqtt-ingest``: run the subscriber until SIGTERM or SIGINT."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    ingest = MqttIngest(app)
    gc.collect()
    gc.freeze()  # the app's long-lived objects out of the collector's walk (see server/gunicorn_conf.py)
    ingest.start()
    try:
        stop.wait()
    finally:
        ingest.stop()
        log.info("MQTT ingest stopped: %s", dict(ingest.counts))
