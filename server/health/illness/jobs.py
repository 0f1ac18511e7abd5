"""Every morning at each centre: raise the outbreak alerts standing today, close those whose window has passed."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select

from server.centre.models import Centre
from server.centre.timezones import centre_today, local_time
from server.database import db
from server.health.illness.outbreak import close_ended_outbreaks, raise_outbreak_alerts
from server.scheduling.operations import ScheduledJob

MORNING = time(6, 0)  # local: before the 晨检, so the 保健员 sees it on arrival


def check_centre(centre: Centre, now: datetime) -> int:
    """The centre's outbreak check for today, once it is morning there; how many outbreaks stand."""
    if local_time(centre, now).time() < MORNING:
        return 0
    day = centre_today(centre, now)
    close_ended_outbreaks(centre, day=day, now=now)
    return len(raise_outbreak_alerts(centre, day=day, now=now))


def check_all(now: datetime) -> None:
    """Each centre in turn (hourly, so every time zone gets its morning; repeats raise nothing)."""
    for centre in db.session.execute(select(Centre).order_by(Centre.id)).scalars().all():
        check_centre(centre, now)
        db.session.flush()


OUTBREAK_CHECK = ScheduledJob("health.outbreak_check", run=check_all, cron={"minute": 13}, slot_format="%Y-%m-%dT%H")
