"""What the job-claim table says about the scheduler: each job's newest claim, and how late its next run is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select, union_all

from server.database import db
from server.scheduling.models import JobRun
from server.scheduling.operations import ScheduledJob


@dataclass(frozen=True)
class LastClaim:
    job_id: str
    claimed_at: datetime
    status: str  # running | done | failed


def last_claims(job_ids: list[str]) -> dict[str, LastClaim]:
    """Each job's newest claim, in one statement: per job the last slot by the (job_id, slot) unique index.

    Slots of a job share one sortable format (``%Y-%m-%d``, ``…T%H:%M``), so the last slot is the newest claim
    and each lookup is one index probe, however long the table grows. Jobs that never ran are absent.
    """
    if not job_ids:
        return {}
    parts = [select(JobRun.job_id, JobRun.claimed_at, JobRun.status).where(JobRun.job_id == job_id)
             .order_by(JobRun.slot.desc()).limit(1).subquery() for job_id in job_ids]
    statement = union_all(*(select(part) for part in parts))
    return {row.job_id: LastClaim(row.job_id, row.claimed_at, row.status) for row in db.session.execute(statement)}


def overdue(job: ScheduledJob, claim: LastClaim, now: datetime, timezone: str) -> timedelta:
    """How late the job's run after `claim` is at `now` (zero while it is not yet due): the scheduler's lag."""
    trigger = CronTrigger(**job.cron, timezone=timezone)
    # Strictly after the claim: a claim made on the dot (a fake clock) is that slot's run, not the next one's.
    due = trigger.get_next_fire_time(None, claim.claimed_at + timedelta(microseconds=1))
    if due is None:
        return timedelta(0)
    return max(timedelta(0), now - due)
