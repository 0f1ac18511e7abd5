"""Fake serial ports with a PMS5003 or a WZ-S on the other end, streaming frames by the injected clock.

A port offers what the drivers use of ``serial.Serial``: ``read(n)`` (non-blocking: what has
arrived, at most n bytes), ``in_waiting``, ``write``, ``reset_input_buffer`` and ``close``. The
sensor sends one frame per ``period_s``; frames are produced lazily when the port is looked at,
for every period that has passed. Like the kernel's tty buffer, at most 4096 unread bytes are
kept and later ones are lost. Extra world verb: ``garble(n)`` puts n noise bytes on the line.
"""

from __future__ import annotations

import math
import random

from hardware.clock import Clock
from hardware.sensors import pms5003, wzs
from hardware.sensors.fake_base import FaultyFake
from hardware.sensors.kinds import Quantity
from hardware.sensors.uart import MAX_BUFFER
from hardware.sensors.world import World

_EPSILON_S = 1e-9


class FakeStreamPort(FaultyFake):
    """A port whose sensor talks every ``period_s``; subclasses make the frames."""

    def __init__(self, world: World, location: str, clock: Clock, *, period_s: float = 1.0, seed: int = 0) -> None:
        super().__init__(clock)
        self.world = world
        self.location = location
        self.period_s = period_s
        self.rng = random.Random(seed)
        self.is_open = True
        self.written: list[tuple[float, bytes]] = []
        """Bytes the host sent, as (clock.monotonic(), data)."""
        self._buffer = bytearray()
        self._last_frame: bytes | None = None
        self._power_on()

    def _power_on(self) -> None:
        self._next_at = self.clock.monotonic() + self.period_s
        self._last_frame = None

    # -- pyserial -----------------------------------------------------------------------------

    @property
    def in_waiting(self) -> int:
        """Bytes received and not yet read."""
        self._check_open()
        self._fill()
        return len(self._buffer)

    def read(self, size: int = 1) -> bytes:
        """Up to ``size`` bytes that have arrived (never waits: the port runs with ``timeout=0``)."""
        self._check_open()
        self._fill()
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def write(self, data: bytes) -> int:
        """Send bytes to the sensor."""
        self._check_open()
        self.written.append((self.clock.monotonic(), bytes(data)))
        if not self.disconnected:
            self._received(bytes(data))
        return len(data)

    def reset_input_buffer(self) -> None:
        """Drop everything received so far."""
        self._check_open()
        self._fill()
        self._buffer.clear()

    def close(self) -> None:
        """Close the port."""
        self.is_open = False

    def garble(self, count: int = 16) -> None:
        """Line noise: ``count`` random bytes arrive now, some of them looking like a frame start."""
        self._fill()
        noise = bytearray(self.rng.randrange(256) for _ in range(count))
        for index in range(0, count, 7):
            noise[index] = self._frame_start()
        self._append(bytes(noise))

    # -- the sensor ---------------------------------------------------------------------------

    def _check_open(self) -> None:
        if not self.is_open:
            raise OSError("port is closed")

    def _fill(self) -> None:
        now = self.clock.monotonic()
        while self._next_at <= now + _EPSILON_S:
            if len(self._buffer) >= MAX_BUFFER:
                # Full: everything the sensor sends until someone reads is lost; skip ahead.
                missed = math.floor((now + _EPSILON_S - self._next_at) / self.period_s) + 1
                self._next_at += missed * self.period_s
                break
            if not self.disconnected and self._talking():
                self._append(self._next_frame())
            self._next_at += self.period_s

    def _next_frame(self) -> bytes:
        if self.stuck and self._last_frame is not None:
            frame = self._last_frame
        else:
            frame = self._make_frame()
            self._last_frame = frame
        if self._take_corruption():
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        return frame

    def _append(self, data: bytes) -> None:
        room = MAX_BUFFER - len(self._buffer)
        self._buffer += data[:max(0, room)]

    def _talking(self) -> bool:
        return True

    def _received(self, data: bytes) -> None:
        """The sensor got bytes from the host (subclasses may act on commands)."""

    def _frame_start(self) -> int:
        raise NotImplementedError

    def _make_frame(self) -> bytes:
        raise NotImplementedError


class FakePMS5003Port(FakeStreamPort):
    """A PMS5003 in active mode: a 32-byte frame every second."""

    def _frame_start(self) -> int:
        return pms5003.HEADER[0]

    def _make_frame(self) -> bytes:
        pm25 = self.world.value(self.location, Quantity.PM25_UGM3)
        pm10 = self.world.value(self.location, Quantity.PM10_UGM3)
        if self.out_of_range:
            pm25, pm10 = 1500.0, 1800.0
        pm1 = pm25 * 0.68
        # Counts per 0.1 L scale with the mass; the noise makes every real frame a little different.
        counts = [max(0, round(pm1 * k + self.rng.gauss(0, 12))) for k in (95.0, 28.0, 5.2, 0.6, 0.15, 0.05)]
        atm = [round(pm1), round(pm25), round(pm10)]
        cf1 = [round(v * (1.0 if v < 30 else 1.25)) for v in (pm1, pm25, pm10)]
        words = [min(0xFFFF, w) for w in [*cf1, *atm, *counts, 0x9700]]
        self.emitted.append((self.clock.now(), {Quantity.PM25_UGM3: float(atm[1]),
                                                Quantity.PM10_UGM3: float(atm[2])}))
        return pms5003.encode_frame(words)


class FakeWZSPort(FakeStreamPort):
    """A WZ-S: a 9-byte frame every second in active-upload mode, silent in Q&A mode."""

    def _power_on(self) -> None:
        super()._power_on()
        self.mode = "active"

    def _talking(self) -> bool:
        return self.mode == "active"

    def _received(self, data: bytes) -> None:
        if data == wzs.SWITCH_TO_ACTIVE:
            self.mode = "active"
        elif data == wzs.SWITCH_TO_QA:
            self.mode = "qa"

    def _frame_start(self) -> int:
        return wzs.START

    def _make_frame(self) -> bytes:
        mgm3 = self.world.value(self.location, Quantity.HCHO_MGM3)
        ppb = round(mgm3 * wzs.MOLAR_VOLUME_L * 1000.0 / wzs.HCHO_G_PER_MOL)
        if self.out_of_range:
            ppb = 9000
        self.emitted.append((self.clock.now(), {Quantity.HCHO_MGM3: round(wzs.ppb_to_mgm3(ppb), 4)}))
        return wzs.encode_frame(min(0xFFFF, ppb))
