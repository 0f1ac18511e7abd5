"""Payloads of the agent's event kinds (``reading``, ``safety.*``, ``heartbeat``), shared by agent and server.

The envelope is :class:`devices.wire.protocol.Event`; this module fixes what its ``payload`` holds for the
environment and safety kinds, so the device agent (producer) and ``server/environment`` (consumer)
validate against one definition. Prose version: docs/environment.md.

* ``reading``: one sample of one sensor at ``Event.created_at``; ``values`` holds every quantity the
  sensor measured in that sample (an SCD4x gives CO2, temperature and humidity at once). A sensor
  that could not be read sends ``status="fault"`` with a ``fault`` code and no values: a fault is
  data (it raises a sensor-fault alert) and never an environment exceedance.
* ``safety.panic`` / ``safety.smoke`` / ``safety.door``: a debounced change of a safety input.
* ``heartbeat``: the agent is alive, with its version, its sensors' health and its outbox depth.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

LOCATION_PATTERN = r"^(room:[1-9][0-9]{0,9}|[a-z][a-z0-9_-]{0,39})$"
"""Where a sensor is: ``room:<room id>`` for a classroom's air, or a key such as ``fridge-sample``."""

SENSOR_ID_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"
"""The agent's name for one sensor, unique within the agent (``scd41-room3``)."""


class Quantity(enum.StrEnum):
    """Measured quantities with their units in the name; the server stores one row per quantity."""

    CO2_PPM = "co2_ppm"
    TEMPERATURE_C = "temperature_c"
    HUMIDITY_PCT = "humidity_pct"
    PM25_UGM3 = "pm25_ugm3"
    PM10_UGM3 = "pm10_ugm3"
    HCHO_MGM3 = "hcho_mgm3"
    FRIDGE_C = "fridge_c"


@dataclass(frozen=True)
class QuantityKind:
    """What the server judges one quantity by: what a working sensor can report, and when a flat line is a fault.

    Derived from the driver figures in ``hardware.sensors.kinds`` (range, step, noise); this table is the
    authority for the server, and tests/devices/test_sensor_kinds.py checks that the two agree.
    """

    quantity: Quantity
    low: float  # what the sensor can physically report; a value outside is a sensor fault, never an exceedance
    high: float
    flat_readings: int  # this many equal readings in a row are a stuck sensor (0: a flat line alone proves nothing)
    reason: str  # why `flat_readings` is what it is


QUANTITY_KINDS: dict[Quantity, QuantityKind] = {kind.quantity: kind for kind in (
    QuantityKind(Quantity.CO2_PPM, 0.0, 40000.0, 9,
                 "SCD41 noise in whole ppm: nine equal readings in a row have a chance below 1e-9."),
    QuantityKind(Quantity.TEMPERATURE_C, -10.0, 60.0, 12,
                 "SCD41 noise in steps of 0.01 °C: twelve equal readings in a row have a chance below 1e-9."),
    QuantityKind(Quantity.HUMIDITY_PCT, 0.0, 100.0, 9,
                 "SCD41 noise in steps of 0.01 %RH: nine equal readings in a row have a chance below 1e-9."),
    QuantityKind(Quantity.PM25_UGM3, 0.0, 1000.0, 0,
                 "Clean, still air reads the same whole µg/m³ for hours; the agent judges the raw frame instead."),
    QuantityKind(Quantity.PM10_UGM3, 0.0, 1000.0, 0,
                 "As PM2.5: equal values are normal in clean air; the agent judges the raw frame."),
    QuantityKind(Quantity.HCHO_MGM3, 0.0, 2.5, 0,
                 "A clean room reads 0 ppb formaldehyde for hours, so a flat line proves nothing."),
    QuantityKind(Quantity.FRIDGE_C, -55.0, 125.0, 60,
                 "A working fridge's compressor moves its air about ±1 °C every 20–60 min; one DS18B20 step held "
                 "for an hour (60 readings) means the sensor has stopped (the agent's raw check says the same)."),
)}
"""Per quantity the server stores: its physical range and its flat-line figure."""

PHYSICAL_RANGE: dict[Quantity, tuple[float, float]] = {q: (kind.low, kind.high) for q, kind in QUANTITY_KINDS.items()}
"""What the sensor can physically report; a value outside is a sensor fault, never an exceedance."""


def flat_readings(quantity: str) -> int:
    """Equal readings in a row that make ``quantity``'s sensor stuck (0: never from values alone, or unknown)."""
    try:
        return QUANTITY_KINDS[Quantity(quantity)].flat_readings
    except ValueError:
        return 0


def out_of_range(values: dict[Quantity, float]) -> list[Quantity]:
    """Quantities whose value no working sensor could report (a fault, never an exceedance)."""
    return [q for q, v in values.items() if not PHYSICAL_RANGE[q][0] <= v <= PHYSICAL_RANGE[q][1]]


class SensorStatus(enum.StrEnum):
    OK = "ok"
    FAULT = "fault"


class FaultCode(enum.StrEnum):
    """Why a sensor could not give a trustworthy sample."""

    DISCONNECTED = "disconnected"  # no answer on the bus / port / 1-wire
    CRC = "crc"  # checksum or CRC mismatch
    OUT_OF_RANGE = "out_of_range"  # answered a value outside PHYSICAL_RANGE
    STUCK = "stuck"  # the same raw value for too long (detected by the agent or the server)
    NOT_READY = "not_ready"  # warming up (SCD4x first 5 s, PMS5003 first 30 s)


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SensorId = Annotated[str, Field(pattern=SENSOR_ID_PATTERN)]
Location = Annotated[str, Field(pattern=LOCATION_PATTERN)]


class ReadingPayload(_Payload):
    """``payload`` of a ``reading`` event."""

    sensor: SensorId
    model: str = Field(min_length=1, max_length=40)  # e.g. "SCD41", "PMS5003", "WZ-S", "DS18B20"
    location: Location
    status: SensorStatus = SensorStatus.OK
    fault: FaultCode | None = None
    values: dict[Quantity, float] = Field(default_factory=dict)

    @field_validator("values")
    @classmethod
    def _finite(cls, values: dict[Quantity, float]) -> dict[Quantity, float]:
        for quantity, value in values.items():
            if not math.isfinite(value):
                raise ValueError(f"{quantity} is not a finite number")
        return values

    @model_validator(mode="after")
    def _status_consistent(self) -> ReadingPayload:
        if self.status is SensorStatus.OK and (self.fault is not None or not self.values):
            raise ValueError("an ok reading has values and no fault")
        if self.status is SensorStatus.FAULT and (self.fault is None or self.values):
            raise ValueError("a fault reading has a fault code and no values")
        return self



class SafetyPayload(_Payload):
    """``payload`` of a ``safety.panic`` / ``safety.smoke`` / ``safety.door`` event."""

    input: SensorId  # the configured input name, e.g. "front-door"
    location: Location
    state: Literal["open", "closed", "alarm", "clear", "pressed", "released"]
    label: str | None = Field(default=None, max_length=60)  # for people: "正门 / Front door"


class SensorHealth(_Payload):
    status: Literal["ok", "fault", "not_ready"]
    fault: FaultCode | None = None
    last_ok_at: AwareDatetime | None = None


class HeartbeatPayload(_Payload):
    """``payload`` of a ``heartbeat`` event (every minute)."""

    version: str = Field(min_length=1, max_length=40)
    uptime_s: int = Field(ge=0)
    sensors: dict[SensorId, SensorHealth] = Field(default_factory=dict)
    outbox_pending: int = Field(ge=0, default=0)
    outbox_dead: int = Field(ge=0, default=0)
    started_at: datetime | None = None
