"""The delivery loop: claim a batch from the outbox, send it, settle every event by the server's answer.

An event leaves the outbox only when the *server* says it has it; failures back off with full jitter.
``step()`` never sleeps; time and randomness are injected.
"""

from __future__ import annotations

import enum
import logging
import math
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from devices.outbox import Outbox
from devices.uplink import BatchRefused, TransientError, Unauthorised, Uplink
from devices.wire.protocol import Ack, AckStatus, Batch
from hardware.clock import Clock

log = logging.getLogger(__name__)

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
