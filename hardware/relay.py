"""A switched load on a relay (the room's mobile UV lamp, issue #18), over gpiozero, timed by the injected clock.

gpiozero only sets and reads the level; every change is stamped by the injected clock in ``history``.
After each switch the driver reads the level back: a relay board that does not follow (a pin that
refuses, a library error) raises :class:`RelayFault`, and the caller treats the lamp as faulty (the
interlock then tries to switch it off and logs ``fault``).

The fake is gpiozero's MockFactory: :class:`BreakableMockPin` lets a test break the relay's pin so that
the next switch fails, the way a real board with a loose driver wire would be noticed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from gpiozero.pins.mock import MockPin

from hardware.clock import Clock
from hardware.gpio import _from_mapping


class RelayFault(RuntimeError):
    """The relay could not be driven to the level asked for."""


@dataclass(frozen=True)
class RelaySpec:
    """One relay output: a name for people, its BCM pin and the board's polarity."""

    name: str
    pin: int
    active_high: bool = True  # False for the common boards that switch on a low input

    @classmethod
    def from_config(cls, mapping: Mapping[str, Any]) -> RelaySpec:
        """From a config mapping (unknown keys refused)."""
        return _from_mapping(cls, mapping)


class Relay:
    """One relay output, off at start; ``set(True)`` energises it. Every change lands in ``history``."""

    def __init__(self, spec: RelaySpec, factory: Any, clock: Clock) -> None:
        from gpiozero import OutputDevice

        self.spec = spec
        self.clock = clock
        self.history: list[tuple[datetime, bool]] = []  # (at, on) for every change, oldest first
        # initial_value=False: whatever the pin held before (a crashed agent), the load starts off.
        self._device = OutputDevice(spec.pin, active_high=spec.active_high, initial_value=False,
                                    pin_factory=factory)

    @property
    def is_on(self) -> bool:
        """Whether the relay is energised now (read from the pin, not remembered)."""
        return bool(self._device.value)

    def set(self, on: bool) -> None:
        """Switch the load; :class:`RelayFault` if the pin cannot be driven or does not read back."""
        try:
            if bool(self._device.value) != on:
                self._device.value = on
                self.history.append((self.clock.now(), on))
            if bool(self._device.value) != on:
                raise RelayFault(f"relay {self.spec.name}: reads {'on' if not on else 'off'} after switching")
        except RelayFault:
            raise
        except Exception as exc:
            raise RelayFault(f"relay {self.spec.name}: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        """Off (best effort), then release the pin."""
        try:
            self.set(False)
        except RelayFault:
            pass
        self._device.close()

    def __enter__(self) -> Self:
        """Use as a context manager so the load is always switched off."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Switch off and release the pin."""
        self.close()


class BreakableMockPin(MockPin):
    """A MockPin a test can break: while ``broken``, driving it raises (like a board that stopped answering)."""

    broken: bool = False

    def _set_state(self, value: Any) -> None:
        if self.broken:
            raise OSError("relay board not answering")
        super()._set_state(value)
