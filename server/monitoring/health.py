"""Readiness: the database answers and the scheduler has claimed a job lately (``/readyz``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text

from server.database import db
from server.monitoring.scheduler import last_claims
from server.scheduling.operations import ScheduledJob


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def database_check() -> Check:
    """``SELECT 1``; on failure, the error's class only (never a connection string or a password)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises, the answer is "not reachable"
        db.session.rollback()
        return Check(False, f"database unreachable: {type(exc).__name__}")
    return Check(True, "SELECT 1 answered")


def scheduler_check(jobs: list[ScheduledJob], *, now: datetime, max_age: timedelta) -> Check:
    """Some job was claimed within `max_age`: the one scheduler process is alive and reaches the database.

    Several jobs run every minute, so a running scheduler claims one at least each minute. A fresh install has
    no claim yet: not ready until the scheduler's first minute has passed (``tuoyu scheduler run`` is started).
    """
    try:
        claims = last_claims([job.id for job in jobs])
    except Exception as exc:  # noqa: BLE001 - a schema behind the code, a lost connection: not ready, say why
        db.session.rollback()
        return Check(False, f"job claims unreadable: {type(exc).__name__}")
    if not claims:
        return Check(False, "no scheduled job has ever run: is `tuoyu scheduler run` started?")
    newest = max(claim.claimed_at for claim in claims.values())
    age = now - newest
    if age > max_age:
        return Check(False, f"newest job claim {int(age.total_seconds())} s old (limit {int(max_age.total_seconds())} s)")
    return Check(True, f"newest job claim {int(age.total_seconds())} s old")
