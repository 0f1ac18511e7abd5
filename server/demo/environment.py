"""The demo rooms' past month of air: minute roll-ups through the environment's roll-up operation, then judged.

One value a minute per room and quantity (what the agents' 60-s sampling gives), shaped by the day: CO2 and
warmth rise while children are in (the rooms are heated in winter), a closed window on a few afternoons pushes
CO2 past its limit, the last of them on the latest working day before `now` (so the week the scheduler's
first run judges has one). Raw readings are not invented: the roll-ups are what the charts, the monthly
summary and the evaluation read.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time

import numpy as np
from sqlalchemy import select

from server.attendance.registers import is_working_day
from server.centre.models import Centre, Room
from server.centre.timezones import centre_zone
from server.database import db
from server.environment.jobs import evaluate_centre
from server.environment.operations.rollup import Rollups, write_rollups
from server.environment.settings import EnvironmentSettings

STUFFY_AFTERNOONS = 3
STUFFY_FROM, STUFFY_TO = 840, 960  # 14:00–16:00 local, in minutes of the day
HEATED_MONTHS = frozenset({11, 12, 1, 2, 3})  # the heating is on: rooms kept near 21 °C, not 23
PM25_CEILING = 40.0  # µg/m³: the air purifiers keep it here
WATCHED_HOURS = range(12, 19)  # local hours the job runs at through the watched afternoon
QUANTITIES = ("co2_ppm", "temperature_c", "humidity_pct", "pm25_ugm3")


def _occupancy(minute_of_day: int, open_day: bool) -> float:
    """0 at night, 1 with everyone in (08:30–16:30), ramps in between."""
    if not open_day:
        return 0.0
    return max(0.0, min(1.0, (minute_of_day - 450) / 60, (1080 - minute_of_day) / 90))


def seed_environment(centre: Centre, *, start: datetime, now: datetime, rng: random.Random) -> date | None:
    """Minute and hour roll-ups of CO2, temperature, humidity and PM2.5 for every active room.

    Returns the day of the latest afternoon with a window left closed (None: no working day behind `now`).
    """
    tz = centre_zone(centre)
    rooms = db.session.execute(select(Room.id).where(Room.centre_id == centre.id, Room.is_active)
                               .order_by(Room.id)).scalars().all()
    first = start.replace(second=0, microsecond=0)
    count = int((now - first).total_seconds() // 60)
    if count <= 0 or not rooms:
        return None
    noise = np.random.default_rng(rng.getrandbits(64))
    # What every room shares, worked out once a minute; the rooms' values a month at a time (numpy).
    epoch = int(first.timestamp()) // 60
    times = [datetime.fromtimestamp((epoch + m) * 60, UTC) for m in range(count)]
    local = [at.astimezone(tz) for at in times]
    open_days = {day for day in {at.date() for at in local} if is_working_day(day)}
    of_day = np.array([at.hour * 60 + at.minute for at in local])
    occupied = np.array([_occupancy(int(minute), at.date() in open_days) for minute, at in zip(of_day, local,
                                                                                              strict=True)])
    base = np.array([20.5 if at.month in HEATED_MONTHS else 23.2 for at in local])
    swing = 0.6 * np.sin((of_day - 480) / 1440 * 2 * math.pi)
    afternoon = (of_day >= STUFFY_FROM) & (of_day < STUFFY_TO)
    stuffy = _stuffy_afternoons(sorted(open_days), rooms, now, tz, rng)
    day_of = np.array([at.date().toordinal() for at in local])
    hour = (epoch + np.arange(count)) // 60
    starts = np.flatnonzero(np.r_[True, hour[1:] != hour[:-1]])  # each hour's first minute
    hour_times = [times[i].replace(minute=0) for i in starts]
    minutes: dict[tuple[str, str, datetime], list[float]] = {}
    hours: dict[tuple[str, str, datetime], list[float]] = {}
    for room in rooms:
        point = f"room:{room}"
        closed = afternoon & np.isin(day_of, [day.toordinal() for r, day in stuffy if r == room])
        pm, walk = rng.uniform(12, 30), noise.normal(0, 0.4, count).tolist()
        pm25 = []
        for step in walk:  # a slow drift, kept within what a filtered room sees (never a day above its limit)
            pm = min(max(pm + step, 5), PM25_CEILING)
            pm25.append(pm)
        series = {
            "co2_ppm": 430 + 480 * occupied + 650 * closed + noise.normal(0, 25, count),
            "temperature_c": base + 1.6 * occupied + swing + noise.normal(0, 0.1, count),
            "humidity_pct": 52 - 4 * occupied + noise.normal(0, 1, count),
            "pm25_ugm3": np.array(pm25),
        }
        # In key order (point, quantity, minute): the roll-up tables' own order, so inserts append to the index.
        for quantity in QUANTITIES:
            values = np.round(series[quantity], 1)
            for at, value in zip(times, values.tolist(), strict=True):
                minutes[(point, quantity, at)] = [1, value, value, value]
            for at, n, total, low, high in zip(
                    hour_times, np.diff(np.r_[starts, count]).tolist(), np.add.reduceat(values, starts).tolist(),
                    np.minimum.reduceat(values, starts).tolist(), np.maximum.reduceat(values, starts).tolist(),
                    strict=True):
                hours[(point, quantity, at)] = [n, total, low, high]
    spans = {(f"room:{room}", q): [first, times[-1]] for room in rooms for q in QUANTITIES}
    write_rollups(centre.id, Rollups(minutes, hours, spans))
    return max((day for _room, day in stuffy), default=None)


def _stuffy_afternoons(open_days: list[date], rooms: list[int], now: datetime, tz,  # type: ignore[no-untyped-def]
                       rng: random.Random) -> set[tuple[int, date]]:
    """(room, day) of the afternoons with a window left closed: the latest past one, and a few at random."""
    past = [day for day in open_days if datetime.combine(day, time(16), tzinfo=tz) <= now]
    if not past:
        return set()
    chosen = {(rng.choice(rooms), past[-1])}
    for day in rng.sample(past[:-1], min(STUFFY_AFTERNOONS - 1, len(past) - 1)):
        chosen.add((rng.choice(rooms), day))
    return chosen


def evaluate_environment(centre: Centre, *, settings: EnvironmentSettings, now: datetime,
                         watched: date | None = None) -> None:
    """The scheduler's environment job for this centre (`jobs.evaluate_centre`, as `evaluate_all` runs it).

    The seeded windows are judged, exceedances recorded and alerts raised at once, not at the first scheduled
    run after the seed. The job runs hourly through the `watched` afternoon (the latest closed window), so its
    alert opens and resolves within the hour it would have, unacknowledged as nobody was there; then at `now`
    (which judges the rest of the week behind it: `evaluate.MAX_BACKLOG`). A run every minute would give the
    same exceedances at sixty times the cost.
    """
    if watched is not None:
        tz = centre_zone(centre)
        for hour in WATCHED_HOURS:
            at = datetime.combine(watched, time(hour), tzinfo=tz).astimezone(UTC)  # as the scheduler's clock
            if at < now:
                evaluate_centre(centre, settings, at)
    evaluate_centre(centre, settings, now)
