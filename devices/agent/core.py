"""The sensor and safety-monitor agent: read sensors on schedule, watch safety inputs, fill the outbox, deliver.

One :meth:`Agent.step` does everything once, in this order, and never sleeps:

1. poll the safety inputs; each debounced change becomes a ``safety.*`` event (priority) and is
   sent at once, ahead of any queued readings;
2. read every sensor whose interval is due; each sample becomes a ``reading`` event (a fault
   becomes a fault reading, never a value; the same raw sample N times in a row is a ``stuck`` fault);
3. every ``heartbeat_s``, a ``heartbeat`` event with version, uptime, sensor health and outbox depth;
4. deliver: batches of up to ``batch_size`` events until the outbox is empty or delivery backs off.

:meth:`Agent.run_forever` runs the same parts in three threads (safety inputs every few ms, sensors,
delivery) so that a slow sensor (a DS18B20 conversion takes 750 ms) or a network timeout never
delays noticing a panic button. Time comes from the injected clock throughout.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from devices.agent.fakes import WorldDoors
from devices.agent.uv import UvInterlock
from devices.agent.watchdog import Watchdog
from devices.delivery import Deliverer, Outcome
from devices.outbox import Outbox
from devices.uplink import Uplink
from devices.wire.hygiene import CabinetPayload, WindowPayload
from devices.wire.protocol import EventKind
from devices.wire.readings import (
    FaultCode,
    HeartbeatPayload,
    Quantity,
    ReadingPayload,
    SafetyPayload,
    SensorHealth,
    SensorStatus,
    out_of_range,
)
from hardware.clock import Clock
from hardware.gpio import InputKind, SafetyEvent, SafetyInputs, SafetyWorld
from hardware.sensors import kinds as sensor_kinds
from hardware.sensors.base import Sample, SensorFault
from hardware.sensors.factory import OpenedSensor
from hardware.sensors.world import World

log = logging.getLogger(__name__)

NOT_READY_RETRY_S = 5.0
"""A sensor still warming up is asked again this soon, not after its whole interval."""
MAX_BATCHES_PER_STEP = 20
"""Batches one step may send before it returns (10 000 events), so a backlog cannot starve the sensors."""


def wire_values(values: Mapping[sensor_kinds.Quantity, float]) -> dict[Quantity, float]:
    """A driver's sample in the wire's quantities (the same names: hardware keeps its own enum, the agent translates)."""
    return {Quantity(quantity.value): value for quantity, value in values.items()}


def wire_fault(fault: sensor_kinds.FaultCode) -> FaultCode:
    """A driver's fault code as the wire says it."""
    return FaultCode(fault.value)


def agent_version() -> str:
    """The installed package's version (sent in heartbeats)."""
    try:
        return version("tuoyu")
    except PackageNotFoundError:
        return "0.0.0+unknown"


@dataclass
class SensorState:
    """What the agent knows about one sensor between reads."""

    opened: OpenedSensor
    next_due: float
    status: str = "not_ready"  # ok | fault | not_ready, as in SensorHealth
    fault: FaultCode | None = None
    last_ok_at: datetime | None = None
    last_raw: tuple[int, ...] | None = None
    same_raw: int = 0
    not_ready_since: float | None = None

    @property
    def health(self) -> SensorHealth:
        """For the heartbeat."""
        return SensorHealth(status=self.status, fault=self.fault,  # type: ignore[arg-type]
                            last_ok_at=self.last_ok_at)


@dataclass(frozen=True)
class SafetyMeta:
    """Where a safety input is and its label for people."""

    location: str
    label: str | None = None


@dataclass(frozen=True)
class HygieneMeta:
    """Where a hygiene input is (issue #18): a window's or motion sensor's room, a cabinet's location."""

    room_id: int | None = None
    location: str | None = None  # cabinets: "kitchen" or "room:<id>"


@dataclass
class StepReport:
    """What one step did (for tests and logs)."""

    safety: list[str] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)
    heartbeat: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    uv: list[str] = field(default_factory=list)


