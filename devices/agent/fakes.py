"""Fake safety-input wiring for an agent run on fake hardware (tests and the demo).

A real door contact that is shut holds its line low whatever the Pi's pull-up says; gpiozero's
MockPin instead jumps to the pull's level whenever the pull is set, so every fake door would start
"open" and every smoke relay "alarm". :class:`WiredMockPin` keeps the level the wiring gives, and
:func:`fake_pin_factory` wires each input to its quiet state (closed, clear, released) before the
agent opens it. Tests and the demo then move inputs with ``SafetyWorld.set(name, state)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from gpiozero.pins.mock import MockFactory, MockPin

from hardware.clock import Clock
from hardware.gpio import SafetyInputSpec, SafetyWorld
from hardware.sensors.world import World


class WiredMockPin(MockPin):
    """A MockPin whose level, once wired, is the wiring's and not the pull resistor's."""

    wired_level: bool | None = None

    def _set_pull(self, value: str) -> None:
        wired = self.wired_level
        super()._set_pull(value)
        if wired is not None:
            self._change_state(wired)

    def drive_high(self) -> None:
        """The wiring pulls the line high."""
        self.wired_level = True
        super().drive_high()

    def drive_low(self) -> None:
        """The wiring pulls the line low."""
        self.wired_level = False
        super().drive_low()


def fake_pin_factory(inputs: Iterable[SafetyInputSpec]) -> Any:
    """A MockFactory whose safety-input pins start at their inactive (quiet) level."""
    factory = MockFactory(pin_class=WiredMockPin)
    for spec in inputs:
        # Inactive reads high when active is low, and low when active is high.
        factory.pin(spec.pin).wired_level = spec.is_active_low
    return factory


class WorldDoors:
    """Opens and shuts the fake door contacts when the simulated world opens a door in their room.

    The world opens a room's door at drop-off and pick-up (and whenever a test calls ``open_door``);
    a door input at that location then reads "open" for as long as the world says, so the demo
    shows door events without anyone pressing anything.
    """

    def __init__(self, world: World, safety_world: SafetyWorld, doors: dict[str, str], clock: Clock) -> None:
        self._world = world
        self._safety_world = safety_world
        self._doors = doors  # location -> door input name
        self._clock = clock
        self._seen = 0
        self._closing: dict[str, datetime] = {}

    def tick(self) -> None:
        """Mirror new door openings of the world onto the inputs, and shut doors whose time is up."""
        now = self._clock.now()
        fresh = self._world.doors[self._seen:]
        self._seen += len(fresh)
        for at, location, minutes in fresh:
            name = self._doors.get(location)
            if name is not None:
                if name not in self._closing:
                    self._safety_world.set(name, "open")
                self._closing[name] = max(self._closing.get(name, at), at + timedelta(minutes=minutes))
        for name, until in list(self._closing.items()):
            if until <= now:
                self._safety_world.set(name, "closed")
                del self._closing[name]
