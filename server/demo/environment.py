"""The demo rooms' past month of air: minute roll-ups through the environment's roll-up operation.

One value a minute per room and quantity (what the agents' 60-s sampling gives), shaped by the day: CO2 and
warmth rise while children are in, a closed window on a few afternoons pushes CO2 past its limit. Raw
readings are not invented: the roll-ups are what the charts and the monthly summary read.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.attendance.registers import is_working_day
from server.centre.models import Centre, Room
from server.centre.timezones import centre_zone
from server.database import db
from server.environment.operations.rollup import Rollups, write_rollups

STUFFY_AFTERNOONS = 3


def _occupancy(minute_of_day: int, open_day: bool) -> float:
    """0 at night, 1 with everyone in (08:30–16:30), ramps in between."""
    if not open_day:
        return 0.0
    return max(0.0, min(1.0, (minute_of_day - 450) / 60, (1080 - minute_of_day) / 90))


def seed_environment(centre: Centre, *, start: datetime, now: datetime, rng: random.Random) -> int:
    """Minute and hour roll-ups of CO2, temperature, humidity and PM2.5 for every active room; rows written."""
    tz = centre_zone(centre)
    rooms = db.session.execute(select(Room.id).where(Room.centre_id == centre.id, Room.is_active)
                               .order_by(Room.id)).scalars().all()
    first = start.replace(second=0, microsecond=0)
    count = int((now - first).total_seconds() // 60)
    minutes: dict[tuple[str, str, datetime], list[float]] = {}
    hours: dict[tuple[str, str, datetime], list[float]] = {}
    local_days = sorted({(first + timedelta(minutes=m)).astimezone(tz).date() for m in range(0, count, 720)})
    open_days = {day for day in local_days if is_working_day(day)}
    stuffy = {(rng.choice(rooms), day) for day in rng.sample(sorted(open_days), min(STUFFY_AFTERNOONS, len(open_days)))}
    epoch = int(first.timestamp()) // 60
    for room in rooms:
        point = f"room:{room}"
        pm = rng.uniform(12, 30)
        for m in range(count):
            at = datetime.fromtimestamp((epoch + m) * 60, UTC)
            local = at.astimezone(tz)
            of_day = local.hour * 60 + local.minute
            occupied = _occupancy(of_day, local.date() in open_days)
            closed_window = (room, local.date()) in stuffy and 840 <= of_day < 960  # 14:00–16:00
            pm = min(max(pm + rng.gauss(0, 0.4), 5), 60)
            values = {
                "co2_ppm": 430 + 480 * occupied + (650 if closed_window else 0) + rng.gauss(0, 25),
                "temperature_c": 23.2 + 1.6 * occupied + 0.6 * math.sin((of_day - 480) / 1440 * 2 * math.pi)
                + rng.gauss(0, 0.1),
                "humidity_pct": 52 - 4 * occupied + rng.gauss(0, 1),
                "pm25_ugm3": pm,
            }
            hour = at.replace(minute=0)
            for quantity, value in values.items():
                value = round(value, 1)
                minutes[(point, quantity, at)] = [1, value, value, value]
                bucket = hours.get((point, quantity, hour))
                if bucket is None:
                    hours[(point, quantity, hour)] = [1, value, value, value]
                else:
                    bucket[0] += 1
                    bucket[1] += value
                    bucket[2] = min(bucket[2], value)
                    bucket[3] = max(bucket[3], value)
    spans = {(f"room:{room}", q): [first, first + timedelta(minutes=count - 1)]
             for room in rooms for q in ("co2_ppm", "temperature_c", "humidity_pct", "pm25_ugm3")}
    if count > 0:
        write_rollups(centre.id, Rollups(minutes, hours, spans))
    return len(minutes)
