"""Evaluation runs and the findings they produced (derived from the records; re-made every night)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.database import UTCDateTime, db


class EvaluationRun(db.Model):
    """One evaluation of one centre's records against its effective rulebook."""

    __tablename__ = "evaluation_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(16))  # nightly | manual
    rulebook_version: Mapped[str] = mapped_column(String(80))
    period_from: Mapped[date]
    period_to: Mapped[date]
    findings: Mapped[int] = mapped_column(default=0)


class StoredFinding(db.Model):
    """A finding as the evaluator reported it; only the latest run's findings are current."""

    __tablename__ = "finding"
    __table_args__ = (Index("ix_finding_centre_current", "centre_id", "is_current"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("evaluation_run.id"))
    rule_id: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(16))
    period_from: Mapped[date]
    period_to: Mapped[date]
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    responsibility: Mapped[str] = mapped_column(String(24))
    inspection_area: Mapped[str] = mapped_column(String(24))
    is_current: Mapped[bool] = mapped_column(default=True)
