"""Staff files (从业人员资质): credentials, their scans, and the duty roster (排班). Append-only."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from compliance.staffing import CredentialKind, CredentialState
from server.database import UTCDateTime, db

# Closed sets of the staff files shown on screens and in exports (the app factory adds them to tuoyu.labels).
LABELS: dict[StrEnum, tuple[str, str]] = {
    CredentialState.VALID: ("有效", "Valid"),
    CredentialState.EXPIRING: ("即将到期", "Expiring"),
    CredentialState.EXPIRED: ("已过期", "Expired"),
    CredentialState.NOT_YET_VALID: ("尚未生效", "Not yet valid"),
    CredentialKind.HEALTH: ("健康证明", "Health"),
    CredentialKind.BACKGROUND: ("背景审查", "Background check"),
    CredentialKind.QUALIFICATION: ("资格证书", "Qualification"),
}


class StaffDocument(db.Model):
    """A scan of a credential. The bytes live outside the database, in a file named by their SHA-256."""

    __tablename__ = "staff_document"
    __table_args__ = (UniqueConstraint("staff_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))  # from the content, never from the client
    size: Mapped[int]
    original_name: Mapped[str] = mapped_column(String(120))  # sanitised, for display only
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class StaffCredential(db.Model):
    """One credential a person holds (健康证, 无犯罪记录证明, 保育师证…).

    A correction is a new row whose `amends_id` names the row it replaces (that row stops counting); a renewal
    is a new row of the same type.
    """

    __tablename__ = "staff_credential"
    __table_args__ = (Index("ix_staff_credential_staff", "centre_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    type_code: Mapped[str] = mapped_column(String(40))  # a code of compliance.staffing's catalogue
    number: Mapped[str] = mapped_column(String(64))  # in full; shown masked (compliance.staffing.mask_number)
    issuer: Mapped[str] = mapped_column(String(120))
    issued_on: Mapped[date]
    expires_on: Mapped[date | None]
    level: Mapped[str | None] = mapped_column(String(40))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("staff_document.id"))
    # One correction per row: a later correction amends the correction.
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("staff_credential.id"), unique=True)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Shift(db.Model):
    """A duty: one person, one day, in a room (child-facing) or off the floor (room_id None)."""

    __tablename__ = "staff_shift"
    __table_args__ = (Index("ix_staff_shift_day", "centre_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[date]  # the centre's local date the shift starts on
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ShiftCancellation(db.Model):
    """A shift taken off the roster: the shift row stays, this row says it no longer counts."""

    __tablename__ = "staff_shift_cancellation"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("staff_shift.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
