"""Notices to guardians, queued by the domains and delivered by the parent loop (issue #16). Append-only.

A notice is what the guardians of one child should be told (an abnormal 晨检, …): its kind, a catalogue msgid as
the subject (translated when delivered, in the guardian's language) and the facts as JSON. Its delivery is a
row of its own (`GuardianNoticeDelivery`), never an update of the notice: a notice without one is still to send.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.database import UTCDateTime, db


class GuardianNotice(db.Model):
    """One thing the guardians of a child are to be told."""

    __tablename__ = "guardian_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "health_check.abnormal"
    subject: Mapped[str] = mapped_column(String(200))  # a catalogue msgid, translated on delivery
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class GuardianNoticeDelivery(db.Model):
    """A notice delivered to the guardians: when, and by which channel (the parent loop's, e.g. "wechat")."""

    __tablename__ = "guardian_notice_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    notice_id: Mapped[int] = mapped_column(ForeignKey("guardian_notice.id"), unique=True)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(20))
