"""The UV lamp's interlock (issue #18): the lamp never runs with children in the room.

The agent polls the server's :data:`~devices.wire.hygiene.UV_STATE_PATH` for the room's
:class:`~devices.wire.hygiene.UvRoomState` every ``poll_s`` seconds and trusts an answer for at most
:data:`~devices.wire.hygiene.PRESENCE_MAX_AGE_S` seconds after it *arrived* (the agent's monotonic clock,
so a server clock that is off does not matter). :meth:`UvInterlock.step` then decides, in this order:

* lamp on: off at once when a new answer has ``children_present > 0`` (``children_present``), the motion
  sensor saw movement (``motion``), the last answer grew stale (``presence_stale``), the request says stop
  (``stopped``), the minutes ran out (``done``), or the relay cannot be driven (``fault``);
* lamp off and a request it has not answered yet: on only if the answer is fresh, no child is present and
  no motion was seen for :data:`~devices.wire.hygiene.MOTION_QUIET_S`; otherwise ``refused`` with the
  reason. Each request is answered once (on or refused), never twice.

Every on, off and refusal is a ``hygiene.uv`` outbox event carrying what the agent believed. Fail safe
everywhere: no answer means no lamp, and any exception in a step switches the lamp off. At start the
relay is driven off; if the state file says a session was running (the agent crashed or lost power), an
``off`` with ``agent_restart`` closes that session on the server.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import httpx
from pydantic import ValidationError

from devices.outbox import Outbox
from devices.wire.hygiene import MOTION_QUIET_S, PRESENCE_MAX_AGE_S, UV_STATE_PATH, UvEndReason, UvPayload, UvRoomState
from devices.wire.protocol import EventKind
from hardware.clock import Clock
from hardware.relay import Relay, RelayFault

log = logging.getLogger(__name__)

DEFAULT_POLL_S = 5.0
"""How often the agent asks for the room's state: the worst-case delay of a check-in cutting the lamp off."""


class UvStateUnavailable(RuntimeError):
    """No usable answer from the server (network, 5xx, 404, an unreadable body)."""


class UvStateSource(Protocol):
    """Where the interlock gets the room's state from."""

    def fetch(self, room_id: int) -> UvRoomState:
        """The room's state now, or :class:`UvStateUnavailable`."""
        ...


