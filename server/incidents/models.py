"""The 表9 injury register's records: reports, signatures, the director's review, amendments, CCTV retention.

A report is a **draft** until its reporter signs it: until then the writer may change it (each change audited).
The reporter's signature **locks** it: from then on nothing of the report row changes, and a correction is an
`IncidentAmendment` row (field, old value, new value, reason, who, when) that references it; readers show the
amended values with their history. Signatures, the review and amendments are rows of their own, never edited.
`on_duty` is a snapshot of who was responsible when it happened (roster and room staff), taken when the report is
written and frozen at signing, so the record never changes with later rosters.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class Treatment(StrEnum):
    """Medical treatment after first aid: none, the centre's own clinic (保健室), or a hospital."""

    NONE = "none"
    CLINIC = "clinic"
    HOSPITAL = "hospital"


class ToldBy(StrEnum):
    """How the guardian was first told (before the notice): by phone, in person, or by the notice itself."""

    PHONE = "phone"
    IN_PERSON = "in_person"
    NOTICE = "notice"


class SignerRole(StrEnum):
    REPORTER = "reporter"
    WITNESS = "witness"


class SignedWith(StrEnum):
    """How a signer proved it was them: their kiosk PIN, their password, or the system (the demo's history)."""

    PIN = "pin"
    PASSWORD = "password"
    SYSTEM = "system"


class ReportStage(StrEnum):
    """Where a report stands (derived from its rows)."""

    DRAFT = "draft"
    AWAITING_WITNESS = "awaiting_witness"
    AWAITING_REVIEW = "awaiting_review"
    AWAITING_ACKNOWLEDGEMENT = "awaiting_acknowledgement"
    ACKNOWLEDGED = "acknowledged"


LABELS: dict[StrEnum, tuple[str, str]] = {
    Treatment.NONE: ("无需就医", "None"),
    Treatment.CLINIC: ("园内保健室处理", "The centre's clinic"),
    Treatment.HOSPITAL: ("送医院", "Hospital"),
    ToldBy.PHONE: ("电话", "By phone"),
    ToldBy.IN_PERSON: ("当面", "In person"),
    ToldBy.NOTICE: ("通知", "By notice"),
    SignerRole.REPORTER: ("报告人", "Reporter"),
    SignerRole.WITNESS: ("见证人", "Witness"),
    SignedWith.PIN: ("PIN 码", "PIN"),
    SignedWith.PASSWORD: ("密码", "Password"),
    SignedWith.SYSTEM: ("系统", "System"),
    ReportStage.DRAFT: ("草稿", "Draft"),
    ReportStage.AWAITING_WITNESS: ("待见证人签字", "Awaiting the witness"),
    ReportStage.AWAITING_REVIEW: ("待负责人审核", "Awaiting review"),
    ReportStage.AWAITING_ACKNOWLEDGEMENT: ("待家长确认", "Awaiting the guardian"),
    ReportStage.ACKNOWLEDGED: ("家长已确认", "Acknowledged"),
}


class IncidentReport(db.Model):
    """表9 儿童伤害登记表: one injury of one child — when, where, what, which body regions, cause, care, who knew."""

    __tablename__ = "incident_report"
    __table_args__ = (Index("ix_incident_report_centre_at", "centre_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))  # a room of the centre, or None
    place: Mapped[str | None] = mapped_column(String(120))  # a place in words (the yard, the stairs)
    injury_type: Mapped[str] = mapped_column(String(32))  # a key of compliance/incidents/injury_types.yaml
    body_regions: Mapped[list[str]] = mapped_column(JSON, default=list)  # ids of compliance.incidents.BODY_REGIONS
    cause: Mapped[str] = mapped_column(Text, default="")  # 经过与原因
    first_aid: Mapped[str] = mapped_column(Text, default="")  # 处理措施
    treatment: Mapped[Treatment] = mapped_column(str_enum(Treatment, 16), default=Treatment.NONE)
    treatment_place: Mapped[str | None] = mapped_column(String(120))  # the hospital's name
    guardian_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guardian_told_how: Mapped[ToldBy | None] = mapped_column(str_enum(ToldBy, 16))
    guardian_told_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    witness_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    cctv_camera: Mapped[str | None] = mapped_column(String(80))
    cctv_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cctv_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_duty: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # snapshot: roster and room staff then
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the draft's last change (never after signing)


class IncidentSignature(db.Model):
    """A member of staff signed a report as its reporter (locks it) or its witness; once per role."""

    __tablename__ = "incident_signature"
    __table_args__ = (UniqueConstraint("report_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    report_id: Mapped[int] = mapped_column(ForeignKey("incident_report.id"), index=True)
    role: Mapped[SignerRole] = mapped_column(str_enum(SignerRole, 16))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    signed_with: Mapped[SignedWith] = mapped_column(str_enum(SignedWith, 16))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # whose session it was


class IncidentReview(db.Model):
    """The director reviewed a signed and witnessed report (with a note); the guardians' notice is queued then."""

    __tablename__ = "incident_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    report_id: Mapped[int] = mapped_column(ForeignKey("incident_report.id"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("guardian_notice.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class IncidentAmendment(db.Model):
    """A correction of one field of a locked report: old and new value, why, who and when."""

    __tablename__ = "incident_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    report_id: Mapped[int] = mapped_column(ForeignKey("incident_report.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)  # as the API shows it (ISO instants, ids, lists)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class CctvRetention(db.Model):
    """How many days the centre's video recorder keeps footage, as the director recorded it (the latest counts)."""

    __tablename__ = "incident_cctv_retention"
    __table_args__ = (Index("ix_incident_cctv_retention_centre", "centre_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    days: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
