"""Run a job at most once per slot, whichever process or host gets there first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from server.database import SnapshotStale, db, reads_first, writes_from_the_start
from server.scheduling.models import JobRun


@dataclass(frozen=True)
class ScheduledJob:
    """A job of some domain: what to run (given `now`), and when (APScheduler cron fields)."""

    id: str
    run: Callable[[datetime], Any]
    cron: dict[str, Any] = field(default_factory=dict)
    # The slot names a run: two processes computing the same slot run the job once between them.
    slot_format: str = "%Y-%m-%d"


def run_once(job: ScheduledJob, *, now: datetime, slot: str | None = None) -> bool:
    """Claim the job's slot and run it; False when another process already claimed it."""
    slot = slot or now.strftime(job.slot_format)
    claim = JobRun(job_id=job.id, slot=slot, claimed_at=now, status="running")
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    try:
        _run_reading_first(job, claim, now)
    except Exception as exc:
        db.session.rollback()
        failed = db.session.get(JobRun, claim.id)
        if failed is not None:
            failed.status, failed.finished_at, failed.detail = "failed", now, repr(exc)[:500]
            db.session.commit()
        raise
    return True


def _run_reading_first(job: ScheduledJob, claim: JobRun, now: datetime) -> None:
    """Run the job without SQLite's write lock until its first write, then commit.

    The minute judges mostly read, and a kiosk batch should not queue behind their reading. A snapshot gone stale
    by the first write runs the job once more, holding the lock from the start (server/database.py).
    """
    try:
        with reads_first():
            job.run(now)
            claim.status, claim.finished_at = "done", now
            db.session.commit()
    except SnapshotStale:
        db.session.rollback()
        with writes_from_the_start():
            job.run(now)
            claim.status, claim.finished_at = "done", now
            db.session.commit()
