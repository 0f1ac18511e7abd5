"""A fake 1-wire sysfs tree: ``<root>/28-<serial>/w1_slave`` files written the way the kernel words them.

On a Pi the kernel makes the file's text when it is read. A folder of plain files cannot do that,
so the fake rewrites each sensor's file on ``tick()`` (the agent ticks its fakes before reading).
Faults: ``disconnect()`` removes the sensor's folder (the kernel drops a device that stops
answering); ``reconnect()`` brings it back with the 85 °C power-on scratchpad for one read;
``corrupt()`` writes a scratchpad the kernel flags ``crc=.. NO``; ``stick()`` leaves the file as
it is; ``go_out_of_range()`` writes 127.94 °C (0x07FF), which a DS18B20 cannot measure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from hardware.clock import Clock
from hardware.sensors.ds18b20 import FAMILY, POWER_ON_RAW, dallas_crc, scratchpad_lines
from hardware.sensors.fake_base import FaultyFake
from hardware.sensors.kinds import Quantity
from hardware.sensors.world import World


def scratchpad(raw: int) -> bytes:
    """A DS18B20 scratchpad for a raw 1/16 °C reading: alarm bytes, 12-bit config, reserved, CRC."""
    body = raw.to_bytes(2, "little", signed=True) + bytes([0x4B, 0x46, 0x7F, 0xFF, (16 - (raw & 0x0F)) or 16, 0x10])
    return body + bytes([dallas_crc(body)])


class FakeDS18B20(FaultyFake):
    """One DS18B20 in a fake ``/sys/bus/w1/devices`` folder."""

    def __init__(self, root: Path, serial: str, world: World, location: str, clock: Clock) -> None:
        super().__init__(clock)
        self.root = root
        self.serial = serial
        self.world = world
        self.location = location
        self.folder = root / f"{FAMILY}-{serial}"
        self._powered_on = True
        self._text: str | None = None
        self.tick()

    def _power_on(self) -> None:
        self._powered_on = True

    def tick(self) -> None:
        """Write the text a read would give now."""
        if self.disconnected:
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        if self.stuck and self._text is not None:
            self._write(self._text)
            return
        if self._powered_on:
            self._powered_on = False
            self._write(scratchpad_lines(scratchpad(POWER_ON_RAW)))
            return
        celsius = self.world.value(self.location, Quantity.FRIDGE_C)
        raw = 0x07FF if self.out_of_range else round(celsius * 16)
        pad = scratchpad(raw)
        if self._take_corruption():
            pad = pad[:3] + bytes([pad[3] ^ 0x21]) + pad[4:]  # a bit flipped on the wire
            self._write(scratchpad_lines(pad, kernel_crc_ok=False))
            return
        self.emitted.append((self.clock.now(), {Quantity.FRIDGE_C: raw / 16.0}))
        self._write(scratchpad_lines(pad))

    def _write(self, text: str) -> None:
        self._text = text
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / "w1_slave.tmp"
        tmp.write_text(text, encoding="ascii")
        os.replace(tmp, self.folder / "w1_slave")
