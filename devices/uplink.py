"""Delivery from the durable outbox to the server: at-least-once sends, exactly-once effect.

* An :class:`Uplink` sends one :class:`~devices.protocol.Batch` and returns the
  server's :class:`~devices.protocol.Ack`, or raises one of three errors that say
  what the deliverer should do: :class:`TransientError` (keep the events, back
  off, retry), :class:`Unauthorised` (stop sending: the device token is revoked),
  :class:`BatchRefused` (the server refuses this request as a whole).
  Two implementations: :class:`HttpUplink` and :class:`MqttUplink`.
* The :class:`Deliverer` owns the loop: claim a batch from the outbox, send it,
  settle every event by the server's answer, back off with full jitter on failure.
  ``step()`` never sleeps; time and randomness are injected.

An event leaves the outbox only when the *server* says it has it (``accepted`` or
``duplicate``); a broker's PUBACK or a TCP write is not delivery.
"""

from __future__ import annotations

import enum
import logging
import math
import random
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import ValidationError

from devices.outbox import Outbox
from devices.protocol import DEVICE_ID_PATTERN, REASON_PATTERN, Ack, AckStatus, Batch, EventResult
from hardware.clock import Clock

log = logging.getLogger(__name__)

EVENTS_PATH = "/api/v1/devices/events"

TRANSIENT_4XX = frozenset({404, 405, 408, 409, 425, 429})
"""4xx answers that say "not now / not here", not "this batch is wrong": keep the events and retry.

404/405 mean a wrong base URL or a server without the endpoint yet; dead-lettering a
whole queue for a configuration slip would be worse than waiting.
"""

AUTH_STATUSES = frozenset({401, 403})


# -- what an uplink may say --------------------------------------------------------------------


class UplinkError(Exception):
    """Base of everything an uplink raises instead of returning an ack."""


class TransientError(UplinkError):
    """The batch may not have arrived (network, timeout, 5xx, unreadable ack): retry later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unauthorised(UplinkError):
    """The server (or broker) refuses this device's credentials: stop sending until re-provisioned."""


class BatchRefused(UplinkError):
    """The server refuses the request as a whole (HTTP 400/413/422...): resending it unchanged is useless."""

    def __init__(self, reason: str, message: str | None = None, *, status: int | None = None) -> None:
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason
        self.message = message
        self.status = status


class Uplink(Protocol):
    """Sends one batch and returns the server's per-event answer."""

    def send(self, batch: Batch) -> Ack:
        """Deliver ``batch``; raise :class:`TransientError`, :class:`Unauthorised` or :class:`BatchRefused`."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


# -- HTTP --------------------------------------------------------------------------------------


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


def _error_body(response: httpx.Response) -> tuple[str | None, str | None]:
    """``(code, message)`` from the API's ``{"error": {"code", "message", "field"}}`` shape, if present."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None, None
    if not isinstance(error, dict):
        return None, None
    code, message = error.get("code"), error.get("message")
    return (code if isinstance(code, str) else None), (str(message)[:400] if message is not None else None)


