"""Every minute: recompute every centre's rooms (ages move on, the 24-h window slides, rules change)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.attendance.rooms.operations.live import refresh
from server.centre.models import Centre
from server.database import db
from server.scheduling.operations import ScheduledJob


def refresh_all(now: datetime) -> None:
    for centre in db.session.execute(select(Centre).order_by(Centre.id)).scalars().all():
        refresh(centre, now)
        db.session.flush()


RATIO_REFRESH = ScheduledJob("rooms.refresh", run=refresh_all, cron={"minute": "*"}, slot_format="%Y-%m-%dT%H:%M",
                             reads_first=True)