class HttpUvStateSource:
    """``GET {server}/api/v1/devices/hygiene/rooms/<room>/uv`` with the device's bearer token."""

    def __init__(self, base_url: str, token: str, client: httpx.Client) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._client = client

    def fetch(self, room_id: int) -> UvRoomState:
        """One GET; anything but a valid 200 answer for this room raises :class:`UvStateUnavailable`."""
        try:
            response = self._client.get(self.base_url + UV_STATE_PATH.format(room_id=room_id),
                                        headers={"Authorization": f"Bearer {self._token}",
                                                 "Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise UvStateUnavailable(f"network: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise UvStateUnavailable(f"HTTP {response.status_code}")
        try:
            state = UvRoomState.model_validate_json(response.content)
        except ValidationError as exc:
            raise UvStateUnavailable(f"unreadable answer: {exc.error_count()} problems") from exc
        if state.room_id != room_id:
            raise UvStateUnavailable(f"answer for room {state.room_id}, asked for {room_id}")
        return state


@dataclass(frozen=True)
class UvLampConfig:
    """One room's UV lamp on this agent."""

    name: str  # the agent's name for the relay, e.g. "uv-room3"
    room_id: int
    pin: int
    active_high: bool = True
    motion_input: str | None = None  # the motion input (hygiene_inputs) watching this room
    poll_s: float = DEFAULT_POLL_S


@dataclass
class _Session:
    request_id: int | None
    minutes: int
    started_mono: float
    started_at: datetime


class UvInterlock:
    """Drives one room's UV relay from the server's requests, refusing and cutting off as the module says."""

    def __init__(self, config: UvLampConfig, relay: Relay, outbox: Outbox, clock: Clock, source: UvStateSource,
                 *, state_file: Path | None = None, motion_active: Callable[[], bool] | None = None) -> None:
        self.config = config
        self.relay = relay
        self.outbox = outbox
        self.clock = clock
        self.source = source
        self.state_file = state_file
        self._motion_active = motion_active
        self.state: UvRoomState | None = None
        self._state_mono: float | None = None
        self._fresh_answer = False  # the current step brought a new answer
        self._next_poll = clock.monotonic()
        self.last_motion_mono: float | None = None
        self.last_motion_at: datetime | None = None
        self.session: _Session | None = None
        self.answered: set[int] = set()  # request ids answered (on or refused), and stop requests obeyed
        self.off_pending = False  # an off that failed (the board not answering): tried again every step
        self._start()

    # -- start ------------------------------------------------------------------------------------

    def _start(self) -> None:
        """Relay off whatever happened before; close a session the last run left open."""
        previous = self._load_state()
        self._try_off()
        if previous is not None:
            request_id = previous.get("request_id")
            request_id = request_id if isinstance(request_id, int) else None
            if request_id is not None:
                self.answered.add(request_id)  # a restart does not re-run the request it cut short
            self._emit("off", request_id=request_id, reason=UvEndReason.AGENT_RESTART)
        self._save_state()

    # -- inputs -----------------------------------------------------------------------------------

    def note_motion(self, at: datetime | None = None) -> None:
        """The motion sensor saw movement now."""
        self.last_motion_mono = self.clock.monotonic()
        self.last_motion_at = at or self.clock.now()

    @property
    def is_on(self) -> bool:
        """Whether a session is running (the relay is energised)."""
        return self.session is not None

    def presence_age_s(self) -> float | None:
        """Seconds since the last answer arrived (None: never)."""
        return None if self._state_mono is None else self.clock.monotonic() - self._state_mono

    def presence_fresh(self) -> bool:
        """Whether the last answer is young enough to trust."""
        age = self.presence_age_s()
        return age is not None and age <= PRESENCE_MAX_AGE_S

    def _sample_motion(self) -> None:
        """A PIR holds its output while it sees movement: every step that finds it high is movement now."""
        if self._motion_active is not None and self._motion_active():
            self.note_motion()

    def motion_recent(self) -> bool:
        """Movement within :data:`MOTION_QUIET_S` (or the sensor reads movement now)."""
        self._sample_motion()
        return self.last_motion_mono is not None and self.clock.monotonic() - self.last_motion_mono < MOTION_QUIET_S

    # -- one step ---------------------------------------------------------------------------------

    def step(self) -> list[str]:
        """Poll if due, then switch; returns the keys of the events made. Any exception: lamp off (fault)."""
        keys: list[str] = []
        try:
            self._off_while_idle()
            self._sample_motion()
            self._poll_if_due()
            keys += self._decide()
        except Exception:
            log.exception("uv %s: interlock step failed; lamp off", self.config.name)
            keys += self._fail_safe()
        return keys

    def _off_while_idle(self) -> None:
        """No session: the relay must read off. An off that failed is tried again every step until it holds."""
        if self.session is None and (self.off_pending or self.relay.is_on):
            self._try_off()

    def _poll_if_due(self) -> None:
        self._fresh_answer = False
        now = self.clock.monotonic()
        if now + 1e-9 < self._next_poll:
            return
        self._next_poll = now + self.config.poll_s
        try:
            state = self.source.fetch(self.config.room_id)
        except UvStateUnavailable as exc:
            log.warning("uv %s: no room state: %s", self.config.name, exc)
            return
        self.state, self._state_mono, self._fresh_answer = state, self.clock.monotonic(), True

    def _decide(self) -> list[str]:
        state, keys = self.state, []
        if self.session is not None:
            reason = self._cut_off_reason()
            if reason is not None:
                keys += self._switch_off(reason)
        if state is None or state.request is None:
            return keys
        request = state.request
        if request.stop:
            self.answered.add(request.id)
            return keys
        if request.id in self.answered:
            return keys
        self.answered.add(request.id)
        if self.session is not None:
            return keys + [self._emit("refused", request_id=request.id, reason=UvEndReason.BUSY)]
        refusal = self._refusal_reason()
        if refusal is not None:
            return keys + [self._emit("refused", request_id=request.id, reason=refusal)]
        return keys + self._switch_on(request.id, request.minutes)

    def _cut_off_reason(self) -> UvEndReason | None:
        session, state = self.session, self.state
        assert session is not None
        if self._fresh_answer and state is not None and state.children_present > 0:
            return UvEndReason.CHILDREN_PRESENT
        if self.motion_recent() and self.last_motion_mono is not None and self.last_motion_mono >= session.started_mono:
            return UvEndReason.MOTION
        if not self.presence_fresh():
            return UvEndReason.PRESENCE_STALE
        if state is not None and state.children_present > 0:
            return UvEndReason.CHILDREN_PRESENT
        if state is not None and state.request is not None and state.request.stop \
                and state.request.id == session.request_id:
            return UvEndReason.STOPPED
        if self.clock.monotonic() - session.started_mono + 1e-9 >= session.minutes * 60:
            return UvEndReason.DONE
        return None

    def _refusal_reason(self) -> UvEndReason | None:
        state = self.state
        if self.off_pending:  # the relay did not switch off last time: never switch it on
            return UvEndReason.FAULT
        if state is None or not self.presence_fresh():
            return UvEndReason.PRESENCE_STALE
        if state.children_present > 0:
            return UvEndReason.CHILDREN_PRESENT
        if self.motion_recent():
            return UvEndReason.MOTION
        return None

    # -- switching --------------------------------------------------------------------------------

    def _switch_on(self, request_id: int | None, minutes: int) -> list[str]:
        try:
            self.relay.set(True)
        except RelayFault:
            log.exception("uv %s: relay fault switching on", self.config.name)
            self._try_off()
            return [self._emit("refused", request_id=request_id, reason=UvEndReason.FAULT)]
        self.session = _Session(request_id, minutes, self.clock.monotonic(), self.clock.now())
        self._save_state()
        return [self._emit("on", request_id=request_id, minutes=minutes)]

    def _switch_off(self, reason: UvEndReason) -> list[str]:
        session = self.session
        assert session is not None
        if not self._try_off():
            reason = UvEndReason.FAULT
        self.session = None
        self._save_state()
        return [self._emit("off", request_id=session.request_id, reason=reason)]

    def _try_off(self) -> bool:
        """Drive the relay off; on failure remember it (``off_pending``), so every later step tries again."""
        try:
            self.relay.set(False)
        except Exception:
            log.exception("uv %s: cannot drive the relay off", self.config.name)
            self.off_pending = True
            return False
        self.off_pending = False
        return True

    def _fail_safe(self) -> list[str]:
        """After an unexpected error: lamp off, and the session (if any) ended as a fault."""
        self._try_off()
        if self.session is None:
            return []
        request_id, self.session = self.session.request_id, None
        try:
            self._save_state()
            return [self._emit("off", request_id=request_id, reason=UvEndReason.FAULT)]
        except Exception:
            log.exception("uv %s: cannot record the fault", self.config.name)
            return []

    def close(self) -> None:
        """Off at shutdown: a running session ends as ``agent_restart``."""
        if self.session is not None:
            self._switch_off(UvEndReason.AGENT_RESTART)  # the agent stops: its session ends with it
        self._try_off()

    # -- records ----------------------------------------------------------------------------------

    def _emit(self, lamp_state: str, *, request_id: int | None, reason: UvEndReason | None = None,
              minutes: int | None = None) -> str:
        state = self.state
        payload = UvPayload(
            lamp=self.config.name, room_id=self.config.room_id, state=lamp_state,  # type: ignore[arg-type]
            request_id=request_id, minutes=minutes, reason=reason,
            children_present=state.children_present if state is not None and self.presence_fresh() else None,
            last_motion_at=self.last_motion_at,
        )
        log.info("uv %s: %s %s", self.config.name, lamp_state, reason.value if reason else "")
        return self.outbox.put(EventKind.HYGIENE_UV, payload.model_dump(mode="json"), priority=True).key

    def _load_state(self) -> dict | None:
        if self.state_file is None or not self.state_file.exists():
            return None
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"request_id": None}  # unreadable: assume it was on (fail safe: an extra off is harmless)
        return data if isinstance(data, dict) and data.get("on") else None

    def _save_state(self) -> None:
        if self.state_file is None:
            return
        session = self.session
        data = {"on": session is not None, "request_id": session.request_id if session else None}
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.state_file)
