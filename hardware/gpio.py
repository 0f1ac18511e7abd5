"""Kiosk outputs (LEDs, buzzer, door relay) and safety inputs over gpiozero, timed by the injected clock.

gpiozero's own timing (``blink``, ``bounce_time``, ``when_held``) runs on background threads against
the real clock, so it can neither be tested without sleeping nor kept exact. Here gpiozero only sets
and reads levels; every duration is kept by our code against the injected Clock, advanced by the
kiosk loop through ``tick()`` / ``poll()``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Self, TypeVar

from hardware.clock import Clock

# Float seconds summed in steps (0.1 + 0.02) may land a hair short of a due time computed in one go.
_DUE_EPSILON_S = 1e-9

_Spec = TypeVar("_Spec")


def _from_mapping(cls: type[_Spec], mapping: Mapping[str, Any]) -> _Spec:
    """Build a frozen config dataclass from a mapping, refusing keys it does not know."""
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(mapping) - known
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys: {sorted(unknown)}; known: {sorted(known)}")
    return cls(**mapping)


# -- pin factories: the backend is chosen by configuration through this explicit table ----------


def _mock_factory() -> Any:
    from gpiozero.pins.mock import MockFactory

    return MockFactory()


class GPIOUnavailable(RuntimeError):
    """No GPIO library is importable on this machine."""


def _pi_factory() -> Any:
    # lgpio is the only gpiozero backend that works on a Pi 5 (gpiochip0 after the renumbering);
    # RPi.GPIO, or rpi-lgpio's drop-in for it, is the fallback on images without lgpio.
    try:
        from gpiozero.pins.lgpio import LGPIOFactory
    except ImportError:
        try:
            from gpiozero.pins.rpigpio import RPiGPIOFactory
        except ImportError as exc:
            raise GPIOUnavailable(
                "neither lgpio nor RPi.GPIO is importable: on the Pi, apt install python3-lgpio and "
                "create the venv with --system-site-packages (or pip install rpi-lgpio)"
            ) from exc
        return RPiGPIOFactory()
    return LGPIOFactory()


PIN_FACTORIES: dict[str, Callable[[], Any]] = {
    "fake": _mock_factory,
    "pi": _pi_factory,
}


def open_pin_factory(kind: str) -> Any:
    """A gpiozero pin factory: "fake" (MockFactory) or "pi" (lgpio, else RPi.GPIO); the caller closes it."""
    try:
        return PIN_FACTORIES[kind]()
    except KeyError:
        raise ValueError(f"unknown GPIO backend {kind!r}; expected one of {sorted(PIN_FACTORIES)}") from None


# -- kiosk outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KioskPins:
    """BCM pin numbers of the kiosk's outputs."""

    green_led: int = 17
    red_led: int = 27
    buzzer: int = 22  # an active buzzer: it sounds whenever the pin is driven
    relay: int = 23
    relay_active_high: bool = True  # False for the common relay boards that switch on a low input

    @classmethod
    def from_config(cls, mapping: Mapping[str, Any]) -> KioskPins:
        """From the ``gpio.pins`` config mapping."""
        return _from_mapping(cls, mapping)


@dataclass(frozen=True)
class SignalTimings:
    """How long each signal lasts, in milliseconds."""

    accept_led_ms: int = 1500
    accept_beep_ms: int = 120
    refuse_led_ms: int = 2000
    refuse_beeps_ms: tuple[int, ...] = (250, 150, 250)  # on, off, on...: a double beep
    door_release_ms: int = 3000
    # A door left released lets a toddler out unseen; no caller may hold it open longer than this.
    door_release_max_ms: int = 10000

    @classmethod
    def from_config(cls, mapping: Mapping[str, Any]) -> SignalTimings:
        """From the ``gpio.timings`` config mapping."""
        values = dict(mapping)
        if "refuse_beeps_ms" in values:
            values["refuse_beeps_ms"] = tuple(values["refuse_beeps_ms"])
        return _from_mapping(cls, values)


