"""Maxim DS18B20 (fridge temperature) over the Linux 1-wire sysfs of the ``w1-gpio`` overlay.

Reading ``/sys/bus/w1/devices/28-<serial>/w1_slave`` makes the kernel run one conversion
(~750 ms at 12 bits) and answers two lines, each with the 9 scratchpad bytes::

    72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
    72 01 4b 46 7f ff 0e 10 57 t=23125

We do not take the kernel's word alone: the Dallas CRC-8 (polynomial x^8 + x^5 + x^4 + 1,
reflected 0x8C) of bytes 0..7 is checked against byte 8 here too, and the temperature is
computed from bytes 0..1 (signed, 1/16 °C). Faults:

* ``crc=.. NO``, or our own CRC disagreeing, or lines that do not parse → CRC;
* no such file (the kernel dropped the sensor), an I/O error, or an all-zero scratchpad
  (data line shorted to ground: the CRC of zeros is zero, but byte 5 of a real one is 0xFF) → DISCONNECTED;
* 85.000 °C with the power-on scratchpad (``50 05 ...``): no conversion ran → NOT_READY.
"""

from __future__ import annotations

import re
from pathlib import Path

from hardware.sensors.base import Sample, SensorFault, checked
from hardware.sensors.kinds import FaultCode, Quantity

W1_DEVICES = Path("/sys/bus/w1/devices")
FAMILY = "28"
POWER_ON_RAW = 0x0550  # 85 °C: the scratchpad's reset value
_LINE_1 = re.compile(r"^((?:[0-9a-f]{2} ){9}): crc=([0-9a-f]{2}) (YES|NO)$")
_LINE_2 = re.compile(r"^((?:[0-9a-f]{2} ){9})t=(-?\d+)$")


def dallas_crc(data: bytes) -> int:
    """Maxim/Dallas 1-wire CRC-8 (reflected polynomial 0x8C, init 0)."""
    crc = 0
    for byte in data:
        for _ in range(8):
            mix = (crc ^ byte) & 1
            crc >>= 1
            if mix:
                crc ^= 0x8C
            byte >>= 1
    return crc


def scratchpad_lines(scratchpad: bytes, *, kernel_crc_ok: bool | None = None) -> str:
    """The text the kernel gives for a scratchpad (what the fake writes)."""
    if len(scratchpad) != 9:
        raise ValueError("a scratchpad is 9 bytes")
    hex_bytes = " ".join(f"{b:02x}" for b in scratchpad) + " "
    ok = dallas_crc(scratchpad[:8]) == scratchpad[8] if kernel_crc_ok is None else kernel_crc_ok
    raw = int.from_bytes(scratchpad[:2], "little", signed=True)
    return f"{hex_bytes}: crc={scratchpad[8]:02x} {'YES' if ok else 'NO'}\n{hex_bytes}t={int(raw * 1000 / 16)}\n"


def parse(text: str) -> tuple[float, bytes]:
    """``(°C, scratchpad)`` from ``w1_slave`` text, or ``SensorFault`` saying what is wrong."""
    lines = text.strip().splitlines()
    first = _LINE_1.match(lines[0].strip()) if lines else None
    second = _LINE_2.match(lines[1].strip()) if len(lines) == 2 else None
    if first is None or second is None:
        raise SensorFault(FaultCode.CRC, f"unreadable w1_slave text: {text[:80]!r}")
    scratchpad = bytes.fromhex(first.group(1))
    if first.group(3) != "YES":
        raise SensorFault(FaultCode.CRC, "the kernel reports a CRC mismatch")
    if dallas_crc(scratchpad[:8]) != scratchpad[8]:
        raise SensorFault(FaultCode.CRC, f"scratchpad CRC {scratchpad[8]:02x}, computed {dallas_crc(scratchpad[:8]):02x}")
    if not any(scratchpad):
        raise SensorFault(FaultCode.DISCONNECTED, "all-zero scratchpad (data line held low)")
    raw = int.from_bytes(scratchpad[:2], "little", signed=True)
    if raw == POWER_ON_RAW:
        raise SensorFault(FaultCode.NOT_READY, "85 °C power-on value: no conversion yet")
    return raw / 16.0, scratchpad


def device_path(where: str, root: Path = W1_DEVICES) -> Path:
    """The sensor's folder from a config ``path``: a full path, or a ``28-...`` id under ``root``."""
    path = Path(where)
    return path if path.is_absolute() else root / where


class DS18B20:
    """One DS18B20, read through its sysfs folder."""

    def __init__(self, folder: Path, *, model: str = "DS18B20") -> None:
        self.folder = folder
        self.model = model

    def read(self) -> Sample:
        """The fridge temperature, or a fault."""
        try:
            text = (self.folder / "w1_slave").read_text(encoding="ascii", errors="replace")
        except FileNotFoundError as exc:
            raise SensorFault(FaultCode.DISCONNECTED, f"{self.folder.name} is not on the 1-wire bus") from exc
        except OSError as exc:
            raise SensorFault(FaultCode.DISCONNECTED, f"{self.folder.name}: {exc}") from exc
        celsius, scratchpad = parse(text)
        return checked({Quantity.FRIDGE_C: celsius}, tuple(scratchpad[:2]))

    def close(self) -> None:
        """Nothing to release: every read opens the file anew."""
