"""The centre's local time: screens and packs show it, the wire and the database keep UTC."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.centre.models import Centre
from server.database import db


def centre_zone(centre: Centre) -> ZoneInfo:
    return ZoneInfo(centre.timezone or "Asia/Shanghai")


def centre_today(centre: Centre, now: datetime) -> date:
    """The local calendar date at the centre at instant `now`."""
    return now.astimezone(centre_zone(centre)).date()


def centre_today_by_id(centre_id: int, now: datetime) -> date:
    centre = db.session.get(Centre, centre_id)
    assert centre is not None
    return centre_today(centre, now)


def local_time(centre: Centre, instant: datetime) -> datetime:
    return instant.astimezone(centre_zone(centre))


def period_bounds(centre: Centre, start: date, end: date) -> tuple[datetime, datetime]:
    """The centre's local calendar days [start, end] as the instants [first midnight, the midnight after end)."""
    zone = centre_zone(centre)
    return datetime.combine(start, time.min, tzinfo=zone), datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