class KioskSignals:
    """Green/red LEDs, buzzer and door relay with exact, clock-driven durations; call ``tick()`` often."""

    DEVICES = ("green_led", "red_led", "buzzer", "relay")

    def __init__(
        self, pins: KioskPins, factory: Any, clock: Clock, timings: SignalTimings | None = None
    ) -> None:
        from gpiozero import LED, Buzzer, OutputDevice

        self.clock = clock
        self.timings = timings or SignalTimings()
        # Every level change, stamped with the injected clock, as (at, device, value); 1 = on/released.
        self.history: list[tuple[datetime, str, int]] = []
        self._pending: dict[str, list[tuple[float, int]]] = {name: [] for name in self.DEVICES}
        self._devices: dict[str, Any] = {}
        try:
            self._devices["green_led"] = LED(pins.green_led, pin_factory=factory)
            self._devices["red_led"] = LED(pins.red_led, pin_factory=factory)
            self._devices["buzzer"] = Buzzer(pins.buzzer, pin_factory=factory)
            self._devices["relay"] = OutputDevice(
                pins.relay, active_high=pins.relay_active_high, initial_value=False, pin_factory=factory
            )
        except Exception:
            self.close()
            raise

    def accept(self) -> None:
        """A valid scan: green on for a while with one short beep; red off."""
        t = self.timings
        self._start("red_led", [(0, 0)])
        self._start("green_led", [(0, 1), (t.accept_led_ms, 0)])
        self._start("buzzer", [(0, 1), (t.accept_beep_ms, 0)])

    def refuse(self) -> None:
        """A refused scan: red on for a while with a double beep; green off."""
        t = self.timings
        self._start("green_led", [(0, 0)])
        self._start("red_led", [(0, 1), (t.refuse_led_ms, 0)])
        steps, elapsed, level = [(0, 1)], 0, 1
        for span in t.refuse_beeps_ms:
            elapsed, level = elapsed + span, 1 - level
            steps.append((elapsed, level))
        if level:  # an odd pattern must still end silent
            steps.append((elapsed, 0))
        self._start("buzzer", steps)

    def release_door(self, duration_s: float | None = None) -> None:
        """Energise the door relay now and drop it after exactly ``duration_s`` (default: configured)."""
        duration_ms = self.timings.door_release_ms if duration_s is None else round(duration_s * 1000)
        if not 0 < duration_ms <= self.timings.door_release_max_ms:
            raise ValueError(
                f"door release of {duration_ms} ms is outside 1..{self.timings.door_release_max_ms} ms"
            )
        # A second release while open restarts the countdown: the relay stays on, no extra edge.
        self._start("relay", [(0, 1), (duration_ms, 0)])

    def tick(self) -> None:
        """Apply every change that has fallen due; a late tick jumps to the latest due level (no glitch)."""
        now = self.clock.monotonic() + _DUE_EPSILON_S
        for name, steps in self._pending.items():
            due = [level for at, level in steps if at <= now]
            if due:
                self._pending[name] = [(at, level) for at, level in steps if at > now]
                self._set(name, due[-1])

    def value(self, device: str) -> int:
        """The device's logical level now: 1 on (LED lit, buzzer sounding, door released), else 0."""
        return int(bool(self._devices[device].value))

    def history_for(self, device: str) -> list[tuple[datetime, int]]:
        """The (at, value) changes of one device, oldest first."""
        if device not in self.DEVICES:
            raise KeyError(device)
        return [(at, value) for at, name, value in self.history if name == device]

    @property
    def busy(self) -> bool:
        """True while some change is still scheduled."""
        return any(self._pending.values())

    def close(self) -> None:
        """Everything off (the door relay drops), then release the pins."""
        for name in list(self._devices):
            self._pending[name] = []
            self._set(name, 0)
            self._devices.pop(name).close()

    def __enter__(self) -> Self:
        """Use as a context manager so pins are always released."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Turn everything off and release the pins."""
        self.close()

    def _start(self, name: str, steps: Sequence[tuple[int, int]]) -> None:
        """Replace whatever the device was doing with ``steps`` of (ms from now, level)."""
        now = self.clock.monotonic()
        self._pending[name] = [(now + ms / 1000.0, level) for ms, level in steps]
        self.tick()

    def _set(self, name: str, level: int) -> None:
        device = self._devices[name]
        if int(bool(device.value)) == level:
            return  # like a pin's own record: only changes are history
        device.value = level
        self.history.append((self.clock.now(), name, level))


