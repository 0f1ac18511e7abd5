"""Sensirion SCD40/SCD41 (CO2, temperature, humidity) over I2C with smbus2's ``i2c_rdwr``.

The chip speaks 16-bit commands; every 16-bit word it sends back is followed by a CRC-8
(polynomial 0x31, initial value 0xFF), which we check on every word. Between a command and
reading its answer the chip needs its execution time (1 ms; 500 ms after a stop), and while
busy it NACKs, which smbus2 raises as ``OSError`` (errno 121, Remote I/O error).

In periodic mode the chip measures every 5 s; ``read()`` asks ``get_data_ready_status`` first
and reads the measurement buffer only when a new measurement is there (reading empties it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Protocol

from smbus2 import i2c_msg

from hardware.clock import Clock
from hardware.sensors.base import Sample, SensorFault, checked
from hardware.sensors.kinds import FaultCode, Quantity

ADDRESS = 0x62
START_PERIODIC_MEASUREMENT = 0x21B1
READ_MEASUREMENT = 0xEC05
GET_DATA_READY_STATUS = 0xE4B8
STOP_PERIODIC_MEASUREMENT = 0x3F86

EXECUTION_S: dict[int, float] = {
    # Datasheet "max. command duration": the chip NACKs anything sent sooner.
    START_PERIODIC_MEASUREMENT: 0.0,
    READ_MEASUREMENT: 0.001,
    GET_DATA_READY_STATUS: 0.001,
    STOP_PERIODIC_MEASUREMENT: 0.5,
}
MEASUREMENT_PERIOD_S = 5.0
RESTART_AFTER_S = 3 * MEASUREMENT_PERIOD_S
"""No new data for this long in periodic mode means the chip lost power and sits idle: start it again."""


class I2cBus(Protocol):
    """What the driver needs of ``smbus2.SMBus`` (and what the fake chip offers)."""

    def i2c_rdwr(self, *i2c_msgs: i2c_msg) -> None: ...

    def close(self) -> None: ...


def sensirion_crc(data: Iterable[int]) -> int:
    """CRC-8 as Sensirion defines it: polynomial 0x31, init 0xFF, no reflection (0xBEEF -> 0x92)."""
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x31) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def encode_words(words: Iterable[int]) -> bytes:
    """Words as the chip sends them: big-endian, each followed by its CRC."""
    out = bytearray()
    for word in words:
        pair = [(word >> 8) & 0xFF, word & 0xFF]
        out += bytes([*pair, sensirion_crc(pair)])
    return bytes(out)


def decode_words(data: bytes) -> list[int]:
    """Check every word's CRC and return the words; ``SensorFault(CRC)`` on the first mismatch."""
    if len(data) % 3:
        raise ValueError("SCD4x answers come in 3-byte groups")
    words = []
    for index in range(0, len(data), 3):
        pair, crc = data[index:index + 2], data[index + 2]
        if sensirion_crc(pair) != crc:
            raise SensorFault(FaultCode.CRC, f"word {index // 3}: CRC {crc:#04x}, expected {sensirion_crc(pair):#04x}")
        words.append((pair[0] << 8) | pair[1])
    return words


def convert(co2_word: int, temperature_word: int, humidity_word: int) -> dict[Quantity, float]:
    """Datasheet conversions: CO2 = word ppm, T = -45 + 175 w / 65535 °C, RH = 100 w / 65535 %."""
    return {
        Quantity.CO2_PPM: float(co2_word),
        Quantity.TEMPERATURE_C: round(-45.0 + 175.0 * temperature_word / 65535.0, 2),
        Quantity.HUMIDITY_PCT: round(100.0 * humidity_word / 65535.0, 2),
    }


class SCD4x:
    """One SCD40/SCD41 on an I2C bus, run in periodic mode."""

    def __init__(self, bus: I2cBus, clock: Clock, *, address: int = ADDRESS, model: str = "SCD41",
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.bus = bus
        self.model = model
        self._clock = clock
        self._address = address
        self._sleep = sleep
        self._started = False
        self._last_data = 0.0

    def read(self) -> Sample:
        """The newest measurement, or a fault (NOT_READY until the first 5 s measurement is in)."""
        try:
            if not self._started:
                self._start()
            if not self._data_ready():
                if self._clock.monotonic() - self._last_data > RESTART_AFTER_S:
                    self._started = False  # idle after a brown-out: restart on the next read
                raise SensorFault(FaultCode.NOT_READY, "no new measurement yet")
            co2, temperature, humidity = self._command(READ_MEASUREMENT, 3)
        except OSError as exc:
            self._started = False
            raise SensorFault(FaultCode.DISCONNECTED, f"I2C {self._address:#04x}: {exc}") from exc
        self._last_data = self._clock.monotonic()
        if co2 == 0:
            # Air never holds 0 ppm of CO2 (outdoors ~420): a zero word is a failed measurement, not a value.
            raise SensorFault(FaultCode.OUT_OF_RANGE, "CO2 of 0 ppm")
        return checked(convert(co2, temperature, humidity), (co2, temperature, humidity))

    def _start(self) -> None:
        # The chip keeps measuring across an agent restart and refuses start while it does: stop first.
        self._command(STOP_PERIODIC_MEASUREMENT)
        self._command(START_PERIODIC_MEASUREMENT)
        self._started = True
        self._last_data = self._clock.monotonic()

    def _data_ready(self) -> bool:
        (status,) = self._command(GET_DATA_READY_STATUS, 1)
        return status & 0x07FF != 0  # lowest 11 bits all zero: no new data

    def _command(self, command: int, words: int = 0) -> list[int]:
        self.bus.i2c_rdwr(i2c_msg.write(self._address, [command >> 8, command & 0xFF]))
        self._sleep(EXECUTION_S[command])
        if not words:
            return []
        answer = i2c_msg.read(self._address, 3 * words)
        self.bus.i2c_rdwr(answer)
        return decode_words(bytes(answer))

    def close(self) -> None:
        """Stop measuring (saves the chip's power) and release the bus; quiet if the chip is gone."""
        try:
            if self._started:
                self.bus.i2c_rdwr(i2c_msg.write(self._address, [STOP_PERIODIC_MEASUREMENT >> 8,
                                                                STOP_PERIODIC_MEASUREMENT & 0xFF]))
        except OSError:
            pass
        finally:
            self._started = False
            self.bus.close()
