"""What every sensor driver (and its fake) offers the device agent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from hardware.sensors.kinds import FaultCode, Quantity, out_of_range


class SensorFault(Exception):
    """A read failed in a way the agent reports as a fault reading (never as a value)."""

    def __init__(self, fault: FaultCode, message: str = "") -> None:
        super().__init__(message or fault.value)
        self.fault = fault


@dataclass(frozen=True)
class Sample:
    """One successful read: every quantity the sensor measured at once."""

    values: dict[Quantity, float] = field(default_factory=dict)
    raw: tuple[int, ...] = ()
    """The undecoded words the values came from; the agent calls N equal ``raw`` in a row a stuck sensor."""


class Sensor(Protocol):
    """A driver bound to its bus. ``read()`` returns a :class:`Sample` or raises :class:`SensorFault`."""

    model: str  # "SCD41", "PMS5003", "WZ-S", "DS18B20"

    def read(self) -> Sample: ...

    def close(self) -> None: ...


def checked(values: dict[Quantity, float], raw: tuple[int, ...] = ()) -> Sample:
    """A :class:`Sample`, or ``SensorFault(OUT_OF_RANGE)`` if a value is outside what the sensor can report."""
    outside = [f"{quantity.value}={values[quantity]:g}" for quantity in out_of_range(values)]
    if outside:
        raise SensorFault(FaultCode.OUT_OF_RANGE, "outside the physical range: " + ", ".join(outside))
    return Sample(values=values, raw=raw)
