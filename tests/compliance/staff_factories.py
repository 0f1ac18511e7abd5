"""Small factories for the staff-file tests: people, certificates, duties, the rulebook in force."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

from compliance.rulebook import Rulebook, effective_rulebook
from compliance.staffing import (
    DutyRecord,
    HeldCredential,
    StaffMemberRecord,
    TrainingRecord,
    default_catalogue,
)

CATALOGUE = default_catalogue()
RULES = effective_rulebook(None, None, date(2025, 6, 1))
_ids: Iterator[int] = count(1)

# One credential of each requirement per role, used by `certified_set`.
FIRST_CHOICE = {
    "director": ("health_certificate", "criminal_record_check", "director_training"),
    "caregiver": ("health_certificate", "criminal_record_check", "childcare_worker"),
    "teacher": ("health_certificate", "criminal_record_check", "kindergarten_teacher"),
    "health": ("health_certificate", "criminal_record_check", "health_care_training"),
    "kitchen": ("health_certificate", "criminal_record_check", "food_handler_health"),
    "security": ("health_certificate", "criminal_record_check", "security_guard"),
}


def cred(
    staff_id: int, code: str, issued_on: date, expires_on: date | None = None, *, level: str | None = None
) -> HeldCredential:
    """A credential with a fresh id."""
    return HeldCredential(
        credential_id=next(_ids), staff_id=staff_id, type_code=code, number_masked="4401****1234",
        issuer="邵阳市妇幼保健院", issued_on=issued_on, expires_on=expires_on, level=level,
    )


def member(staff_id: int, role: str = "caregiver", *, name: str | None = None, hired_on: date = date(2024, 1, 1),
           left_on: date | None = None) -> StaffMemberRecord:
    """A member of staff, named 员工<id> unless told."""
    return StaffMemberRecord(staff_id, name or f"员工{staff_id}", role, hired_on, left_on)


def certified_set(staff_id: int, role: str = "caregiver", *, issued_on: date = date(2025, 1, 1),
                  health_until: date | None = None) -> list[HeldCredential]:
    """Everything ``role`` needs; the yearly ones issued on ``issued_on`` and printed to expire in a year (the day before the anniversary)."""
    yearly = {"health_certificate", "food_handler_health"}
    printed = health_until or date(issued_on.year + 1, issued_on.month, issued_on.day) - timedelta(days=1)
    return [cred(staff_id, code, issued_on, printed if code in yearly else None) for code in FIRST_CHOICE[role]]


def duty(staff_id: int, day: date, source: str = "roster") -> DutyRecord:
    """One duty day."""
    return DutyRecord(staff_id, day, 1, source)


def training(staff_id: int, held_on: date, category: str = "emergency", hours: str = "2") -> TrainingRecord:
    """One training line."""
    return TrainingRecord(staff_id, held_on, category, Decimal(hours), "邵阳市妇幼保健院", "应急演练")


def without(rules: Rulebook, rule_id: str) -> Rulebook:
    """The same rulebook with one rule not in force."""
    return dataclasses.replace(rules, rules={k: v for k, v in rules.rules.items() if k != rule_id})
