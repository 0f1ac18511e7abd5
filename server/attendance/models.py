"""Kiosk credentials of adults, and the append-only attendance events (出勤登记 evidence)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class Credential(db.Model):
    """What lets an adult (a contact or a member of staff) through the kiosk: a card serial, phones, a PIN."""

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    card_serial: Mapped[int] = mapped_column(default=1)
    # A lost card is revoked by serial; the reissued card carries the next serial.
    revoked_serials: Mapped[list[int]] = mapped_column(JSON, default=list)
    expires_on: Mapped[date]
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PhoneKey(db.Model):
    """The public key of a phone enrolled for a credential (the phone page signs 30-s codes with it)."""

    __tablename__ = "phone_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AttendanceKind(StrEnum):
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    REFUSED = "refused"


class AttendanceEvent(db.Model):
    """One child (or staff member) in or out, or a refused attempt. Never edited: a correction amends."""

    __tablename__ = "attendance_event"
    __table_args__ = (Index("ix_attendance_event_centre_at", "centre_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    kind: Mapped[AttendanceKind] = mapped_column(str_enum(AttendanceKind, 16))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    method: Mapped[str | None] = mapped_column(String(16))  # card | phone | pin | manual
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("credential.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    device_pk: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    device_key: Mapped[str | None] = mapped_column(String(64))
    # The server's authoritative re-check: stored anyway, flagged, staff alerted.
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(String(64))  # for refused attempts
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("attendance_event.id"))
    # Why a member of staff corrected the day by hand (method "manual"): a missed or wrong scan.
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AbsenceReason(StrEnum):
    SICK = "sick"  # 因病缺勤 (with the disease name, 附件4)
    PERSONAL = "personal"  # 事假
    OTHER = "other"


class Absence(db.Model):
    """Why a child is away on a day. Append-only: a correction is a new row that amends an earlier one."""

    __tablename__ = "absence"
    __table_args__ = (Index("ix_absence_child_on", "child_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    on: Mapped[date]
    reason: Mapped[AbsenceReason] = mapped_column(str_enum(AbsenceReason, 16))
    disease: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("absence.id"))