class HttpUplink:
    """``POST {base_url}/api/v1/devices/events`` with the device's bearer token; the answer is an :class:`Ack`."""

    def __init__(self, base_url: str, token: str, client: httpx.Client | None = None, *,
                 timeout: float = 15.0) -> None:
        self.url = base_url.rstrip("/") + EVENTS_PATH
        self._token = token
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=timeout)

    def set_token(self, token: str) -> None:
        """Use a new device token (after re-provisioning); call ``Deliverer.resume()`` afterwards."""
        self._token = token

    def send(self, batch: Batch) -> Ack:
        """POST the batch and interpret the answer (see the module docstring for the mapping)."""
        try:
            response = self._client.post(
                self.url,
                content=batch.model_dump_json().encode("utf-8"),
                headers={
                    "Authorization": f"Bearer {self._token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
        except httpx.TransportError as exc:
            # Connection refused, timeouts, a connection dropped before the answer: the server
            # may or may not have stored the batch. Resending is safe because it deduplicates.
            raise TransientError(f"network: {type(exc).__name__}: {exc}") from exc
        return self._interpret(response)

    def _interpret(self, response: httpx.Response) -> Ack:
        status = response.status_code
        if 200 <= status < 300:
            try:
                return Ack.model_validate_json(response.content)
            except ValidationError as exc:
                raise TransientError(f"HTTP {status} with an unreadable ack: {exc.error_count()} problems") from exc
        code, message = _error_body(response)
        if status in AUTH_STATUSES:
            raise Unauthorised(f"HTTP {status} {code or ''}".strip())
        if 400 <= status < 500 and status not in TRANSIENT_4XX and code != "unsupported_protocol_version":
            reason = code if code and re.fullmatch(REASON_PATTERN, code) else f"http_{status}"
            detail = f"HTTP {status}" + (f": {message}" if message else "")
            raise BatchRefused(reason, detail, status=status)
        raise TransientError(f"HTTP {status} {code or ''}".strip(), retry_after=_retry_after(response))

    def close(self) -> None:
        """Close the HTTP client if this uplink made it."""
        if self._owns_client:
            self._client.close()


# -- MQTT --------------------------------------------------------------------------------------

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


# -- the delivery loop -------------------------------------------------------------------------


class DeliveryState(enum.StrEnum):
    """What the device screen shows about the uplink."""

    ONLINE = "online"
    OFFLINE = "offline"
    UNAUTHORISED = "unauthorised"


class Outcome(enum.StrEnum):
    """What one ``Deliverer.step()`` did."""

    IDLE = "idle"
    """Nothing to send."""
    BACKING_OFF = "backing_off"
    """A retry is not due yet; nothing was sent."""
    DELIVERED = "delivered"
    """The server answered; events were deleted / dead-lettered / requeued per its answer."""
    RETRY = "retry"
    """Sending failed transiently; everything was requeued and a back-off started."""
    REFUSED = "refused"
    """The server refused the request as a whole (a single event was dead-lettered, or a batch is being split)."""
    UNAUTHORISED = "unauthorised"
    """The device is not (or no longer) authorised; nothing is sent until ``resume()`` or the next probe."""


@dataclass(frozen=True)
class DeliveryStatus:
    """Everything the "offline, N waiting" banner and the device status page need."""

    state: DeliveryState
    pending: int
    dead: int
    last_success_at: datetime | None
    oldest_pending_age: timedelta | None
    next_attempt_in_s: float
    last_error: str | None


@dataclass
class Backoff:
    """Exponential back-off with full jitter: the n-th delay is uniform in [0, min(cap, base * 2**n)]."""

    rng: random.Random
    base_s: float = 1.0
    cap_s: float = 300.0
    failures: int = 0

    def next_delay(self) -> float:
        """Record one more failure and return how long to wait before the next attempt."""
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.failures, 60))
        self.failures += 1
        return self.rng.uniform(0.0, ceiling)

    def reset(self) -> None:
        """Forget past failures (after a success)."""
        self.failures = 0


