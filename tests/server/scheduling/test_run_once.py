"""A scheduled job runs once per slot however many processes fire it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.database import db
from server.scheduling.models import JobRun
from server.scheduling.operations import ScheduledJob, run_once


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
