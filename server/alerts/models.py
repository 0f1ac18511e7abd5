"""Alerts for staff: open → acknowledged (by whom) → resolved, one open alert per subject."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.database import UTCDateTime, db


class Alert(db.Model):
    """Something staff must act on. `dedupe_key` keeps a repeating condition to one open alert."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_centre_open", "centre_id", "resolved_at"),
                      Index("ix_alert_dedupe", "centre_id", "dedupe_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    kind: Mapped[str] = mapped_column(String(48))
    severity: Mapped[str] = mapped_column(String(16))  # info | warning | urgent | emergency
    dedupe_key: Mapped[str] = mapped_column(String(120))
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    subject: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)  # ids only
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
