"""Medication records: consents with the guardian's drawn signature, withdrawals, doses. Append-only.

A consent is never edited: a change before its first dose is a new consent whose `amends_id` names the one it
replaces (readers use the latest); after a dose the consent is locked and a change is a new consent altogether.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from compliance.care import Refusal
from server.database import UTCDateTime, db


class MedicationSignature(db.Model):
    """A guardian's signature drawn on the tablet: a PNG checked by content, kept once per centre by its hash."""

    __tablename__ = "medication_signature"
    __table_args__ = (UniqueConstraint("centre_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))  # from the content, never from the client
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class MedicationConsent(db.Model):
    """委托服药单: what the guardian signed — drug, dose, route, local times of day, first and last day."""

    __tablename__ = "medication_consent"
    __table_args__ = (Index("ix_medication_consent_child", "centre_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    drug: Mapped[str] = mapped_column(String(120))
    dose: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    dose_unit: Mapped[str] = mapped_column(String(20))
    route: Mapped[str] = mapped_column(String(40))
    times: Mapped[list[str]] = mapped_column(JSON)  # local "HH:MM", sorted
    first_day: Mapped[date]
    last_day: Mapped[date]
    window_minutes: Mapped[int]
    max_doses_per_day: Mapped[int | None]
    signed_by_contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signature_id: Mapped[int] = mapped_column(ForeignKey("medication_signature.id"))
    note: Mapped[str | None] = mapped_column(Text)
    # One correction per row (before the first dose only): a later correction amends the correction.
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("medication_consent.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ConsentWithdrawal(db.Model):
    """The guardian withdrew a consent: from `at` no dose may be given under it."""

    __tablename__ = "medication_consent_withdrawal"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    consent_id: Mapped[int] = mapped_column(ForeignKey("medication_consent.id"), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class MedicationDose(db.Model):
    """服药记录: one dose given by a member of staff, witnessed by another, against a consent."""

    __tablename__ = "medication_dose"
    __table_args__ = (Index("ix_medication_dose_centre_at", "centre_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    consent_id: Mapped[int] = mapped_column(ForeignKey("medication_consent.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    drug: Mapped[str] = mapped_column(String(120))
    dose: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    dose_unit: Mapped[str] = mapped_column(String(20))
    route: Mapped[str] = mapped_column(String(40))
    given_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    witnessed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


# Why a dose was refused, in both languages (the library's own words; the app factory adds them to tuoyu.labels).
LABELS: dict[StrEnum, tuple[str, str]] = {r: (r.zh, r.en) for r in Refusal}
