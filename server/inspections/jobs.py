"""Nightly re-evaluation of every centre's findings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.auth.actor import Actor
from server.centre.models import Centre
from server.database import db
from server.inspections.operations import evaluate_centre
from server.inspections.sources import app_sources
from server.scheduling.operations import ScheduledJob


def evaluate_all_centres(now: datetime) -> None:
    """Re-evaluate each centre (run_once commits the whole night's work, or none of it)."""
    for centre in db.session.execute(select(Centre).order_by(Centre.id)).scalars().all():
        evaluate_centre(centre, sources=app_sources(), trigger="nightly", actor=Actor.system(), now=now)
        db.session.flush()


NIGHTLY_EVALUATION = ScheduledJob("inspections.nightly_evaluation", run=evaluate_all_centres,
                                  cron={"hour": 2, "minute": 15})
