"""What every fake sensor bus shares: the fault verbs tests and the demo use, and its recorded history.

Faults are world verbs, like pulling a cable: ``disconnect()`` / ``reconnect()``, ``corrupt(n)``
(the next n answers fail their CRC or checksum), ``stick()`` (the same bytes again and again),
``go_out_of_range()`` (answers a value no working sensor can give) and ``heal()``. Each change is
recorded in ``states`` as ``(clock.now(), state)``; what the fake put on its bus is recorded in
``emitted`` as ``(clock.now(), values)``.
"""

from __future__ import annotations

from datetime import datetime

from hardware.clock import Clock
from hardware.sensors.kinds import Quantity


class FaultyFake:
    """Fault state and history of one fake device."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.disconnected = False
        self.stuck = False
        self.out_of_range = False
        self.corrupt_next = 0
        self.states: list[tuple[datetime, str]] = [(clock.now(), "ok")]
        self.emitted: list[tuple[datetime, dict[Quantity, float]]] = []

    def _record(self, state: str) -> None:
        self.states.append((self.clock.now(), state))

    def disconnect(self) -> None:
        """Pull the cable (or the sensor dies): the bus gets no answer."""
        self.disconnected = True
        self._record("disconnected")

    def reconnect(self) -> None:
        """Plug it back in: the sensor starts as from power-on."""
        self.disconnected = False
        self._power_on()
        self._record("ok")

    def corrupt(self, count: int = 1) -> None:
        """The next ``count`` answers arrive with a wrong CRC / checksum (electrical noise)."""
        self.corrupt_next += count
        self._record(f"corrupt x{count}")

    def stick(self) -> None:
        """The sensor keeps answering exactly the same bytes (a hung measurement)."""
        self.stuck = True
        self._record("stuck")

    def go_out_of_range(self) -> None:
        """The sensor answers values outside its physical range (a failing cell or optics)."""
        self.out_of_range = True
        self._record("out_of_range")

    def heal(self) -> None:
        """Every fault cleared."""
        was_disconnected = self.disconnected
        self.disconnected = self.stuck = self.out_of_range = False
        self.corrupt_next = 0
        if was_disconnected:
            self._power_on()
        self._record("ok")

    def _take_corruption(self) -> bool:
        if self.corrupt_next > 0:
            self.corrupt_next -= 1
            return True
        return False

    def _power_on(self) -> None:
        """Reset what a power cycle resets (subclasses)."""

    def tick(self) -> None:
        """Bring files up to the clock (only the 1-wire fake needs it; the buses answer lazily)."""
