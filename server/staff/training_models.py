"""The training log (培训记录): one row per training a person attended. Append-only: a correction amends."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from compliance.staffing.records import TrainingCategory
from server.centre.models import str_enum
from server.database import UTCDateTime, db

TRAINING_CATEGORY_LABELS = {
    TrainingCategory.PRE_SERVICE: (TrainingCategory.PRE_SERVICE.zh, "Pre-service"),
    TrainingCategory.SKILLS: (TrainingCategory.SKILLS.zh, "Skills"),
    TrainingCategory.ETHICS: (TrainingCategory.ETHICS.zh, "Professional ethics"),
    TrainingCategory.LAW: (TrainingCategory.LAW.zh, "Laws and regulations"),
    TrainingCategory.SAFETY: (TrainingCategory.SAFETY.zh, "Safety education"),
    TrainingCategory.EMERGENCY: (TrainingCategory.EMERGENCY.zh, "Emergency knowledge"),
    TrainingCategory.OTHER: (TrainingCategory.OTHER.zh, "Other"),
}


class TrainingSource(StrEnum):
    MANUAL = "manual"  # entered by the office
    DRILL = "drill"  # an emergency drill of the incidents log (source_ref names it); counts as 应急知识


TRAINING_SOURCE_LABELS = {
    TrainingSource.MANUAL: ("手工登记", "Entered by hand"),
    TrainingSource.DRILL: ("应急演练", "Emergency drill"),
}


class TrainingEntry(db.Model):
    """One person at one training (category, hours, provider, certificate), or a correction of an earlier row.

    A correction is a whole new row with `amends_id` (and `is_withdrawn` when the training never happened);
    the log counts only rows no later row amends.
    """

    __tablename__ = "training_entry"
    __table_args__ = (Index("ix_training_entry_centre_held_on", "centre_id", "held_on"),
                      Index("ix_training_entry_staff_id", "staff_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    category: Mapped[TrainingCategory] = mapped_column(str_enum(TrainingCategory, 16))
    title: Mapped[str] = mapped_column(String(120))
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    provider: Mapped[str] = mapped_column(String(120))
    held_on: Mapped[date]
    certificate_no: Mapped[str | None] = mapped_column(String(60))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("staff_document.id"))  # the certificate's scan
    source: Mapped[TrainingSource] = mapped_column(str_enum(TrainingSource, 16))
    source_ref: Mapped[str | None] = mapped_column(String(64))  # e.g. the drill's id in the incidents log
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("training_entry.id"), unique=True)
    is_withdrawn: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(String(200))  # why a correction was made
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
