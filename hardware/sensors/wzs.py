"""Dart WZ-S formaldehyde (HCHO) module over UART, 9600 8N1, in its default active-upload mode.

Active-upload frame, once a second (9 bytes)::

    FF 17 04 DD HH LL FH FL CS
    |  |  |  |  concentration  full range   checksum = (~(sum of bytes 1..7) + 1) & 0xFF
    |  |  |  decimal places (0 on the WZ-S)
    |  |  unit: 0x04 = ppb
    |  gas: 0x17 = CH2O
    start byte

The same module answers Q&A mode (``FF 86 ...``); we switch it to active upload on start with
``FF 01 78 40 00 00 00 00 47`` in case another program left it in Q&A mode. ppb are converted to
mg/m³ at 25 °C, 1 atm: mg/m³ = ppb × 30.03 / 24.45 / 1000 (30.03 g/mol, 24.45 L/mol).
The electrochemical cell needs up to 3 minutes after power-on before it reads right.
"""

from __future__ import annotations

from collections.abc import Iterable

from hardware.clock import Clock
from hardware.sensors.base import Sample, checked
from hardware.sensors.kinds import Quantity
from hardware.sensors.uart import FrameFormat, FrameReader, SerialPort

START = 0xFF
GAS_CH2O = 0x17
UNIT_PPB = 0x04
FRAME_LENGTH = 9
WARMUP_S = 180.0
FULL_RANGE_PPB = 2000
HCHO_G_PER_MOL = 30.03
MOLAR_VOLUME_L = 24.45


def checksum(frame: Iterable[int]) -> int:
    """(~(byte1 + ... + byte7) + 1) & 0xFF: the two's complement of the sum of bytes 1..7."""
    return (~sum(list(frame)[1:8]) + 1) & 0xFF


def command(body: bytes) -> bytes:
    """A 9-byte command with its checksum appended (``body`` is bytes 0..7)."""
    return body + bytes([checksum(body + b"\x00")])


SWITCH_TO_ACTIVE = command(b"\xff\x01\x78\x40\x00\x00\x00\x00")
SWITCH_TO_QA = command(b"\xff\x01\x78\x41\x00\x00\x00\x00")


def is_valid(frame: bytes) -> bool:
    """An active-upload CH2O frame in ppb whose checksum holds."""
    return (len(frame) == FRAME_LENGTH and frame[0] == START and frame[1] == GAS_CH2O
            and frame[2] == UNIT_PPB and frame[8] == checksum(frame))


def encode_frame(ppb: int, *, decimals: int = 0, full_range: int = FULL_RANGE_PPB) -> bytes:
    """The frame the module sends for a concentration in ppb (raw count, ``decimals`` places)."""
    body = bytes([START, GAS_CH2O, UNIT_PPB, decimals, (ppb >> 8) & 0xFF, ppb & 0xFF,
                  (full_range >> 8) & 0xFF, full_range & 0xFF])
    return command(body)  # the same checksum rule as the commands


def ppb_of(frame: bytes) -> float:
    """The concentration in ppb of a valid frame (decimal places applied)."""
    if not is_valid(frame):
        raise ValueError("not a valid WZ-S frame")
    return ((frame[4] << 8) | frame[5]) / 10 ** frame[3]


def ppb_to_mgm3(ppb: float) -> float:
    """HCHO ppb to mg/m³ at 25 °C and 101.325 kPa."""
    return ppb * HCHO_G_PER_MOL / MOLAR_VOLUME_L / 1000.0


FORMAT = FrameFormat(bytes([START]), FRAME_LENGTH, is_valid)


class WZS:
    """One WZ-S on a serial port."""

    def __init__(self, port: SerialPort, clock: Clock, *, model: str = "WZ-S", warmup_s: float = WARMUP_S) -> None:
        self.port = port
        self.model = model
        try:
            port.write(SWITCH_TO_ACTIVE)
        except OSError:
            pass  # a missing module shows as DISCONNECTED on read
        self._reader = FrameReader(port, FORMAT, clock, warmup_s=warmup_s)

    def read(self) -> Sample:
        """Formaldehyde in mg/m³ from the newest good frame."""
        frame = self._reader.newest()
        ppb = ppb_of(frame)
        return checked({Quantity.HCHO_MGM3: round(ppb_to_mgm3(ppb), 4)}, (frame[3], frame[4], frame[5]))

    def close(self) -> None:
        """Release the port."""
        self.port.close()