class Agent:
    """Sensors, safety inputs, outbox and deliverer of one Pi, driven by ``step()`` or ``run_forever()``."""

    def __init__(self, *, clock: Clock, outbox: Outbox, uplink: Uplink, sensors: list[OpenedSensor],
                 safety: SafetyInputs | None = None, safety_meta: dict[str, SafetyMeta] | None = None,
                 rng: random.Random | None = None, heartbeat_s: float = 60.0, batch_size: int = 500,
                 not_ready_grace_s: float = 300.0, safety_poll_s: float = 0.01,
                 on_close: Callable[[], None] | None = None, world: World | None = None,
                 safety_world: SafetyWorld | None = None, hygiene_meta: dict[str, HygieneMeta] | None = None,
                 uv_lamps: list[UvInterlock] | None = None, watchdog: Watchdog | None = None) -> None:
        self.clock = clock
        self.outbox = outbox
        self.uplink = uplink
        self.deliverer = Deliverer(outbox, uplink, clock, rng or random.Random(), batch_size=batch_size)
        self.safety = safety
        self.safety_meta = safety_meta or {}
        self.hygiene_meta = hygiene_meta or {}
        self.uv_lamps = list(uv_lamps or [])
        """The UV lamps' interlocks (issue #18), stepped in :meth:`step_uv`."""
        self.watchdog = watchdog if watchdog is not None else Watchdog()
        """systemd's service watchdog (no-op outside systemd): pinged only by the loop that runs the interlocks."""
        self.heartbeat_s = heartbeat_s
        self.not_ready_grace_s = not_ready_grace_s
        self.safety_poll_s = safety_poll_s
        self.version = agent_version()
        self.started_at = clock.now()
        self._started_mono = clock.monotonic()
        self._next_heartbeat = self._started_mono
        self.sensors = {opened.spec.id: SensorState(opened, self._started_mono) for opened in sensors}
        self._on_close = on_close
        self._wake = threading.Event()
        self.world = world
        """The simulated world behind fake sensors (None over real hardware)."""
        self.safety_world = safety_world
        """Drives fake safety inputs like their wiring would (None over real GPIO)."""
        self.world_doors: WorldDoors | None = None
        """In a simulation, opens the fake door contacts when the world opens a door."""

    # -- one step -----------------------------------------------------------------------------

    def step(self) -> StepReport:
        """Safety inputs (sent at once), due sensors, heartbeat, then delivery; never sleeps."""
        report = StepReport()
        report.safety = self.poll_safety()
        report.uv = self.step_uv()
        if report.safety or report.uv:
            report.outcomes += self.deliver(priority_only=True)
        report.readings = self.read_due_sensors()
        report.heartbeat = self.heartbeat_if_due()
        report.outcomes += self.deliver()
        return report

    def poll_safety(self) -> list[str]:
        """Turn each debounced safety input change into a priority ``safety.*`` event; returns their keys."""
        if self.safety is None:
            return []
        if self.world_doors is not None:
            self.world_doors.tick()
        keys = []
        for change in self.safety.poll():
            key = self._put_safety(change)
            if key is not None:
                keys.append(key)
        if keys:
            self._wake.set()
        return keys

    def step_uv(self) -> list[str]:
        """One step of every UV lamp's interlock (poll if due, switch); returns the keys of its events."""
        keys: list[str] = []
        for lamp in self.uv_lamps:
            keys += lamp.step()  # never raises: the interlock switches off on any error itself
        if keys:
            self._wake.set()
        return keys

    def _put_safety(self, change: SafetyEvent) -> str | None:
        if change.kind in (InputKind.WINDOW, InputKind.CABINET, InputKind.MOTION):
            return self._put_hygiene(change)
        meta = self.safety_meta.get(change.name, SafetyMeta("unknown"))
        payload = SafetyPayload(input=change.name, location=meta.location, state=change.state,  # type: ignore[arg-type]
                                label=meta.label)
        event = self.outbox.put(EventKind(f"safety.{change.kind.value}"), payload.model_dump(mode="json"),
                                priority=True)
        log.info("safety %s %s: %s", change.kind.value, change.name, change.state)
        return event.key

    def _put_hygiene(self, change: SafetyEvent) -> str | None:
        """A window edge → ``hygiene.window``, a cabinet edge → ``hygiene.cabinet``; motion feeds the interlocks."""
        meta = self.hygiene_meta.get(change.name, HygieneMeta())
        if change.kind is InputKind.MOTION:
            if change.state == "motion":
                for lamp in self.uv_lamps:
                    if lamp.config.motion_input == change.name:
                        lamp.note_motion(change.at)
            return None
        if change.kind is InputKind.WINDOW:
            if meta.room_id is None:
                log.warning("window input %s has no room", change.name)
                return None
            payload: WindowPayload | CabinetPayload = WindowPayload(
                input=change.name, room_id=meta.room_id, state=change.state)  # type: ignore[arg-type]
            kind = EventKind.HYGIENE_WINDOW
        else:
            payload = CabinetPayload(input=change.name, location=meta.location or "kitchen",
                                     state="started" if change.state == "running" else "ended")
            kind = EventKind.HYGIENE_CABINET
        log.info("hygiene %s %s: %s", change.kind.value, change.name, change.state)
        return self.outbox.put(kind, payload.model_dump(mode="json"), priority=False).key

    def read_due_sensors(self) -> list[str]:
        """Read every sensor whose time has come; returns the keys of the reading events made."""
        keys = []
        for state in self.sensors.values():
            if self.clock.monotonic() + 1e-9 < state.next_due:
                continue
            key = self._read(state)
            if key is not None:
                keys.append(key)
        if keys:
            self._wake.set()
        return keys

    def _read(self, state: SensorState) -> str | None:
        spec, now = state.opened.spec, self.clock.monotonic()
        try:
            state.opened.tick()
            sample = state.opened.driver.read()
            self._check_stuck(state, sample)
            values = wire_values(sample.values)
            # The drivers check already (hardware.sensors.base.checked); this guards one that forgot,
            # before the sample counts as good.
            if out_of_range(values):
                raise SensorFault(sensor_kinds.FaultCode.OUT_OF_RANGE)
        except SensorFault as fault:
            return self._fault(state, fault, now)
        except Exception as exc:  # a driver bug must not stop the agent; the sensor shows as faulty
            log.exception("sensor %s: unexpected error", spec.id)
            return self._fault(state, SensorFault(sensor_kinds.FaultCode.DISCONNECTED, f"{type(exc).__name__}: {exc}"), now)
        state.next_due = self._after(state.next_due, spec.interval_s, now)
        state.status, state.fault, state.not_ready_since = "ok", None, None
        state.last_ok_at = self.clock.now()
        payload = ReadingPayload(sensor=spec.id, model=state.opened.driver.model, location=spec.location,
                                 values=values)
        return self.outbox.put(EventKind.READING, payload.model_dump(mode="json")).key

    def _check_stuck(self, state: SensorState, sample: Sample) -> None:
        limit = state.opened.spec.stuck_after
        if not limit or not sample.raw:
            return
        state.same_raw = state.same_raw + 1 if sample.raw == state.last_raw else 1
        state.last_raw = sample.raw
        if state.same_raw >= limit:
            raise SensorFault(sensor_kinds.FaultCode.STUCK, f"the same raw sample {state.same_raw} times in a row")

    def _fault(self, state: SensorState, fault: SensorFault, now: float) -> str | None:
        spec, code = state.opened.spec, wire_fault(fault.fault)
        if code is FaultCode.NOT_READY:
            if state.not_ready_since is None:
                state.not_ready_since = now
            if now - state.not_ready_since < self.not_ready_grace_s:
                # Warming up: no event, ask again soon; the heartbeat shows "not_ready".
                state.status, state.fault = "not_ready", FaultCode.NOT_READY
                state.next_due = now + min(NOT_READY_RETRY_S, spec.interval_s)
                return None
        else:
            state.not_ready_since = None
        state.status, state.fault = "fault", code
        state.next_due = self._after(state.next_due, spec.interval_s, now)
        log.warning("sensor %s: %s (%s)", spec.id, code.value, fault)
        payload = ReadingPayload(sensor=spec.id, model=state.opened.driver.model, location=spec.location,
                                 status=SensorStatus.FAULT, fault=code)
        return self.outbox.put(EventKind.READING, payload.model_dump(mode="json")).key

    @staticmethod
    def _after(due: float, interval: float, now: float) -> float:
        """Keep a steady cadence; after a long stall start again from now instead of catching up."""
        following = due + interval
        return following if following > now else now + interval

    def heartbeat_if_due(self) -> str | None:
        """Every ``heartbeat_s`` (the first at start): version, uptime, sensor health, outbox depth."""
        now = self.clock.monotonic()
        if now + 1e-9 < self._next_heartbeat:
            return None
        self._next_heartbeat = self._after(self._next_heartbeat, self.heartbeat_s, now)
        return self.outbox.put(EventKind.HEARTBEAT, self.heartbeat_payload().model_dump(mode="json")).key

    def heartbeat_payload(self) -> HeartbeatPayload:
        """What the next heartbeat says."""
        return HeartbeatPayload(
            version=self.version, uptime_s=int(self.clock.monotonic() - self._started_mono),
            sensors={sensor_id: state.health for sensor_id, state in self.sensors.items()},
            outbox_pending=self.outbox.pending_count(), outbox_dead=self.outbox.dead_count(),
            started_at=self.started_at,
        )

    def deliver(self, *, priority_only: bool = False, max_batches: int = MAX_BATCHES_PER_STEP) -> list[Outcome]:
        """Run the deliverer until nothing is left, it backs off, or ``max_batches`` were sent."""
        outcomes = []
        for _ in range(max_batches):
            if priority_only and self.outbox.last_priority_sequence() is None:
                break
            outcome = self.deliverer.step()
            outcomes.append(outcome)
            if outcome not in (Outcome.DELIVERED, Outcome.REFUSED):
                break
        return outcomes

    # -- production loop ----------------------------------------------------------------------

    def run_forever(self, stop_event: threading.Event, *, delivery_poll_s: float = 1.0) -> None:
        """Run until ``stop_event`` is set: safety inputs, sensors and delivery each on their own thread."""
        recovered = self.outbox.recover()
        if recovered:
            log.info("recovered %d events a crash left in sending", recovered)
        threads = [threading.Thread(target=self._safety_loop, args=(stop_event,), name="agent-safety", daemon=True),
                   threading.Thread(target=self._delivery_loop, args=(stop_event, delivery_poll_s),
                                    name="agent-delivery", daemon=True)]
        if self.uv_lamps:
            threads.append(threading.Thread(target=self._uv_loop, args=(stop_event,), name="agent-uv", daemon=True))
        for thread in threads:
            thread.start()
        self.watchdog.ready(f"{len(self.sensors)} sensors, {len(self.uv_lamps)} UV lamps")
        try:
            while not stop_event.is_set():
                self._guarded(self.read_due_sensors)
                self._guarded(self.heartbeat_if_due)
                if not self.uv_lamps:  # no interlock to guard: the sensor loop proves the agent alive
                    self.watchdog.ping()
                stop_event.wait(self._seconds_to_next_due())
        finally:
            self.watchdog.stopping()
            stop_event.set()
            self._wake.set()
            for thread in threads:
                thread.join(30)

    def _uv_loop(self, stop_event: threading.Event) -> None:
        # Once a second: the minutes run out on time, and a stale answer is noticed within a second. The poll
        # itself runs only every lamp's poll_s (an HTTP call may take up to the uplink timeout: its own thread
        # keeps that from delaying the safety inputs).
        try:
            while not stop_event.is_set():
                self._guarded(self.step_uv)
                # The only WATCHDOG=1 of an agent with lamps: a hung interlock stops them, systemd restarts the
                # agent (WatchdogSec=), and the restart drives every relay off (docs/uv-lamp.md).
                self.watchdog.ping()
                stop_event.wait(1.0)
        finally:
            for lamp in self.uv_lamps:
                self._guarded(lamp.close)

    def _safety_loop(self, stop_event: threading.Event) -> None:
        while not stop_event.is_set():
            self._guarded(self.poll_safety)
            stop_event.wait(self.safety_poll_s)

    def _delivery_loop(self, stop_event: threading.Event, poll_s: float) -> None:
        while not stop_event.is_set():
            outcomes = self._guarded(self.deliver) or []
            if outcomes and outcomes[-1] in (Outcome.DELIVERED, Outcome.REFUSED):
                continue  # more is waiting
            self._wake.wait(min(poll_s, max(0.05, self.deliverer.seconds_until_next_attempt())))
            self._wake.clear()

    def _guarded(self, part: Callable[[], Any]) -> Any:
        try:
            return part()
        except Exception:  # a full disk or a bug must not end the agent; it logs and tries again
            log.exception("agent %s failed", getattr(part, "__name__", part))
            return None

    def _seconds_to_next_due(self) -> float:
        now = self.clock.monotonic()
        dues = [state.next_due for state in self.sensors.values()] + [self._next_heartbeat]
        return min(1.0, max(0.01, min(dues) - now))

    def close(self) -> None:
        """Close sensors, safety inputs, uplink and outbox."""
        for state in self.sensors.values():
            try:
                state.opened.close()
            except Exception:
                log.exception("closing sensor %s", state.opened.spec.id)
        for lamp in self.uv_lamps:
            try:
                lamp.close()
            except Exception:
                log.exception("closing UV lamp %s", lamp.config.name)
            lamp.relay.close()
        if self.safety is not None:
            self.safety.close()
        self.uplink.close()
        self.outbox.close()
        if self._on_close is not None:
            self._on_close()


