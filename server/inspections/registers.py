"""Every register a pack holds: one line per domain register, listed, not discovered."""

from __future__ import annotations

from compliance import RegisterSource
from server.attendance.register import ATTENDANCE_REGISTER
from server.centre import registers as centre_registers
from server.environment import register as environment_registers
from server.people import registers as people_registers
from server.rooms import registers as rooms_registers


def all_registers() -> list[RegisterSource]:
    """Registers in the order the pack's summary lists them; later domains add theirs here."""
    return [centre_registers.CLASSES, people_registers.CHILDREN, people_registers.FAMILIES, people_registers.STAFF,
            ATTENDANCE_REGISTER, rooms_registers.RATIO_VIOLATIONS, rooms_registers.PLACES_MONITORING,
            environment_registers.EXCEEDANCE_REGISTER, environment_registers.MONTHLY_SUMMARY]