# -- safety inputs ------------------------------------------------------------------------------


class InputKind(StrEnum):
    """What an input watches: the safety inputs, and the hygiene inputs of issue #18."""

    DOOR = "door"
    SMOKE = "smoke"
    PANIC = "panic"
    WINDOW = "window"  # a window contact: ventilation periods
    CABINET = "cabinet"  # the disinfection cabinet's cycle contact
    MOTION = "motion"  # a PIR motion sensor: the UV lamp's interlock


SAFETY_KINDS = frozenset({InputKind.DOOR, InputKind.SMOKE, InputKind.PANIC})
HYGIENE_KINDS = frozenset({InputKind.WINDOW, InputKind.CABINET, InputKind.MOTION})


@dataclass(frozen=True)
class InputKindInfo:
    """How one kind of input is wired by default and how its two states are named."""

    active_state: str
    inactive_state: str
    # With the pull-up, a closed contact reads low. Door reed switches and smoke relays are wired
    # normally-closed so that a cut wire reads as "open"/"alarm" (active when high); the panic
    # button is a normally-open push button (active when low).
    active_low: bool


INPUT_KINDS: dict[InputKind, InputKindInfo] = {
    InputKind.DOOR: InputKindInfo("open", "closed", active_low=False),
    InputKind.SMOKE: InputKindInfo("alarm", "clear", active_low=False),
    InputKind.PANIC: InputKindInfo("pressed", "released", active_low=True),
    # Window reed contacts are wired normally-closed like doors: a cut wire reads "open" (no false airing
    # is possible the other way round: a cut wire shows a window open for ever, which a person notices).
    InputKind.WINDOW: InputKindInfo("open", "closed", active_low=False),
    # The cabinet's "heating/UV on" dry contact closes while a cycle runs (normally open: pulled low).
    InputKind.CABINET: InputKindInfo("running", "idle", active_low=True),
    # A PIR module drives its output high while it sees movement.
    InputKind.MOTION: InputKindInfo("motion", "still", active_low=False),
}


@dataclass(frozen=True)
class SafetyInputSpec:
    """One wired input: a name for people, what it watches, its BCM pin and debounce time."""

    name: str
    kind: InputKind
    pin: int
    active_low: bool | None = None  # None: the kind's default wiring
    stable_ms: int = 50  # a level must hold this long before it counts (contact bounce is 1-20 ms)

    @classmethod
    def from_config(cls, mapping: Mapping[str, Any]) -> SafetyInputSpec:
        """From one entry of the ``gpio.safety_inputs`` config list."""
        values = dict(mapping)
        if "kind" in values:
            values["kind"] = InputKind(values["kind"])
        return _from_mapping(cls, values)

    @property
    def is_active_low(self) -> bool:
        """Whether a low level means the active state (door open, alarm, pressed)."""
        return INPUT_KINDS[self.kind].active_low if self.active_low is None else self.active_low


@dataclass(frozen=True)
class SafetyEvent:
    """A debounced change of a safety input; ``at`` is when the new level was first seen."""

    kind: InputKind
    name: str
    state: str
    at: datetime


@dataclass
class _Debounce:
    spec: SafetyInputSpec
    device: Any
    stable: bool  # the reported state: True = active
    candidate: bool
    candidate_mono: float
    candidate_at: datetime


