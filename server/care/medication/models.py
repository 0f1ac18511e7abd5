"""Medication records: requests, consents with the guardian's drawn signature, withdrawals, doses. Append-only.

Staff type a **request** from the bottle's label (or a guardian starts one on the phone); it is no consent and no
dose can be given against it. The guardian signs it on the phone: that makes the **consent** (`request_id` names
the request), or declines it (a `MedicationRequestDecline` row). A consent is never edited: a change before its
first dose is a new request the guardian signs, whose consent's `amends_id` names the one it replaces (readers use
the latest); after a dose the consent is locked and a change is a new consent altogether.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from compliance.care import Refusal
from server.centre.models import str_enum
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


class SigningChannel(StrEnum):
    """Where the guardian signed: on their own phone, or (consents before issue #16) on the room tablet."""

    PHONE = "phone"
    TABLET = "tablet"


class RequestSource(StrEnum):
    """Who typed a request: staff from the bottle's label (the guardian is notified to sign), or a guardian."""

    STAFF = "staff"
    GUARDIAN = "guardian"


class MedicationRequest(db.Model):
    """委托服药申请: what is asked to be signed — drug, dose, route, times, days — typed from the bottle's label.

    Not a consent: no dose is given against it. `amends_consent_id`: a correction of a consent before its first
    dose (the signature makes a consent amending that one, with `reason`).
    """

    __tablename__ = "medication_request"
    __table_args__ = (Index("ix_medication_request_child", "centre_id", "child_id"),)

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
    note: Mapped[str | None] = mapped_column(Text)
    # A consent's `request_id` points here, so this points back "after the tables exist" (use_alter): the two tables
    # have no order of creation or emptying otherwise. Records are never deleted; SET NULL only lets a test database
    # be emptied table by table.
    amends_consent_id: Mapped[int | None] = mapped_column(
        ForeignKey("medication_consent.id", use_alter=True, ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[RequestSource] = mapped_column(str_enum(RequestSource, 16))
    requested_by_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))  # a guardian's own
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class MedicationRequestDecline(db.Model):
    """A guardian declined a request (with the reason, e.g. "剂量写错了"): it can no longer be signed."""

    __tablename__ = "medication_request_decline"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("medication_request.id"), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))  # the guardian who declined
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


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
    # The request the guardian signed (one consent per request); None for consents signed on the tablet before.
    request_id: Mapped[int | None] = mapped_column(ForeignKey("medication_request.id"), unique=True)
    signed_via: Mapped[SigningChannel] = mapped_column(str_enum(SigningChannel, 16), default=SigningChannel.TABLET)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # the guardian who signed


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
LABELS: dict[StrEnum, tuple[str, str]] = {
    **{r: (r.zh, r.en) for r in Refusal},
    SigningChannel.PHONE: ("家长手机", "Guardian's phone"),
    SigningChannel.TABLET: ("班级平板", "Room tablet"),
    RequestSource.STAFF: ("工作人员录入", "Typed by staff"),
    RequestSource.GUARDIAN: ("家长发起", "Started by the guardian"),
}
