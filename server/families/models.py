"""The parent loop's records: messages with a child's room, parents' ratings, complaints. Append-only.

A message is never edited nor deleted; its attachments and who read it are rows of their own. A rating response
holds no person: the month, the answers, an optional comment and a keyed hash of the family that only refuses a
second response that month. A complaint's answer and closing are rows of their own, each timed.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class MessageSide(StrEnum):
    """Who wrote a message: the child's family or the centre's staff."""

    FAMILY = "family"
    STAFF = "staff"


class ComplaintStatus(StrEnum):
    """Where a complaint stands (derived from its rows)."""

    RECEIVED = "received"
    ANSWERED = "answered"
    CLOSED = "closed"


LABELS: dict[StrEnum, tuple[str, str]] = {
    MessageSide.FAMILY: ("家长", "Family"),
    MessageSide.STAFF: ("老师", "Staff"),
    ComplaintStatus.RECEIVED: ("已收到", "Received"),
    ComplaintStatus.ANSWERED: ("已答复", "Answered"),
    ComplaintStatus.CLOSED: ("已办结", "Closed"),
}


class Message(db.Model):
    """One message in a child's thread, from the family or from the staff."""

    __tablename__ = "family_message"
    __table_args__ = (Index("ix_family_message_child_at", "child_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))  # the child's class when it was written
    side: Mapped[MessageSide] = mapped_column(str_enum(MessageSide, 8))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageAttachment(db.Model):
    """A file sent with a message, kept by the shared file store under its SHA-256 (server/files.py)."""

    __tablename__ = "family_message_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("family_message.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))  # by content (magic bytes), never the client's word
    size: Mapped[int]
    original_name: Mapped[str] = mapped_column(String(120))  # sanitised, for display only


class MessageRead(db.Model):
    """A user read a message (one row per message and user; `side` says whether the reader was staff)."""

    __tablename__ = "family_message_read"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("family_message.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    side: Mapped[MessageSide] = mapped_column(str_enum(MessageSide, 8))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RatingResponse(db.Model):
    """One family's questionnaire of one month: no contact, no child, no time of day (anonymous by construction).

    `respondent_key` = HMAC-SHA256(the app's secret, centre|family|month): the same family gets the same key that
    month (a second response is refused by the unique constraint), and the key names nobody.
    """

    __tablename__ = "rating_response"
    __table_args__ = (UniqueConstraint("centre_id", "month", "respondent_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    month: Mapped[date]  # the first day of the centre-local month
    respondent_key: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)  # item key -> score
    comment: Mapped[str | None] = mapped_column(Text)


class Complaint(db.Model):
    """A complaint a guardian made: its category (a rating item or other), the text, optionally a child."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    # The family it belongs to (for its notice and for who may see it): the named child, else the filer's first.
    family_child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id"))  # the child it is about, if any
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))  # the guardian who made it
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    category: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ComplaintAnswer(db.Model):
    """The centre's answer to a complaint (one per complaint)."""

    __tablename__ = "complaint_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ComplaintClosure(db.Model):
    """A complaint closed, with its outcome (one per complaint, after its answer)."""

    __tablename__ = "complaint_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), unique=True)
    outcome: Mapped[str] = mapped_column(Text)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
