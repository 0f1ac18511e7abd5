"""The MQTT uplink: a batch published to the device's topic, the server's ack awaited on its own (QoS 1)."""

from __future__ import annotations

import logging
import re
import ssl
import time
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import ValidationError

from devices.uplink import TransientError, Unauthorised
from devices.wire.protocol import DEVICE_ID_PATTERN, Ack, Batch, EventResult

log = logging.getLogger(__name__)

MQTT_AUTH_REFUSALS = frozenset({"Bad user name or password", "Not authorized"})
"""CONNACK reason names (MQTT 3.1.1 codes 4 and 5, as paho 2 names them) that mean "revoked device"."""


def mqtt_topics(centre: str, device_id: str) -> tuple[str, str]:
    """``(events topic, ack topic)``: the device publishes batches to the first, the server answers on the second."""
    for name, value in (("centre", centre), ("device_id", device_id)):
        if not re.fullmatch(DEVICE_ID_PATTERN, value):
            raise ValueError(f"{name} {value!r} cannot be used in an MQTT topic")
    return f"tuoyu/v1/{centre}/{device_id}/events", f"tuoyu/v1/{centre}/{device_id}/ack"


class MqttUplink:
    """Publish each batch (QoS 1) and wait for the *server's* :class:`Ack` on the ack topic.

    A broker PUBACK only means the broker has the message (and Mosquitto may drop
    queued messages, or lose them without persistence), so it is not delivery: an
    event leaves the outbox only when the server's ack names it. paho keeps unacked
    QoS 1 messages in memory only; the outbox is the real queue, so on every (re)connect
    paho's copies are dropped and nothing is published while disconnected.

    The client runs paho's network loop inside ``send()`` (no background thread): the
    device only talks while it has something to say, exactly like the HTTP uplink.
    Session: client id = device id, ``clean_session=False``, username = device id,
    password = device token.
    """

    def __init__(self, host: str, port: int, *, centre: str, device_id: str, token: str | None = None,
                 tls: ssl.SSLContext | None = None, ack_timeout_s: float = 15.0,
                 connect_timeout_s: float = 10.0, keepalive_s: int = 60) -> None:
        self.events_topic, self.ack_topic = mqtt_topics(centre, device_id)
        self._host, self._port, self._keepalive = host, port, keepalive_s
        self._ack_timeout, self._connect_timeout = ack_timeout_s, connect_timeout_s
        self._device_id = device_id
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device_id, clean_session=False,
                                   protocol=mqtt.MQTTv311, reconnect_on_failure=False)
        if tls is not None:
            self._client.tls_set_context(tls)
        self.set_token(token)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        self._connack: ReasonCode | None = None
        self._suback: int | None = None
        self._waiting: set[str] = set()
        self._results: dict[str, EventResult] = {}

    def set_token(self, token: str | None) -> None:
        """Use a new device token from the next connection on."""
        if token is not None:
            self._client.username_pw_set(self._device_id, token)
        if self._client.is_connected():
            self._client.disconnect()

    # paho callbacks (run inside loop(), i.e. inside send(), on the caller's thread)

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: mqtt.ConnectFlags,
                    reason_code: ReasonCode, properties: object) -> None:
        self._connack = reason_code
        if not reason_code.is_failure:
            client.drop_out_messages()  # the outbox resends what matters; paho's memory is not a queue

    def _on_subscribe(self, client: mqtt.Client, userdata: object, mid: int, reason_codes: list[ReasonCode],
                      properties: object) -> None:
        if all(not code.is_failure for code in reason_codes):
            self._suback = mid

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        try:
            ack = Ack.model_validate_json(message.payload)
        except ValidationError:
            log.warning("unreadable ack on %s ignored", message.topic)
            return
        for result in ack.results:
            if result.key in self._waiting:
                self._results[result.key] = result

    def _pump_until(self, done: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            rc = self._client.loop(timeout=min(0.05, remaining))
            if rc != mqtt.MQTT_ERR_SUCCESS and not done():
                raise TransientError(f"MQTT connection lost ({mqtt.error_string(rc)})")
        return True

    def _connect(self) -> None:
        if self._client.is_connected():
            # Notice a connection the broker closed while we were idle.
            self._client.loop(timeout=0)
            if self._client.is_connected():
                return
        self._connack, self._suback = None, None
        try:
            self._client.connect(self._host, self._port, keepalive=self._keepalive)
        except (OSError, ValueError) as exc:
            raise TransientError(f"MQTT broker unreachable: {exc}") from exc
        if not self._pump_until(lambda: self._connack is not None, self._connect_timeout):
            self._client.disconnect()
            raise TransientError("MQTT broker sent no CONNACK")
        assert self._connack is not None
        if self._connack.is_failure:
            self._client.disconnect()
            if self._connack.getName() in MQTT_AUTH_REFUSALS:
                raise Unauthorised(f"MQTT broker refused the device: {self._connack.getName()}")
            raise TransientError(f"MQTT broker refused the connection: {self._connack.getName()}")
        result, mid = self._client.subscribe(self.ack_topic, qos=1)
        if result != mqtt.MQTT_ERR_SUCCESS or not self._pump_until(lambda: self._suback == mid,
                                                                    self._connect_timeout):
            self._client.disconnect()
            raise TransientError("could not subscribe to the ack topic")

    def send(self, batch: Batch) -> Ack:
        """Publish the batch and return the server's answers received within ``ack_timeout_s``.

        Events the server has not answered in time are left out of the returned ack
        (the deliverer requeues them); no answer at all is a :class:`TransientError`.
        """
        self._connect()
        self._waiting, self._results = set(batch.keys), {}
        info = self._client.publish(self.events_topic, batch.model_dump_json(), qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise TransientError(f"MQTT publish failed ({mqtt.error_string(info.rc)})")
        try:
            self._pump_until(lambda: self._waiting <= self._results.keys(), self._ack_timeout)
        finally:
            results, self._waiting, self._results = list(self._results.values()), set(), {}
        if not results:
            raise TransientError(f"no ack from the server within {self._ack_timeout:g} s")
        return Ack(results=results)

    def close(self) -> None:
        """Disconnect (the broker keeps the session: acks sent meanwhile wait for the next connection)."""
        if self._client.is_connected():
            self._client.disconnect()
