"""Hash-chained audit entries (one chain per centre) and the access log for sensitive data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.database import UTCDateTime, db

SYSTEM_CHAIN = "system"


def chain_for(centre_id: int | None) -> str:
    """Each centre has its own chain; changes to no centre (accounts) go to the system chain."""
    return SYSTEM_CHAIN if centre_id is None else f"centre:{centre_id}"


class AuditHead(db.Model):
    """The head of one chain: locked by every appender, so appends are serialised per chain."""

    __tablename__ = "audit_head"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str] = mapped_column(String(64))


class AuditEntry(db.Model):
    """One change to a regulated record. Holds ids and digests only, never personal data in clear."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        # A second writer that read a stale head would reuse prev_hash: refused, not forked.
        UniqueConstraint("chain", "prev_hash"),
        Index("ix_audit_entry_centre_at", "centre_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int]
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centre.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None]
    actor_kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AccessEvent(db.Model):
    """Who read or downloaded sensitive data (photos, health data, packs), or was refused."""

    __tablename__ = "access_event"
    __table_args__ = (Index("ix_access_event_centre_at", "centre_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centre.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(24))  # read | download | denied
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(200))
