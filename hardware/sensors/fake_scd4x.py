"""A fake SCD4x chip behind smbus2's ``i2c_rdwr``: the real command set, timing and CRCs.

It behaves as the datasheet says, so the real driver code is what the tests run:

* commands are 2 bytes; the chip is busy for the command's execution time and NACKs
  (``OSError`` errno 121) anything sent sooner, or a read with nothing to answer;
* ``start_periodic_measurement`` only in idle mode, then a new measurement every 5 s of the
  injected clock; ``get_data_ready_status`` answers a word whose low 11 bits are non-zero when a
  measurement is waiting; ``read_measurement`` empties the buffer (NACK when empty);
* ``stop_periodic_measurement`` back to idle, busy for 500 ms;
* every answered word carries its CRC-8 (0x31, init 0xFF).

Values come from the :class:`~hardware.sensors.world.World` at the sensor's location.
"""

from __future__ import annotations

import ctypes
import errno
import math

from smbus2 import i2c_msg
from smbus2.smbus2 import I2C_M_RD

from hardware.clock import Clock
from hardware.sensors import scd4x
from hardware.sensors.fake_base import FaultyFake
from hardware.sensors.kinds import Quantity
from hardware.sensors.world import World

_EPSILON_S = 1e-9  # float sums of fake-clock steps may land a hair short of an exact due time


def _nack(why: str) -> OSError:
    return OSError(errno.EREMOTEIO, f"Remote I/O error ({why})")


class FakeSCD4x(FaultyFake):
    """The chip and its I2C bus in one object (what ``SMBus(1)`` would reach at address 0x62)."""

    def __init__(self, world: World, location: str, clock: Clock, *, address: int = scd4x.ADDRESS) -> None:
        super().__init__(clock)
        self.world = world
        self.location = location
        self.address = address
        self.commands: list[tuple[float, int]] = []
        """Every command accepted, as (clock.monotonic(), command)."""
        self.closed = False
        self._power_on()

    def _power_on(self) -> None:
        self.mode = "idle"
        self._busy_until = -math.inf
        self._answer: bytes | None = None
        self._periodic_since = 0.0
        self._served = 0
        self._last_words: tuple[int, int, int] | None = None

    # -- smbus2 -------------------------------------------------------------------------------

    def i2c_rdwr(self, *i2c_msgs: i2c_msg) -> None:
        """Carry out each message like the chip would, or raise ``OSError`` for a NACK."""
        for message in i2c_msgs:
            if self.closed:
                raise OSError(errno.EBADF, "Bad file descriptor")
            if self.disconnected or message.addr != self.address:
                raise _nack("no device at address")
            if self.clock.monotonic() + _EPSILON_S < self._busy_until:
                raise _nack("busy")
            if message.flags & I2C_M_RD:
                self._read(message)
            else:
                self._command(bytes(message))

    def close(self) -> None:
        """Close the bus handle."""
        self.closed = True

    # -- the chip -----------------------------------------------------------------------------

    def _command(self, data: bytes) -> None:
        if len(data) != 2:
            raise _nack("unsupported command length")
        command = (data[0] << 8) | data[1]
        now = self.clock.monotonic()
        self._answer = None
        if command == scd4x.START_PERIODIC_MEASUREMENT and self.mode == "idle":
            self.mode, self._periodic_since, self._served = "periodic", now, 0
        elif command == scd4x.STOP_PERIODIC_MEASUREMENT:
            self.mode = "idle"
        elif command == scd4x.GET_DATA_READY_STATUS:
            self._answer = scd4x.encode_words([0x8006 if self._waiting() else 0x8000])
        elif command == scd4x.READ_MEASUREMENT and self._waiting():
            self._served = self._latest()
            self._answer = scd4x.encode_words(self._measure())
        else:
            raise _nack(f"command {command:#06x} not accepted in {self.mode} mode")
        self.commands.append((now, command))
        self._busy_until = now + scd4x.EXECUTION_S[command]

    def _read(self, message: i2c_msg) -> None:
        if self._answer is None or message.len > len(self._answer):
            raise _nack("nothing to read")
        answer = bytearray(self._answer[:message.len])
        self._answer = None
        if self._take_corruption():
            answer[2] ^= 0x5A  # the first word's CRC byte
        ctypes.memmove(message.buf, bytes(answer), len(answer))

    def _latest(self) -> int:
        if self.mode != "periodic":
            return 0
        return int((self.clock.monotonic() - self._periodic_since + _EPSILON_S) // scd4x.MEASUREMENT_PERIOD_S)

    def _waiting(self) -> bool:
        return self.mode == "periodic" and self._latest() > self._served

    def _measure(self) -> tuple[int, int, int]:
        if self.stuck and self._last_words is not None:
            return self._last_words
        co2 = self.world.value(self.location, Quantity.CO2_PPM)
        temperature = self.world.value(self.location, Quantity.TEMPERATURE_C)
        humidity = self.world.value(self.location, Quantity.HUMIDITY_PCT)
        if self.out_of_range:
            co2 = 65535.0
        words = (
            max(0, min(0xFFFF, round(co2))),
            max(0, min(0xFFFF, round((temperature + 45.0) * 65535.0 / 175.0))),
            max(0, min(0xFFFF, round(humidity * 65535.0 / 100.0))),
        )
        self._last_words = words
        self.emitted.append((self.clock.now(), scd4x.convert(*words)))
        return words