class Deliverer:
    """Moves events from an :class:`Outbox` to the server through an :class:`Uplink`, one ``step()`` at a time."""

    def __init__(self, outbox: Outbox, uplink: Uplink, clock: Clock, rng: random.Random, *,
                 batch_size: int = 100, backoff_base_s: float = 1.0, backoff_cap_s: float = 300.0,
                 unauthorised_probe_s: float | None = 3600.0) -> None:
        if not 1 <= batch_size <= 500:
            raise ValueError("batch_size must be within 1..500")
        self._outbox = outbox
        self._uplink = uplink
        self._clock = clock
        self._backoff = Backoff(rng, backoff_base_s, backoff_cap_s)
        self._batch_size = batch_size
        self._probe_s = unauthorised_probe_s
        self._state = DeliveryState.OFFLINE
        self._next_attempt = -math.inf
        self._last_success_at: datetime | None = None
        self._last_error: str | None = None
        self._priority_tried = 0
        self._isolate = 0

    # -- one step -----------------------------------------------------------------------------

    def step(self) -> Outcome:
        """Send at most one batch if one is due. See :class:`Outcome` for the result.

        Never sleeps: it blocks only inside the uplink's network call, which the
        uplink's own timeout bounds.
        """
        now = self._clock.monotonic()
        newest_priority = self._outbox.last_priority_sequence()
        if self._state is DeliveryState.UNAUTHORISED:
            if now < self._next_attempt:
                return Outcome.UNAUTHORISED
        elif now < self._next_attempt and (newest_priority is None or newest_priority <= self._priority_tried):
            # In a back-off; only a new safety event gets one attempt straight away.
            return Outcome.BACKING_OFF

        limit = 1 if self._isolate else self._batch_size
        if newest_priority is not None:
            # Safety events travel first and alone: a small request, not queued behind readings.
            events = self._outbox.claim(limit, priority_only=True)
            self._priority_tried = max([self._priority_tried, *(event.sequence for event in events)])
        else:
            events = self._outbox.claim(limit)
        if not events:
            return Outcome.IDLE
        keys = [event.key for event in events]
        try:
            batch = Batch(device_id=self._outbox.device_id, sent_at=self._clock.now(), events=events)
            ack = self._uplink.send(batch)
        except Unauthorised as exc:
            self._outbox.release(keys)
            self._state = DeliveryState.UNAUTHORISED
            self._last_error = str(exc)
            self._next_attempt = now + self._probe_s if self._probe_s is not None else math.inf
            log.warning("uplink unauthorised (%s): sending stopped, %d events kept", exc, len(keys))
            return Outcome.UNAUTHORISED
        except BatchRefused as exc:
            self._state = DeliveryState.ONLINE  # the server is there and talking
            self._last_error = str(exc)
            if len(events) > 1:
                # One bad event may spoil a whole batch: resend these one by one to find it.
                self._outbox.release(keys)
                self._isolate = len(events)
                return Outcome.REFUSED
            self._outbox.dead_letter(keys[0], exc.reason, exc.message)
            self._isolate = max(0, self._isolate - 1)
            log.warning("event %s dead-lettered: %s", keys[0], exc)
            return Outcome.REFUSED
        except TransientError as exc:
            self._outbox.release(keys)
            self._failed(now, str(exc), exc.retry_after)
            return Outcome.RETRY
        except BaseException:
            self._outbox.release(keys)
            raise
        self._settle(now, keys, ack)
        if self._isolate:
            self._isolate -= 1
        return Outcome.DELIVERED

    def _settle(self, now: float, keys: list[str], ack: Ack) -> None:
        sent = set(keys)
        acked: list[str] = []
        dead: dict[str, tuple[str, str | None]] = {}
        for result in ack.results:
            if result.key not in sent:
                log.warning("ack names key %s that was not in the batch; ignored", result.key)
            elif result.status is AckStatus.REJECTED:
                dead[result.key] = (result.reason or "rejected", result.message)
            else:
                acked.append(result.key)
        missing = [key for key in keys if key not in dead and key not in acked]
        self._outbox.settle(acked=acked, released=missing, dead=dead)
        self._state = DeliveryState.ONLINE
        self._last_success_at = self._clock.now()
        if missing:
            # A server that leaves events unanswered gets them again, but not in a hot loop.
            self._failed(now, f"ack left {len(missing)} of {len(keys)} events unanswered", None,
                         state=DeliveryState.ONLINE)
        else:
            self._last_error = None
            self._backoff.reset()
            self._next_attempt = -math.inf

    def _failed(self, now: float, error: str, retry_after: float | None, *,
                state: DeliveryState = DeliveryState.OFFLINE) -> None:
        delay = self._backoff.next_delay()
        if retry_after is not None:
            delay = max(delay, min(retry_after, self._backoff.cap_s))
        self._state = state
        self._last_error = error
        self._next_attempt = now + delay
        log.info("delivery failed (%s); next attempt in %.1f s", error, delay)

    # -- control and status -------------------------------------------------------------------

    def resume(self) -> None:
        """Leave the unauthorised state and try again now (after a new token was installed)."""
        self._state = DeliveryState.OFFLINE
        self._backoff.reset()
        self._next_attempt = -math.inf

    @property
    def state(self) -> DeliveryState:
        """``online``, ``offline`` (including "not yet in contact") or ``unauthorised``."""
        return self._state

    def seconds_until_next_attempt(self) -> float:
        """0 when a send is due now; ``inf`` when unauthorised without probing."""
        return max(0.0, self._next_attempt - self._clock.monotonic())

    def status(self) -> DeliveryStatus:
        """A snapshot for the UI."""
        return DeliveryStatus(
            state=self._state,
            pending=self._outbox.pending_count(),
            dead=self._outbox.dead_count(),
            last_success_at=self._last_success_at,
            oldest_pending_age=self._outbox.oldest_pending_age(),
            next_attempt_in_s=self.seconds_until_next_attempt(),
            last_error=self._last_error,
        )

    # -- production loop ----------------------------------------------------------------------

    def run_forever(self, stop_event: threading.Event, *, poll_interval_s: float = 1.0,
                    recover: bool = True) -> None:
        """Deliver until ``stop_event`` is set, waiting on the event (never ``time.sleep``).

        Recovers rows a previous crash left in ``sending`` first (unless ``recover=False``).
        Polls the outbox every ``poll_interval_s`` so new events, and new safety events
        during a back-off, are noticed promptly.
        """
        if recover:
            recovered = self._outbox.recover()
            if recovered:
                log.info("recovered %d events left in sending by a crash", recovered)
        while not stop_event.is_set():
            try:
                outcome = self.step()
            except Exception as exc:  # a bug or a full disk must not end delivery for good
                log.exception("delivery step failed")
                self._failed(self._clock.monotonic(), f"internal: {type(exc).__name__}: {exc}", None)
                outcome = Outcome.RETRY
                try:
                    self._outbox.recover()  # nothing is in flight now; requeue anything stranded
                except Exception:
                    log.exception("could not requeue stranded events")
            if outcome in (Outcome.DELIVERED, Outcome.REFUSED):
                continue  # more may be waiting: go again without waiting
            if outcome in (Outcome.IDLE, Outcome.UNAUTHORISED):
                stop_event.wait(poll_interval_s)
            else:
                stop_event.wait(min(poll_interval_s, self.seconds_until_next_attempt()))
