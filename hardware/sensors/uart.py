"""Cutting checksummed frames out of a UART byte stream (PMS5003, WZ-S), resyncing on garbage.

Both sensors talk first: in their active mode they send a fixed-length frame about once a
second. The port is opened non-blocking (``timeout=0``), so reading never waits: each ``read()``
of a driver takes whatever bytes arrived since the last one, keeps an incomplete frame for next
time, and uses the newest frame whose checksum holds. A header found inside garbage whose
checksum fails is skipped one byte at a time, so the reader finds the next real frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hardware.clock import Clock
from hardware.sensors.base import SensorFault
from hardware.sensors.kinds import FaultCode

MAX_BUFFER = 4096
"""Like the kernel's tty buffer: more unread bytes than this are stale anyway."""


class SerialPort(Protocol):
    """What the drivers need of ``serial.Serial`` (and what the fake ports offer)."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def reset_input_buffer(self) -> None: ...

    def close(self) -> None: ...


def open_serial(path: str, baudrate: int = 9600) -> SerialPort:
    """A real port, 8N1, non-blocking; a port that cannot be opened reads as a disconnected sensor."""
    import serial

    try:
        return serial.Serial(path, baudrate=baudrate, bytesize=serial.EIGHTBITS, parity=serial.PARITY_NONE,
                             stopbits=serial.STOPBITS_ONE, timeout=0)
    except (OSError, ValueError) as exc:
        return MissingPort(path, str(exc))


class MissingPort:
    """Stands in for a port that does not exist (no adapter, wrong path): every read is a DISCONNECTED fault."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason

    @property
    def in_waiting(self) -> int:
        """Never: there is no port."""
        raise OSError(f"{self.path}: {self.reason}")

    def read(self, size: int = 1) -> bytes:
        raise OSError(f"{self.path}: {self.reason}")

    def write(self, data: bytes) -> int | None:
        raise OSError(f"{self.path}: {self.reason}")

    def reset_input_buffer(self) -> None:
        """Nothing to drop."""

    def close(self) -> None:
        """Nothing to close."""


@dataclass(frozen=True)
class FrameFormat:
    """How one sensor frames its data."""

    header: bytes
    length: int
    is_valid: Callable[[bytes], bool]
    """Checks a candidate of ``length`` bytes starting with ``header`` (length field, checksum)."""


class FrameReader:
    """Newest valid frame from a port, with the fault to report when there is none."""

    def __init__(self, port: SerialPort, frame: FrameFormat, clock: Clock, *, warmup_s: float,
                 silence_s: float = 10.0) -> None:
        self.port = port
        self._frame = frame
        self._clock = clock
        self._warmup_s = warmup_s
        self._silence_s = silence_s
        self._buffer = b""
        self._opened = clock.monotonic()
        self._last_bytes = self._opened
        try:
            port.reset_input_buffer()  # whatever sat in the driver's buffer before we started is stale
        except OSError:
            pass

    def newest(self) -> bytes:
        """The newest checksummed frame since the last call, or ``SensorFault`` saying why there is none."""
        now = self._clock.monotonic()
        try:
            waiting = self.port.in_waiting
            data = self.port.read(waiting) if waiting else b""
        except OSError as exc:
            raise SensorFault(FaultCode.DISCONNECTED, f"serial port: {exc}") from exc
        if data:
            self._last_bytes = now
        frames, bad = self._cut((self._buffer + data)[-MAX_BUFFER:])
        if frames:
            if now - self._opened < self._warmup_s:
                raise SensorFault(FaultCode.NOT_READY, f"warming up ({self._warmup_s:g} s after start)")
            return frames[-1]
        if bad:
            raise SensorFault(FaultCode.CRC, f"{bad} frame(s) with a bad checksum and none good")
        if now - self._last_bytes >= self._silence_s:
            raise SensorFault(FaultCode.DISCONNECTED, f"no bytes for {now - self._last_bytes:.0f} s")
        raise SensorFault(FaultCode.NOT_READY, "no complete frame yet")

    def _cut(self, buffer: bytes) -> tuple[list[bytes], int]:
        header, length = self._frame.header, self._frame.length
        frames: list[bytes] = []
        bad = 0
        start = 0
        while True:
            found = buffer.find(header, start)
            if found < 0:
                # Keep a possible first half of a header that ends the buffer.
                keep = len(header) - 1
                self._buffer = buffer[-keep:] if keep and buffer.endswith(header[:keep]) else b""
                break
            if len(buffer) - found < length:
                self._buffer = buffer[found:]
                break
            candidate = buffer[found:found + length]
            if self._frame.is_valid(candidate):
                frames.append(candidate)
                start = found + length
            else:
                bad += 1
                start = found + 1
        return frames, bad
