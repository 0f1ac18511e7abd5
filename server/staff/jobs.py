"""Every morning at each centre: warn the director of credentials nearing or past expiry."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select

from server.centre.models import Centre
from server.centre.timezones import centre_today, local_time
from server.database import db
from server.scheduling.operations import ScheduledJob
from server.staff.operations.expiry import raise_expiry_alerts

MORNING = time(6, 0)  # local: before the first shift, so the director sees it on arrival


def warn_centre(centre: Centre, now: datetime) -> int:
    """The centre's expiry warnings for today, once it is morning there; how many were raised."""
    if local_time(centre, now).time() < MORNING:
        return 0
    return len(raise_expiry_alerts(centre, today=centre_today(centre, now), now=now))


def warn_all(now: datetime) -> None:
    """Each centre in turn (hourly, so every time zone gets its morning; repeats raise nothing)."""
    for centre in db.session.execute(select(Centre).order_by(Centre.id)).scalars().all():
        warn_centre(centre, now)
        db.session.flush()


CREDENTIAL_EXPIRY = ScheduledJob("staff.credential_expiry", run=warn_all, cron={"minute": 7},
                                 slot_format="%Y-%m-%dT%H")
