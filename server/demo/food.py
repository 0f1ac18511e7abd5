"""The demo centre's food samples (食品留样) and the sample fridge's month, through the real operations.

- The sample fridge (`fridge-sample`) reads about 4 °C all month (a little warmer for a few minutes at each meal, the
  door open), written as the environment domain stores it; four days ago its door was left ajar after lunch: about
  50 minutes near 10.5 °C, which the environment job records as an excursion of `environment.fridge` — that day's
  and the day before's samples were kept through it (a `food.sample` finding);
- every dish of every meal of the published menus (server/meals, through the app factory's hook) is sampled by the
  kitchen about a quarter of an hour after it was served, 125–160 g; the days before the first menu use a short
  built-in list;
- one sample weighed 110 g (underweight: a `food.sample` finding); one day the soup was not sampled (a missing dish);
  one weight typed 13 g and corrected to 130 g within minutes (an amendment beside the original);
- every sample is disposed of the second afternoon after it was taken (≥ 48 h), except those of the last two days,
  still in the fridge.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta

from server.attendance.registers import is_working_day
from server.auth.roles import Role
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.demo.members import acting_as
from server.environment.jobs import evaluate_centre
from server.environment.operations.rollup import Rollups, write_rollups
from server.environment.settings import EnvironmentSettings
from server.food.fridge import DEFAULT_FRIDGE, QUANTITY
from server.food.menu_source import menu_dishes
from server.food.models import FoodSample
from server.food.operations import amend_sample, dispose_sample, record_sample

MEAL_TIMES = {"breakfast": (8, 0), "morning_snack": (9, 40), "lunch": (11, 30), "afternoon_snack": (15, 0),
              "dinner": (17, 30)}
BUILT_IN = (("breakfast", "小米南瓜粥"), ("breakfast", "鸡蛋羹"), ("morning_snack", "苹果"), ("lunch", "番茄炒蛋"),
            ("lunch", "清炒小白菜"), ("lunch", "米饭"), ("lunch", "紫菜蛋花汤"), ("afternoon_snack", "牛奶"))
UNDERWEIGHT_DAY, MISSING_DAY, TYPO_DAY = 6, 8, 11  # counted back in days with dishes, from today
AJAR_DAY = 4  # days before today
AJAR_FROM, AJAR_MINUTES, AJAR_C = time(12, 40), 50, 10.5


def _fridge_month(centre: Centre, *, start: datetime, now: datetime, rng: random.Random) -> None:
    """A minute of the sample fridge at a time, from `start` to `now` (with the door left ajar once)."""
    zone = centre_zone(centre)
    first = start.replace(second=0, microsecond=0).astimezone(UTC)
    ajar = datetime.combine(now.astimezone(zone).date() - timedelta(days=AJAR_DAY), AJAR_FROM, tzinfo=zone)
    minutes: dict[tuple[str, str, datetime], list[float]] = {}
    hours: dict[tuple[str, str, datetime], list[float]] = {}
    at = first
    while at < now:
        local = at.astimezone(zone)
        of_day = local.hour * 60 + local.minute
        value = 3.8 + 0.3 * math.sin(of_day / 1440 * 2 * math.pi) + rng.gauss(0, 0.08)
        if any(0 <= of_day - (h * 60 + m + 15) < 4 for h, m in MEAL_TIMES.values()):
            value += 1.4  # the door open to put the samples in
        if ajar <= at < ajar + timedelta(minutes=AJAR_MINUTES):
            value = AJAR_C + rng.gauss(0, 0.2)
        value = round(value, 1)
        minutes[(DEFAULT_FRIDGE, QUANTITY, at)] = [1, value, value, value]
        key = (DEFAULT_FRIDGE, QUANTITY, at.replace(minute=0))
        n, total, low, high = hours.get(key, [0, 0.0, value, value])
        hours[key] = [n + 1, total + value, min(low, value), max(high, value)]
        at += timedelta(minutes=1)
    if minutes:
        write_rollups(centre.id, Rollups(minutes, hours, {(DEFAULT_FRIDGE, QUANTITY): [first, at - timedelta(
            minutes=1)]}))


def _dishes(centre: Centre, day: date, served: dict[date, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    if day in served:
        return served[day]
    return list(BUILT_IN) if is_working_day(day) else []


def seed_food_samples(centre: Centre, *, start: date, today: date, setup_at: datetime, now: datetime,
                      settings: EnvironmentSettings, rng: random.Random) -> None:
    """The fridge's month, then the samples of every day's dishes, their disposals and the planned imperfections."""
    _fridge_month(centre, start=setup_at, now=now, rng=rng)
    evaluate_centre(centre, settings, now)  # the door left ajar becomes an exceedance of environment.fridge
    zone = centre_zone(centre)
    kitchen = acting_as(centre, Role.KITCHEN)
    served: dict[date, list[tuple[str, str]]] = {}
    for dish in menu_dishes(centre.id, start, today):
        served.setdefault(dish.day, []).append((dish.meal, dish.dish))
    kept: list[FoodSample] = []
    days = [start + timedelta(days=n) for n in range((today - start).days + 1)]
    days = [d for d in days if _dishes(centre, d, served)]
    marked = {name: days[-back] if len(days) >= back else None
              for name, back in (("underweight", UNDERWEIGHT_DAY), ("missing", MISSING_DAY), ("typo", TYPO_DAY))}
    for day in days:
        for index, (meal, dish) in enumerate(_dishes(centre, day, served)):
            hour, minute = MEAL_TIMES.get(meal, (12, 0))
            sealed = datetime.combine(day, time(hour, minute), tzinfo=zone) + timedelta(minutes=15 + index % 4)
            if sealed > now or (day == marked["missing"] and meal == "lunch" and dish.endswith("汤")):
                continue
            grams = 110 if day == marked["underweight"] and meal == "lunch" and not _kept_lunch(kept, day) else (
                rng.randint(125, 160))
            typo = day == marked["typo"] and meal == "breakfast" and not any(s.day == day for s in kept)
            row = record_sample(centre, meal=meal, dish=dish, weight_g=13 if typo else grams, sealed_at=sealed,
                                fridge=DEFAULT_FRIDGE, actor=kitchen, now=sealed + timedelta(minutes=1))
            if typo:
                amend_sample(row, field="weight_g", value=130, reason="称重时少输了一个 0", actor=kitchen,
                             now=sealed + timedelta(minutes=4))
            kept.append(row)
    for row in kept:
        # The second afternoon after it was taken, at 14:30 (≥ 48 h: a sample taken after 14:30 waits a day more).
        out = datetime.combine(row.day + timedelta(days=2), time(14, 30), tzinfo=zone)
        if out < row.sealed_at + timedelta(hours=48):
            out += timedelta(days=1)
        if (today - row.day).days >= 2 and out <= now:
            dispose_sample(row, actor=kitchen, now=out)


def _kept_lunch(kept: list[FoodSample], day: date) -> bool:
    """Whether a lunch sample of the day was taken already (the underweight one is the day's first lunch dish)."""
    return any(s.day == day and s.meal.value == "lunch" for s in kept)
