"""A scheduled job runs once per slot however many processes fire it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from server.database import db
from server.scheduling.models import JobRun
from server.scheduling.operations import ScheduledJob, run_once
from tests.sqlite_lock import write_lock_is_free


def test_a_slot_runs_once_even_when_fired_twice(app, clock):
    runs = []
    job = ScheduledJob("nightly", run=runs.append, cron={"hour": 2})
    assert (run_once(job, now=clock.now()), run_once(job, now=clock.now())) == (True, False)
    assert runs == [clock.now()]


def test_the_next_night_is_a_new_slot(app, clock):
    runs = []
    job = ScheduledJob("nightly", run=runs.append)
    run_once(job, now=clock.now())
    clock.advance(days=1)
    run_once(job, now=clock.now())
    assert len(runs) == 2


def test_a_failed_run_is_recorded_with_its_reason(app, clock):
    def explode(now):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        run_once(ScheduledJob("nightly", run=explode), now=clock.now())
    claim = db.session.execute(select(JobRun)).scalar_one()
    assert (claim.status, "disk full" in claim.detail) == ("failed", True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_job_reads_without_the_write_lock_and_runs_again_on_a_stale_snapshot(app, clock):
    """SQLite: a minute judge reads first; a kiosk batch committed meanwhile makes it run again, holding the lock."""
    import sqlite3

    path = db.engine.url.database
    seen = []

    def judge(now):
        count = db.session.execute(text("SELECT count(*) FROM job_run")).scalar_one()
        if not seen:  # the first run: a kiosk batch commits between the job's read and its write
            holder = sqlite3.connect(path, isolation_level=None, timeout=0)
            try:  # possible at once only because the reading job holds no write lock
                holder.execute("INSERT INTO job_run (job_id, slot, claimed_at, status) "
                               "VALUES ('kiosk-batch', 'x', '2026-01-01 00:00:00', 'done')")
            finally:
                holder.close()
        seen.append(count)
        db.session.add(JobRun(job_id="judged", slot=str(count), claimed_at=now, status="done"))

    assert run_once(ScheduledJob("judge", run=judge, reads_first=True), now=clock.now())
    assert seen == [1, 2]  # ran twice; the second run saw the batch's row
    rows = db.session.execute(select(JobRun.job_id, JobRun.slot, JobRun.status)).all()
    assert sorted(rows) == [("judge", clock.now().strftime("%Y-%m-%d"), "done"), ("judged", "2", "done"),
                            ("kiosk-batch", "x", "done")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_job_that_writes_nothing_runs_once_whoever_commits_meanwhile(app, clock):
    """Its claim is marked done in a transaction of its own, so a read-only job never goes stale on it."""
    import sqlite3

    runs = []

    def look(now):
        runs.append(db.session.execute(text("SELECT count(*) FROM job_run")).scalar_one())
        other = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=0)
        try:
            other.execute("INSERT INTO job_run (job_id, slot, claimed_at, status) "
                          f"VALUES ('kiosk-batch', '{len(runs)}', '2026-01-01 00:00:00', 'done')")
        finally:
            other.close()

    assert run_once(ScheduledJob("look", run=look, reads_first=True), now=clock.now())
    assert runs == [1]
    assert db.session.execute(select(JobRun.status).where(JobRun.job_id == "look")).scalar_one() == "done"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_job_not_marked_reads_first_holds_the_write_lock_from_its_start(app, clock):
    """A job that sends (the notifier's drain) must never run twice: it writes from its start, as before."""
    lock_free = []

    def send(now):
        db.session.execute(text("SELECT count(*) FROM job_run")).scalar_one()
        lock_free.append(write_lock_is_free(db.engine.url.database))

    assert run_once(ScheduledJob("drain", run=send), now=clock.now())
    assert lock_free == [False]
