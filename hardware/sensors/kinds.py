"""The sensor-kind table: each driver, the quantities it measures and its figures (range, step, noise, faults).

Hardware names its own quantities and fault codes; the wire vocabulary (``devices.wire.readings``) has the
same names for what travels to the server, and the agent translates. Figures the server judges by (the
physical range, how many equal readings make a stuck sensor) are the wire's; tests/devices/test_sensor_kinds.py
checks that the two agree.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass


class Quantity(enum.StrEnum):
    """What a driver measures, with its unit in the name."""

    CO2_PPM = "co2_ppm"
    TEMPERATURE_C = "temperature_c"
    HUMIDITY_PCT = "humidity_pct"
    PM25_UGM3 = "pm25_ugm3"
    PM10_UGM3 = "pm10_ugm3"
    HCHO_MGM3 = "hcho_mgm3"
    FRIDGE_C = "fridge_c"


class FaultCode(enum.StrEnum):
    """Why a sensor could not give a trustworthy sample."""

    DISCONNECTED = "disconnected"  # no answer on the bus / port / 1-wire
    CRC = "crc"  # checksum or CRC mismatch
    OUT_OF_RANGE = "out_of_range"  # answered a value outside its measuring range
    STUCK = "stuck"  # the same raw sample for too long (judged by whoever watches the raw words: the agent)
    NOT_READY = "not_ready"  # warming up (SCD4x first 5 s, PMS5003 first 30 s)


READ_FAULTS = (FaultCode.DISCONNECTED, FaultCode.CRC, FaultCode.OUT_OF_RANGE, FaultCode.NOT_READY)
"""What ``read()`` of every driver here can raise (a bus, a checksum, a range check, a warm-up)."""

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
class Measure:
    """One quantity as its driver reports it: range, step and noise, and why those figures."""

    quantity: Quantity
    low: float  # what the sensor can physically report (datasheet range, small margin);
    high: float  # a value outside is a sensor fault, never an exceedance
    resolution: float  # the smallest step of the value as the driver gives it
    noise: float  # 1σ reading-to-reading spread of a working sensor in place (a low estimate); 0: too quiet to count on
    reason: str  # where the figures come from


@dataclass(frozen=True)
class DriverInfo:
    """One kind of sensor: what it measures, on which bus, its sensible defaults and the faults it reports."""

    key: str
    model: str
    measures: tuple[Measure, ...]
    bus: str  # "i2c" | "uart" | "w1"
    interval_s: float
    stuck_reads: int
    """Equal raw samples in a row that mean "stuck" (0: never; a clean room may read 0 ppb HCHO for hours)."""
    faults: tuple[FaultCode, ...] = READ_FAULTS

    @property
    def quantities(self) -> tuple[Quantity, ...]:
        """What one sample of this sensor holds."""
        return tuple(measure.quantity for measure in self.measures)


DRIVERS: dict[str, DriverInfo] = {
    "scd4x": DriverInfo("scd4x", "SCD41", (
        Measure(Quantity.CO2_PPM, 0.0, 40000.0, 1.0, 5.0,
                "SCD41 repeatability ±10 ppm (datasheet), taken as σ ≥ 5 ppm, in whole ppm: a reading repeats the "
                "last one with a chance ≤ 5.6 %, nine in a row ≤ 1e-9 (implausible_after)."),
        Measure(Quantity.TEMPERATURE_C, -10.0, 60.0, 0.01, 0.02,
                "SCD41 temperature repeatability 0.1 °C (datasheet), taken as σ ≥ 0.02 °C, to 0.01 °C: a repeat has "
                "a chance ≤ 14 %, twelve in a row ≤ 1e-9."),
        Measure(Quantity.HUMIDITY_PCT, 0.0, 100.0, 0.01, 0.05,
                "SCD41 humidity repeatability 0.4 %RH (datasheet), taken as σ ≥ 0.05 %RH, to 0.01 %RH: a repeat has "
                "a chance ≤ 5.6 %, nine in a row ≤ 1e-9."),
    ), "i2c", 60.0, 10),
    "pms5003": DriverInfo("pms5003", "PMS5003", (
        Measure(Quantity.PM25_UGM3, 0.0, 1000.0, 1.0, 0.0,
                "Whole µg/m³ (effective range 0–500, max 1000): clean, still air reads the same few µg/m³ (or 0 "
                "behind a filter) for hours, so the value alone proves nothing; the raw frame's particle counts move."),
        Measure(Quantity.PM10_UGM3, 0.0, 1000.0, 1.0, 0.0,
                "As PM2.5: equal whole-µg/m³ values are normal in clean air; the raw frame is what moves."),
    ), "uart", 60.0, 10),
    "wzs": DriverInfo("wzs", "WZ-S", (
        Measure(Quantity.HCHO_MGM3, 0.0, 2.5, 0.0012, 0.0,
                "WZ-S range 0–2 ppm ≈ 0–2.5 mg/m³ in steps of 1 ppb: a clean room reads 0 ppb for hours, so a flat "
                "line proves nothing."),
    ), "uart", 60.0, 0),
    "ds18b20": DriverInfo("ds18b20", "DS18B20", (
        Measure(Quantity.FRIDGE_C, -55.0, 125.0, 0.0625, 0.0,
                "DS18B20 12-bit steps of 0.0625 °C from a quiet sensor, so short runs of equal readings are normal; "
                "what moves it is the compressor, which swings a working fridge's air by about ±1 °C every 20–60 "
                "min. One step held for an hour (60 readings) means the sensor has stopped."),
    ), "w1", 60.0, 60),
}
"""Every driver, looked up by the config entry's ``driver``."""

MEASURING_RANGE: dict[Quantity, tuple[float, float]] = {
    measure.quantity: (measure.low, measure.high) for info in DRIVERS.values() for measure in info.measures}
"""What a working sensor of each quantity can report; a value outside is a fault."""


def out_of_range(values: dict[Quantity, float]) -> list[Quantity]:
    """Quantities whose value no working sensor could report (a fault, never an exceedance)."""
    return [q for q, v in values.items() if not MEASURING_RANGE[q][0] <= v <= MEASURING_RANGE[q][1]]
