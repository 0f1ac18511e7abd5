"""Safeguarding concerns and their handling: every row append-only, none ever edited.

A concern is what a member of staff saw or was told; the staff involved are rows of their own with their line
managers at the time (a snapshot), escalation steps and notes are rows, and a correction is an amendment row with
its reason. Who may read them: the director, the designated safeguarding leads she names (a designation and its
revocation are rows) and inspectors whose grant carries the safeguarding scope (a row per grant).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class ConcernCategory(StrEnum):
    """What is suspected (虐待、忽视、体罚或变相体罚)."""

    ABUSE = "abuse"
    NEGLECT = "neglect"
    CORPORAL_PUNISHMENT = "corporal_punishment"  # 体罚或变相体罚
    OTHER = "other"


class StepKind(StrEnum):
    """An escalation step or note; which are in use and what each asks is data (escalation.yaml)."""

    INTERNAL_REVIEW = "internal_review"
    POLICE_REPORT = "police_report"
    AUTHORITY_REPORT = "authority_report"
    GUARDIAN_INFORMED = "guardian_informed"
    GUARDIAN_NOT_INFORMED = "guardian_not_informed"
    STAFF_SUSPENDED = "staff_suspended"
    STAFF_BARRED = "staff_barred"
    STAFF_RETRAINED = "staff_retrained"
    NOTE = "note"
    CLOSED = "closed"


class Agency(StrEnum):
    """Who a report went to (强制报告: 公安机关 and the supervising departments)."""

    POLICE = "police"
    HEALTH_COMMISSION = "health_commission"
    EDUCATION = "education"
    CIVIL_AFFAIRS = "civil_affairs"


class AmendedField(StrEnum):
    """The fields of a concern a correction may restate."""

    NOTICED_AT = "noticed_at"
    CATEGORY = "category"
    ACCOUNT = "account"
    IMMEDIATE_ACTIONS = "immediate_actions"


LABELS: dict[StrEnum, tuple[str, str]] = {
    ConcernCategory.ABUSE: ("疑似虐待", "Suspected abuse"),
    ConcernCategory.NEGLECT: ("疑似忽视", "Suspected neglect"),
    ConcernCategory.CORPORAL_PUNISHMENT: ("体罚或变相体罚", "Corporal or disguised corporal punishment"),
    ConcernCategory.OTHER: ("其他", "Other"),
    StepKind.INTERNAL_REVIEW: ("负责人内部核查", "Director's internal review"),
    StepKind.POLICE_REPORT: ("向公安机关报告", "Reported to the police"),
    StepKind.AUTHORITY_REPORT: ("向主管部门报告", "Reported to the authorities"),
    StepKind.GUARDIAN_INFORMED: ("已告知监护人", "Guardian informed"),
    StepKind.GUARDIAN_NOT_INFORMED: ("未告知监护人（附理由）", "Guardian not informed (reason recorded)"),
    StepKind.STAFF_SUSPENDED: ("涉事人员停岗", "Staff member suspended"),
    StepKind.STAFF_BARRED: ("涉事人员禁入", "Staff member barred"),
    StepKind.STAFF_RETRAINED: ("涉事人员再培训", "Staff member retrained"),
    StepKind.NOTE: ("记录", "Note"),
    StepKind.CLOSED: ("结案", "Closed"),
    Agency.POLICE: ("公安机关", "Police"),
    Agency.HEALTH_COMMISSION: ("卫生健康部门", "Health commission"),
    Agency.EDUCATION: ("教育部门", "Education department"),
    Agency.CIVIL_AFFAIRS: ("民政部门", "Civil affairs department"),
    AmendedField.NOTICED_AT: ("发现时间", "When noticed"),
    AmendedField.CATEGORY: ("类别", "Category"),
    AmendedField.ACCOUNT: ("所见所闻", "What was seen or told"),
    AmendedField.IMMEDIATE_ACTIONS: ("即时保护措施", "Immediate protective actions"),
}


class Concern(db.Model):
    """A safeguarding concern about one child, as raised (corrections are `ConcernAmendment` rows)."""

    __tablename__ = "safeguarding_concern"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    category: Mapped[ConcernCategory] = mapped_column(str_enum(ConcernCategory, 24))
    noticed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    account: Mapped[str] = mapped_column(Text)  # what was seen or told, in the raiser's words
    immediate_actions: Mapped[str] = mapped_column(Text, default="")
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)  # recorded: the mandatory-report clock starts here


class InvolvedStaff(db.Model):
    """A member of staff named in a concern, with their line managers on the day it was noticed (a snapshot)."""

    __tablename__ = "safeguarding_involved_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    concern_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_concern.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    name: Mapped[str] = mapped_column(String(60))  # as on the day
    # [{"staff_id", "name", "role"}], direct manager first (people/employment.managers_on), as on the day.
    managers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Step(db.Model):
    """One escalation step or note: what was done, when it was done and by whom (and when it was recorded)."""

    __tablename__ = "safeguarding_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    concern_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_concern.id"), index=True)
    kind: Mapped[StepKind] = mapped_column(str_enum(StepKind, 24))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_by: Mapped[str] = mapped_column(String(80))  # who did it (a name: a report may be made by someone else)
    agency: Mapped[Agency | None] = mapped_column(str_enum(Agency, 24))
    reference: Mapped[str | None] = mapped_column(String(80))  # e.g. the police's receipt number
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # the member of staff suspended/barred
    ban_id: Mapped[int | None] = mapped_column(ForeignKey("banned_person.id"))  # the 禁入名单 entry, if made
    detail: Mapped[str] = mapped_column(Text, default="")  # the review's finding, the reason, the outcome
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConcernAmendment(db.Model):
    """A correction of one field of a concern, with its reason; the original row stays as raised."""

    __tablename__ = "safeguarding_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    concern_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_concern.id"), index=True)
    field: Mapped[AmendedField] = mapped_column(str_enum(AmendedField, 24))
    value: Mapped[str] = mapped_column(Text)  # the corrected value (an instant as ISO 8601 UTC)
    reason: Mapped[str] = mapped_column(Text)
    amended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Designation(db.Model):
    """The director names a user a designated safeguarding lead at her centre (until a revocation row)."""

    __tablename__ = "safeguarding_lead"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    designated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    designated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DesignationRevocation(db.Model):
    """A designation withdrawn from an instant on (one per designation)."""

    __tablename__ = "safeguarding_lead_revocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    # "lead_id": constraint names stay within PostgreSQL's 63 characters
    designation_id: Mapped[int] = mapped_column("lead_id", ForeignKey("safeguarding_lead.id"), unique=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InspectorScope(db.Model):
    """An inspector's grant (a membership) that includes the safeguarding scope: as long as that grant lasts.

    A grant given again (a new expiry on the same membership row) is a new grant: the scope names the expiry of
    the grant it was given with, so a later grant does not inherit it.
    """

    __tablename__ = "safeguarding_inspector_scope"
    __table_args__ = (UniqueConstraint("membership_id", "grant_expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"))
    grant_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
