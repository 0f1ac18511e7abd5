"""Payloads of the agent's event kinds (``reading``, ``safety.*``, ``heartbeat``), shared by agent and server.

The envelope is :class:`devices.protocol.Event`; this module fixes what its ``payload`` holds for the
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


FLAT_LINE_ODDS = 1e-9
"""How unlikely a run of equal readings must be for a working sensor before it counts as stuck: at one reading a
minute, a series would be called stuck by chance about once in 2 000 years."""


def repeat_odds(resolution: float, noise: float) -> float:
    """Chance that a working sensor repeats its previous reading exactly.

    Two readings with independent noise σ differ by N(0, 2σ²); quantised to steps of ``resolution`` (r) they are
    equal when the difference is under half a step: ≈ r / (2√π σ) while r is small against σ.
    """
    if noise <= 0:
        return 1.0
    return min(1.0, resolution / (2.0 * math.sqrt(math.pi) * noise))


def implausible_after(resolution: float, noise: float, odds: float = FLAT_LINE_ODDS) -> int:
    """Fewest equal readings in a row that a working sensor gives with a chance below ``odds`` (0: any run is plausible)."""
    p = repeat_odds(resolution, noise)
    if p >= 1.0:
        return 0
    if p <= 0.0:
        return 2
    return 1 + math.ceil(math.log(odds) / math.log(p))


@dataclass(frozen=True)
class QuantityKind:
    """One quantity as the sensor kind measuring it reports it: range, step, noise, and when a flat line is a fault."""

    quantity: Quantity
    sensor: str  # the model the agents read it from
    low: float  # what the sensor can physically report (datasheet range, small margin);
    high: float  # a value outside is a sensor fault, never an exceedance
    resolution: float  # the smallest step of the value as sent on the wire
    noise: float  # 1σ reading-to-reading spread of a working sensor in place (a low estimate); 0: too quiet to count on
    flat_readings: int  # this many equal readings in a row are a stuck sensor (0: a flat line alone proves nothing)
    reason: str  # why `flat_readings` is what it is


QUANTITY_KINDS: dict[Quantity, QuantityKind] = {kind.quantity: kind for kind in (
    QuantityKind(
        Quantity.CO2_PPM, "SCD41", 0.0, 40000.0, 1.0, 5.0, 9,
        "SCD41 repeatability ±10 ppm (datasheet), taken as σ ≥ 5 ppm, sent in whole ppm: a reading repeats the "
        "last one with a chance ≤ 5.6 %, nine in a row ≤ 1e-9 (implausible_after)."),
    QuantityKind(
        Quantity.TEMPERATURE_C, "SCD41", -10.0, 60.0, 0.01, 0.02, 12,
        "SCD41 temperature repeatability 0.1 °C (datasheet), taken as σ ≥ 0.02 °C, sent to 0.01 °C: a repeat has a "
        "chance ≤ 14 %, twelve in a row ≤ 1e-9."),
    QuantityKind(
        Quantity.HUMIDITY_PCT, "SCD41", 0.0, 100.0, 0.01, 0.05, 9,
        "SCD41 humidity repeatability 0.4 %RH (datasheet), taken as σ ≥ 0.05 %RH, sent to 0.01 %RH: a repeat has a "
        "chance ≤ 5.6 %, nine in a row ≤ 1e-9."),
    QuantityKind(
        Quantity.PM25_UGM3, "PMS5003", 0.0, 1000.0, 1.0, 0.0, 0,
        "Whole µg/m³ (effective range 0–500, max 1000): clean, still air reads the same few µg/m³ (or 0 behind a "
        "filter) for hours. The agent judges the raw frame instead, whose particle counts do move."),
    QuantityKind(
        Quantity.PM10_UGM3, "PMS5003", 0.0, 1000.0, 1.0, 0.0, 0,
        "As PM2.5: equal whole-µg/m³ values are normal in clean air; the agent judges the raw frame."),
    QuantityKind(
        Quantity.HCHO_MGM3, "WZ-S", 0.0, 2.5, 0.0012, 0.0, 0,
        "WZ-S range 0–2 ppm ≈ 0–2.5 mg/m³ in steps of 1 ppb: a clean room reads 0 ppb for hours, so a flat line "
        "proves nothing."),
    QuantityKind(
        Quantity.FRIDGE_C, "DS18B20", -55.0, 125.0, 0.0625, 0.0, 60,
        "DS18B20 12-bit steps of 0.0625 °C from a quiet sensor, so short runs of equal readings are normal; what "
        "moves it is the compressor, which swings a working fridge's air by about ±1 °C every 20–60 min. One step "
        "held for an hour (60 readings) means the sensor has stopped (as the agent's raw check, DRIVERS)."),
)}
"""The sensor-kind table, per quantity the server stores: one row per quantity, each with its sensor's figures."""

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
