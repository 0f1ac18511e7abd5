"""A seeded physical world for the fake sensors: rooms with children in them, and fridges.

Each location evolves in fixed 10-second steps from the world's start, driven only by the
seed, the clock and the occupancy schedule, so the same seed gives the same readings however
often (or seldom) sensors look. Rooms (``room:<id>``):

* temperature: a daily cycle (warmest mid-afternoon), plus the children's warmth, plus slow noise;
* humidity: falls as the room warms, rises with breathing children;
* CO2: a well-mixed box, dC/dt = generation × children / volume − air changes × (C − 450 ppm
  outdoors); opening a door multiplies the air changes;
* PM2.5 / PM10: an indoor baseline, stirred up by activity, with spikes when a door opens to
  the street (outdoor air is dirtier) that decay over ~20 minutes;
* formaldehyde: slow, emitted by furniture faster when warm, diluted by ventilation.

Fridges (any other location, e.g. ``fridge-sample``) hold ~4 °C between the compressor's
switch points and warm up when their door is left open. World verbs for tests and the demo:
``open_door(location, minutes)``, ``pin(location, quantity, value)`` / ``unpin``.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hardware.clock import Clock
from hardware.sensors.kinds import Quantity

STEP_S = 10.0
OUTDOOR_CO2_PPM = 450.0
CHILD_CO2_M3_PER_H = 0.0126
"""CO2 breathed out by a resting toddler: ~3.5 mL/s (adults ~5 mL/s sedentary)."""
Occupancy = Callable[[datetime], int]


@dataclass(frozen=True)
class DaySchedule:
    """Children present on weekdays: arrivals spread over ±45 min around ``arrive``, departures likewise."""

    children: int
    arrive: time = time(8, 0)
    leave: time = time(17, 30)
    timezone: str = "Asia/Shanghai"
    spread_min: int = 45

    def __call__(self, at: datetime) -> int:
        """How many children are in the room at ``at``."""
        local = at.astimezone(ZoneInfo(self.timezone))
        if local.weekday() >= 5:
            return 0
        minute = local.hour * 60 + local.minute + local.second / 60

        def ramp(centre: time) -> float:
            start = centre.hour * 60 + centre.minute - self.spread_min
            return min(1.0, max(0.0, (minute - start) / (2 * self.spread_min)))

        return round(self.children * (ramp(self.arrive) - ramp(self.leave)))


def _no_children(at: datetime) -> int:
    return 0


@dataclass
class _Room:
    rng: random.Random
    volume_m3: float
    air_changes_h: float
    base_c: float
    baseline_pm25: float
    outdoor_pm25: float
    base_hcho: float
    co2: float = OUTDOOR_CO2_PPM
    pm25: float = 0.0
    hcho: float = 0.0
    temperature_noise: float = 0.0
    humidity_noise: float = 0.0
    children: int = 0
    door_open_s: float = 0.0
    values: dict[Quantity, float] = field(default_factory=dict)


@dataclass
class _Fridge:
    rng: random.Random
    setpoint_c: float
    celsius: float
    compressor_on: bool = False
    door_open_s: float = 0.0


class World:
    """Every location's state, advanced in fixed steps up to the clock's time when asked."""

    def __init__(self, seed: int, clock: Clock, *, occupancy: Occupancy | dict[str, Occupancy] | None = None,
                 timezone: str = "Asia/Shanghai") -> None:
        self.seed = seed
        self.clock = clock
        self.origin = clock.now()
        self.tz = ZoneInfo(timezone)
        self._occupancy = occupancy
        self._rooms: dict[str, _Room] = {}
        self._fridges: dict[str, _Fridge] = {}
        self._steps: dict[str, int] = {}
        self._pinned: dict[tuple[str, Quantity], float] = {}
        self.doors: list[tuple[datetime, str, float]] = []
        """Every door opening: (when, location, minutes), by a test, the demo or the random visitors."""

    # -- world verbs --------------------------------------------------------------------------

    def open_door(self, location: str, minutes: float = 2.0) -> None:
        """Open the room's door to the street (or the fridge's door) for ``minutes`` from now."""
        self._advance(location)
        state = self._state(location)
        state.door_open_s = max(state.door_open_s, minutes * 60.0)
        self.doors.append((self.clock.now(), location, minutes))

    def pin(self, location: str, quantity: Quantity, value: float) -> None:
        """Hold one quantity at ``value`` (``co2.set(1200)`` in a test) until :meth:`unpin`."""
        self._pinned[(location, quantity)] = value

    def unpin(self, location: str, quantity: Quantity) -> None:
        """Let the quantity follow the model again."""
        self._pinned.pop((location, quantity), None)

    # -- what the fakes ask -------------------------------------------------------------------

    def value(self, location: str, quantity: Quantity) -> float:
        """The true value of ``quantity`` at ``location`` now."""
        pinned = self._pinned.get((location, quantity))
        if pinned is not None:
            return pinned
        self._advance(location)
        state = self._state(location)
        if isinstance(state, _Fridge):
            if quantity is not Quantity.FRIDGE_C:
                raise KeyError(f"{location} is a fridge; it has no {quantity}")
            return round(state.celsius, 3)
        return state.values[quantity]

    def children(self, location: str) -> int:
        """Children in the room at its current step."""
        self._advance(location)
        state = self._state(location)
        return state.children if isinstance(state, _Room) else 0

    def occupancy_of(self, location: str) -> Occupancy:
        """The occupancy schedule that drives ``location``."""
        if callable(self._occupancy):
            return self._occupancy
        if isinstance(self._occupancy, dict):
            return self._occupancy.get(location, _no_children)
        return _no_children

    # -- the model ----------------------------------------------------------------------------

    def _rng(self, location: str) -> random.Random:
        return random.Random((self.seed << 32) ^ zlib.crc32(location.encode("utf-8")))

    def _state(self, location: str) -> _Room | _Fridge:
        if location in self._rooms:
            return self._rooms[location]
        if location in self._fridges:
            return self._fridges[location]
        rng = self._rng(location)
        if location.startswith("room:"):
            room = _Room(rng, volume_m3=rng.uniform(120, 200), air_changes_h=rng.uniform(1.5, 3.0),
                         base_c=rng.uniform(21.5, 24.5), baseline_pm25=rng.uniform(8, 20),
                         outdoor_pm25=rng.uniform(35, 80), base_hcho=rng.uniform(0.02, 0.05))
            room.pm25, room.hcho = room.baseline_pm25, room.base_hcho
            self._rooms[location] = room
            self._steps[location] = 0
            self._update_room(room, self.origin, location)
            return room
        setpoint = rng.uniform(3.5, 4.5)
        fridge = _Fridge(rng, setpoint, setpoint + rng.uniform(-0.5, 0.5))
        self._fridges[location] = fridge
        self._steps[location] = 0
        return fridge

    def _advance(self, location: str) -> None:
        state = self._state(location)
        due = int((self.clock.now() - self.origin).total_seconds() // STEP_S)
        while self._steps[location] < due:
            self._steps[location] += 1
            at = self.origin + timedelta(seconds=self._steps[location] * STEP_S)
            if isinstance(state, _Room):
                self._update_room(state, at, location)
            else:
                self._update_fridge(state, at, location)

    def _update_room(self, room: _Room, at: datetime, location: str) -> None:
        rng, dt_h = room.rng, STEP_S / 3600.0
        room.children = max(0, int(self.occupancy_of(location)(at)))
        # Each arriving or leaving child opens the door a little, at drop-off and pick-up.
        door = room.door_open_s > 0
        if rng.random() < 0.002 * room.children * (1 if _busy_hour(at.astimezone(self.tz)) else 0.1):
            room.door_open_s = max(room.door_open_s, rng.uniform(20, 90))
            self.doors.append((at, location, room.door_open_s / 60))
        room.door_open_s = max(0.0, room.door_open_s - STEP_S)
        air_changes = room.air_changes_h * (4.0 if door else 1.0)

        steady = OUTDOOR_CO2_PPM + CHILD_CO2_M3_PER_H * room.children / (room.volume_m3 * air_changes) * 1e6
        room.co2 += (steady - room.co2) * (1 - math.exp(-air_changes * dt_h))

        pm_target = room.baseline_pm25 + 0.4 * room.children + (room.outdoor_pm25 * 1.5 if door else 0.0)
        rate = 6.0 if door else 3.0  # spikes come fast through an open door, settle over ~20 min
        room.pm25 += (pm_target - room.pm25) * (1 - math.exp(-rate * dt_h)) + rng.gauss(0, 0.05)
        room.pm25 = max(0.5, room.pm25)

        hour = at.astimezone(self.tz)
        day_angle = 2 * math.pi * (hour.hour + hour.minute / 60 - 15) / 24
        room.temperature_noise = 0.995 * room.temperature_noise + rng.gauss(0, 0.01)
        room.humidity_noise = 0.995 * room.humidity_noise + rng.gauss(0, 0.05)
        temperature = room.base_c + 1.2 * math.cos(day_angle) + 0.04 * room.children + room.temperature_noise
        humidity = 52 - 2.5 * (temperature - room.base_c) + 0.3 * room.children + room.humidity_noise

        emission = room.base_hcho * math.exp(0.08 * (temperature - 23)) * room.air_changes_h
        room.hcho += (emission / air_changes - room.hcho) * (1 - math.exp(-air_changes * dt_h))

        pm10 = room.pm25 * 1.45 + 0.2 * room.children
        room.values = {
            Quantity.TEMPERATURE_C: round(temperature, 2),
            Quantity.HUMIDITY_PCT: round(min(95.0, max(15.0, humidity)), 2),
            Quantity.CO2_PPM: round(room.co2 + rng.gauss(0, 8)),
            Quantity.PM25_UGM3: round(room.pm25),
            Quantity.PM10_UGM3: round(pm10),
            Quantity.HCHO_MGM3: max(0.0, room.hcho + rng.gauss(0, 0.001)),
        }

    def _update_fridge(self, fridge: _Fridge, at: datetime, location: str) -> None:
        rng, dt_min = fridge.rng, STEP_S / 60.0
        local = at.astimezone(self.tz)
        # Staff open the fridge a few times a day (samples in, milk out), mostly in the morning.
        if 7 <= local.hour < 18 and rng.random() < 0.0012:
            fridge.door_open_s = max(fridge.door_open_s, rng.uniform(15, 90))
            self.doors.append((at, location, fridge.door_open_s / 60))
        if fridge.door_open_s > 0:
            fridge.celsius += 1.2 * dt_min
            fridge.door_open_s = max(0.0, fridge.door_open_s - STEP_S)
        if fridge.celsius > fridge.setpoint_c + 1.0:
            fridge.compressor_on = True
        elif fridge.celsius < fridge.setpoint_c - 1.0:
            fridge.compressor_on = False
        fridge.celsius += (-0.3 if fridge.compressor_on else 0.08) * dt_min + rng.gauss(0, 0.005)


def _busy_hour(local: datetime) -> bool:
    return 7 <= local.hour < 9 or 16 <= local.hour < 18
