"""Building a driver from one config entry, over the real bus on a Pi or over its fake.

The table :data:`~hardware.sensors.kinds.DRIVERS` describes each sensor kind once (model, quantities, bus,
defaults); :func:`open_sensor` looks the entry's ``driver`` up there, explicitly, never by discovery.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardware.clock import Clock
from hardware.sensors import ds18b20, pms5003, scd4x, wzs
from hardware.sensors.base import Sensor
from hardware.sensors.fake_base import FaultyFake
from hardware.sensors.fake_scd4x import FakeSCD4x
from hardware.sensors.fake_uart import FakePMS5003Port, FakeWZSPort
from hardware.sensors.fake_w1 import FakeDS18B20
from hardware.sensors.kinds import DRIVERS, DriverInfo
from hardware.sensors.world import World

SENSOR_ID_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"
"""The agent's name for one sensor, unique within the agent (``scd41-room3``); the wire's rule too."""

LOCATION_PATTERN = r"^(room:[1-9][0-9]{0,9}|[a-z][a-z0-9_-]{0,39})$"
"""Where a sensor is: ``room:<room id>`` for a classroom's air, or a key such as ``fridge-sample``."""


@dataclass(frozen=True)
class SensorSpec:
    """One ``[[sensors]]`` entry of the agent's config."""

    id: str
    driver: str
    location: str
    interval_s: float = 60.0
    bus: int = 1
    address: int = scd4x.ADDRESS
    port: str = ""
    path: str = ""
    model: str = ""
    stuck_reads: int = -1  # -1: the driver's default

    @property
    def info(self) -> DriverInfo:
        """The driver's row in :data:`DRIVERS`."""
        return DRIVERS[self.driver]

    @property
    def model_name(self) -> str:
        """The model as reported in readings (``SCD40`` if configured, else the driver's)."""
        return self.model or self.info.model

    @property
    def stuck_after(self) -> int:
        """Equal raw samples in a row that make a stuck fault (0 = never)."""
        return self.info.stuck_reads if self.stuck_reads < 0 else self.stuck_reads

    @classmethod
    def from_config(cls, entry: Mapping[str, Any], where: str = "sensors") -> tuple[SensorSpec | None, list[str]]:
        """Validate one entry; returns the spec (or None) and every problem found, each naming its field."""
        problems: list[str] = []
        known = {f for f in cls.__dataclass_fields__}
        for unknown in sorted(set(entry) - known):
            problems.append(f"{where}.{unknown}: unknown key (known: {', '.join(sorted(known))})")
        sensor_id, driver, location = entry.get("id"), entry.get("driver"), entry.get("location")
        if not isinstance(sensor_id, str) or not re.fullmatch(SENSOR_ID_PATTERN, sensor_id):
            problems.append(f"{where}.id: {sensor_id!r} must match {SENSOR_ID_PATTERN}")
        if driver not in DRIVERS:
            problems.append(f"{where}.driver: {driver!r} is not one of {', '.join(DRIVERS)}")
        if not isinstance(location, str) or not re.fullmatch(LOCATION_PATTERN, location):
            problems.append(f"{where}.location: {location!r} must be room:<id> or a key like fridge-sample")
        interval = entry.get("interval_s", DRIVERS[driver].interval_s if driver in DRIVERS else 60.0)
        if isinstance(interval, bool) or not isinstance(interval, int | float) or not 1 <= interval <= 3600:
            problems.append(f"{where}.interval_s: {interval!r} must be a number of seconds within 1..3600")
        for name, kind in (("bus", int), ("address", int), ("stuck_reads", int), ("port", str), ("path", str),
                           ("model", str)):
            if name in entry and (isinstance(entry[name], bool) or not isinstance(entry[name], kind)):
                problems.append(f"{where}.{name}: {entry[name]!r} must be {'an integer' if kind is int else 'text'}")
        if driver in DRIVERS and not problems:
            bus = DRIVERS[driver].bus
            if bus == "uart" and not entry.get("port"):
                problems.append(f"{where}.port: a {driver} needs its serial port, e.g. /dev/ttyAMA0")
            if bus == "w1" and not entry.get("path"):
                problems.append(f"{where}.path: a ds18b20 needs its 1-wire id (28-...) or folder")
        if problems:
            return None, problems
        return cls(**{**entry, "interval_s": float(interval)}), []