class SafetyInputs:
    """Door contacts, smoke relay and panic button as pulled-up gpiozero inputs, debounced in ``poll()``."""

    def __init__(self, inputs: Iterable[SafetyInputSpec], factory: Any, clock: Clock) -> None:
        # DigitalInputDevice is Button without HoldMixin: Button starts a hold thread per input, and
        # closing a pressed Button blocks for up to its hold_time (1 s). We need neither.
        from gpiozero import DigitalInputDevice

        self.clock = clock
        self.events: list[SafetyEvent] = []  # every event reported so far, oldest first
        self._inputs: dict[str, _Debounce] = {}
        try:
            for spec in inputs:
                if spec.name in self._inputs:
                    raise ValueError(f"two safety inputs named {spec.name!r}")
                # bounce_time stays None: gpiozero's debounce is thread-timed and the mock ignores it.
                device = DigitalInputDevice(spec.pin, pull_up=True, bounce_time=None, pin_factory=factory)
                # The level at start-up is the starting state, not an event: states() reports it.
                active = self._active(spec, device)
                self._inputs[spec.name] = _Debounce(
                    spec, device, active, active, clock.monotonic(), clock.now()
                )
        except Exception:
            self.close()
            raise

    def poll(self) -> list[SafetyEvent]:
        """Read every input once; report each level that has held for its ``stable_ms``. Call every few ms."""
        now_mono, now_at = self.clock.monotonic(), self.clock.now()
        fresh: list[SafetyEvent] = []
        for state in self._inputs.values():
            level = self._active(state.spec, state.device)
            if level != state.candidate:
                state.candidate, state.candidate_mono, state.candidate_at = level, now_mono, now_at
            held_s = now_mono - state.candidate_mono + _DUE_EPSILON_S
            if state.candidate != state.stable and held_s >= state.spec.stable_ms / 1000.0:
                state.stable = state.candidate
                fresh.append(
                    SafetyEvent(state.spec.kind, state.spec.name, self._name(state), state.candidate_at)
                )
        self.events.extend(fresh)
        return fresh

    def states(self) -> dict[str, str]:
        """The debounced state of every input by name, e.g. ``{"front_door": "closed"}``."""
        return {name: self._name(state) for name, state in self._inputs.items()}

    def close(self) -> None:
        """Release the pins."""
        for state in self._inputs.values():
            state.device.close()
        self._inputs.clear()

    def __enter__(self) -> Self:
        """Use as a context manager so pins are always released."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Release the pins."""
        self.close()

    @staticmethod
    def _active(spec: SafetyInputSpec, device: Any) -> bool:
        low = bool(device.is_active)  # pulled up, so gpiozero calls a low pin "active"
        return low if spec.is_active_low else not low

    @staticmethod
    def _name(state: _Debounce) -> str:
        info = INPUT_KINDS[state.spec.kind]
        return info.active_state if state.stable else info.inactive_state


class SafetyWorld:
    """World verbs for the fake: ``world.set("front_door", "open")`` drives the MockPin like the wiring."""

    def __init__(self, inputs: Iterable[SafetyInputSpec], factory: Any) -> None:
        self._specs = {spec.name: spec for spec in inputs}
        self._factory = factory

    def set(self, name: str, state: str) -> None:
        """Put input ``name`` into ``state`` (e.g. "open"/"closed", "alarm"/"clear", "pressed"/"released")."""
        spec = self._specs[name]
        info = INPUT_KINDS[spec.kind]
        if state not in (info.active_state, info.inactive_state):
            raise ValueError(f"{spec.kind} input has states {info.active_state!r}/{info.inactive_state!r}")
        low = (state == info.active_state) == spec.is_active_low
        pin = self._factory.pin(spec.pin)  # the very MockPin the input device holds
        if low:
            pin.drive_low()
        else:
            pin.drive_high()
