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
    # SQLite: read without the write lock until the first write, and run again should the snapshot go stale. Only
    # for jobs whose every effect is in the database (never one that sends: a rerun would send twice).
    reads_first: bool = False


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
        _run(job, now)
        claim.status, claim.finished_at = "done", now  # its own transaction: a read-only job never reruns for it
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        failed = db.session.get(JobRun, claim.id)
        if failed is not None:
            failed.status, failed.finished_at, failed.detail = "failed", now, repr(exc)[:500]
            db.session.commit()
        raise
    return True


def _run(job: ScheduledJob, now: datetime) -> None:
    """Run the job and commit what it wrote.

    A job marked ``reads_first`` (the minute judges: they mostly read, and a kiosk batch should not queue behind
    their reading) holds SQLite's write lock only from its first write; a snapshot gone stale by then runs it once
    more, holding the lock from the start (server/database.py).
    """
    if not job.reads_first:
        job.run(now)
        db.session.commit()
        return
    try:
        with reads_first():
            job.run(now)
            db.session.commit()
    except SnapshotStale:
        db.session.rollback()
        with writes_from_the_start():
            job.run(now)
            db.session.commit()