@dataclass
class OpenedSensor:
    """A driver bound to its bus, with the fake behind it when there is one (for world verbs and ticking)."""

    spec: SensorSpec
    driver: Sensor
    fake: FaultyFake | None = None
    _cleanup: list[Callable[[], None]] = field(default_factory=list)

    def tick(self) -> None:
        """Let the fake catch up with the clock (no-op over real hardware)."""
        if self.fake is not None:
            self.fake.tick()

    def close(self) -> None:
        """Close the driver (and remove a fake's temporary files)."""
        try:
            self.driver.close()
        finally:
            for step in self._cleanup:
                step()


def _open_smbus(number: int) -> scd4x.I2cBus:
    from smbus2 import SMBus

    try:
        return SMBus(number)
    except OSError as exc:
        return _MissingBus(f"/dev/i2c-{number}: {exc}")


class _MissingBus:
    """An I2C bus that could not be opened (I2C not enabled, no permission): reads fail as DISCONNECTED."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def i2c_rdwr(self, *msgs: object) -> None:
        raise OSError(self.reason)

    def close(self) -> None:
        """Nothing to close."""


def open_sensor(spec: SensorSpec, *, clock: Clock, world: World | None = None, fake: bool = False,
                sleep: Callable[[float], None] = time.sleep, fake_root: Path | None = None,
                w1_root: Path = ds18b20.W1_DEVICES) -> OpenedSensor:
    """The driver for ``spec``: over the Pi's buses, or (``fake=True``) over a fake fed by ``world``."""
    if fake and world is None:
        raise ValueError("fake sensors need a World")
    model = spec.model_name
    seed = zlib.crc32(spec.id.encode())
    if spec.driver == "scd4x":
        bus: scd4x.I2cBus
        fake_bus = None
        if fake:
            assert world is not None
            bus = fake_bus = FakeSCD4x(world, spec.location, clock, address=spec.address)
        else:
            bus = _open_smbus(spec.bus)
        return OpenedSensor(spec, scd4x.SCD4x(bus, clock, address=spec.address, model=model, sleep=sleep), fake_bus)
    if spec.driver in ("pms5003", "wzs"):
        port_class = FakePMS5003Port if spec.driver == "pms5003" else FakeWZSPort
        if fake:
            assert world is not None
            fake_port = port_class(world, spec.location, clock, seed=seed ^ (world.seed << 1))
            port = fake_port
        else:
            from hardware.sensors.uart import open_serial

            fake_port, port = None, open_serial(spec.port)
        driver_class = pms5003.PMS5003 if spec.driver == "pms5003" else wzs.WZS
        return OpenedSensor(spec, driver_class(port, clock, model=model), fake_port)
    if spec.driver == "ds18b20":
        if not fake:
            return OpenedSensor(spec, ds18b20.DS18B20(ds18b20.device_path(spec.path, w1_root), model=model))
        assert world is not None
        cleanup: list[Callable[[], None]] = []
        if fake_root is None:
            fake_root = Path(tempfile.mkdtemp(prefix="tuoyu-w1-"))
            cleanup.append(lambda: shutil.rmtree(fake_root, ignore_errors=True))
        serial = Path(spec.path).name.removeprefix(f"{ds18b20.FAMILY}-") or f"{seed:012x}"
        thermometer = FakeDS18B20(fake_root, serial, world, spec.location, clock)
        return OpenedSensor(spec, ds18b20.DS18B20(thermometer.folder, model=model), thermometer, cleanup)
    raise ValueError(f"unknown sensor driver {spec.driver!r}; expected one of {sorted(DRIVERS)}")
