"""表4 儿童传染病登记表: illness cases and the return certificates that end an exclusion. Append-only.

A correction of a case is a new row whose `amends_id` names the row it replaces (readers use the latest row of
the chain); a return certificate is its own row, recorded against the first row of the chain (the case).
Disease names are health data: every read is logged (`HEALTH_READ`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.database import UTCDateTime, db


class IllnessCase(db.Model):
    """One case of an (infectious) disease of a child: onset, report, and the exclusion from the centre.

    `class_id` is the child's class at onset (the outbreak counts per class); `excluded_until` is only the day
    the doctor expects the child back: the exclusion ends with a return certificate (`ReturnCertificate`).
    """

    __tablename__ = "illness_case"
    __table_args__ = (Index("ix_illness_case_centre_onset", "centre_id", "onset_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    disease: Mapped[str] = mapped_column(String(80))
    infectious: Mapped[bool] = mapped_column(default=True)
    onset_on: Mapped[date]
    reported_on: Mapped[date]
    reported_to: Mapped[str] = mapped_column(String(120), default="")
    excluded_from: Mapped[date | None]
    excluded_until: Mapped[date | None]  # the doctor's expectation; does not end the exclusion
    # One correction per row: a later correction amends the correction.
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("illness_case.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was corrected
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ReturnCertificate(db.Model):
    """The doctor's certificate a child may return (返园证明): from its day on the exclusion is over."""

    __tablename__ = "illness_return_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("illness_case.id"), unique=True)  # the chain's first row
    on: Mapped[date]
    issuer: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
