"""The one scheduler process (`tuoyu scheduler run`): APScheduler 3 fires, the database claim decides."""

from __future__ import annotations

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from server.clock import utcnow
from server.scheduling.operations import ScheduledJob, run_once


def build_scheduler(app: Flask, jobs: list[ScheduledJob]) -> BlockingScheduler:
    """A blocking scheduler with every job of the app, each wrapped in its app context and claim."""
    scheduler = BlockingScheduler(timezone=app.config["DEFAULT_TIMEZONE"])
    for job in jobs:
        def fire(job: ScheduledJob = job) -> None:
            with app.app_context():
                if not run_once(job, now=utcnow()):
                    app.logger.info("job %s: slot already claimed elsewhere", job.id)

        scheduler.add_job(
            fire, CronTrigger(**job.cron, timezone=app.config["DEFAULT_TIMEZONE"]), id=job.id,
            replace_existing=True, coalesce=True, misfire_grace_time=3600, max_instances=1,
        )
    return scheduler
