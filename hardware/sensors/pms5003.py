"""Plantower PMS5003 (PM2.5, PM10) over UART, 9600 8N1, in its default active mode.

Frame (32 bytes, big-endian): ``42 4D``, frame length 28 (2 bytes), 13 data words, checksum
(2 bytes) = sum of bytes 0..29. Data words: PM1.0 / PM2.5 / PM10 in µg/m³ "CF=1, standard
particle" (factory calibration), the same three "under atmospheric environment" (the ones we
report), six particle counts per 0.1 L (> 0.3, 0.5, 1, 2.5, 5, 10 µm) and a reserved word.
The fan needs about 30 s after power-on before readings are stable.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from hardware.clock import Clock
from hardware.sensors.base import Sample, checked
from hardware.sensors.kinds import Quantity
from hardware.sensors.uart import FrameFormat, FrameReader, SerialPort

HEADER = b"\x42\x4d"
FRAME_LENGTH = 32
LENGTH_FIELD = 28
WARMUP_S = 30.0
WORDS = ("pm1_cf1", "pm25_cf1", "pm10_cf1", "pm1_atm", "pm25_atm", "pm10_atm",
         "n03", "n05", "n10", "n25", "n50", "n100", "reserved")


def checksum(frame: bytes) -> int:
    """Sum of bytes 0..29, as 16 bits."""
    return sum(frame[:30]) & 0xFFFF


def is_valid(frame: bytes) -> bool:
    """Header, length field 28 and checksum all as the datasheet says."""
    return (len(frame) == FRAME_LENGTH and frame[:2] == HEADER
            and struct.unpack(">H", frame[2:4])[0] == LENGTH_FIELD
            and struct.unpack(">H", frame[30:32])[0] == checksum(frame))


def encode_frame(words: Sequence[int]) -> bytes:
    """A frame carrying the 13 data words (what the sensor, and the fake, send)."""
    if len(words) != len(WORDS):
        raise ValueError(f"a PMS5003 frame carries {len(WORDS)} words")
    body = HEADER + struct.pack(">H13H", LENGTH_FIELD, *words)
    return body + struct.pack(">H", checksum(body))


def decode_frame(frame: bytes) -> dict[str, int]:
    """The 13 data words by name; ``ValueError`` for a frame that is not valid."""
    if not is_valid(frame):
        raise ValueError("not a valid PMS5003 frame")
    return dict(zip(WORDS, struct.unpack(">13H", frame[4:30]), strict=True))


FORMAT = FrameFormat(HEADER, FRAME_LENGTH, is_valid)


class PMS5003:
    """One PMS5003 on a serial port."""

    def __init__(self, port: SerialPort, clock: Clock, *, model: str = "PMS5003", warmup_s: float = WARMUP_S) -> None:
        self.port = port
        self.model = model
        self._reader = FrameReader(port, FORMAT, clock, warmup_s=warmup_s)

    def read(self) -> Sample:
        """PM2.5 and PM10 (atmospheric environment) of the newest good frame."""
        frame = self._reader.newest()
        words = decode_frame(frame)
        values = {Quantity.PM25_UGM3: float(words["pm25_atm"]), Quantity.PM10_UGM3: float(words["pm10_atm"])}
        return checked(values, tuple(struct.unpack(">13H", frame[4:30])))

    def close(self) -> None:
        """Release the port."""
        self.port.close()
