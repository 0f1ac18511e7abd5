"""Claims of scheduled job runs: the database, not memory, decides which process runs a slot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.database import UTCDateTime, db


class JobRun(db.Model):
    """One run of one job for one slot (e.g. the night of 2026-09-07); UNIQUE so it runs once."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    slot: Mapped[str] = mapped_column(String(40))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | done | failed
    detail: Mapped[str | None] = mapped_column(String(500))
