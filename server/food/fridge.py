"""The fridges' evidence for the samples kept in them, read from the environment domain (fridge_c roll-ups).

A fridge is an environment monitor point with `fridge_c` readings ("fridge-sample"). For each sample's keeping
period (sealed → disposed, or now) this gives the readings' count, min and max, the stretches without data longer
than the fridge rule's averaging window (gaps), and the excursions the environment domain recorded (exceedances of
`environment.fridge`, withdrawn ones left out; one still open counts up to the period's end).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from compliance.food.samples import FRIDGE_RULE, FridgeExcursion, FridgeStats
from compliance.rulebook import Rulebook
from server.database import db
from server.environment.models import Exceedance, MinuteRollup, Series
from server.environment.operations.alerting import point_label
from server.environment.operations.evaluate import not_withdrawn

QUANTITY = "fridge_c"
DEFAULT_FRIDGE = "fridge-sample"
DEFAULT_GAP = timedelta(minutes=30)
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Fridge:
    point: str
    label_zh: str
    label_en: str
    current_c: float | None = None
    current_at: datetime | None = None


def monitored_fridges(centre_id: int) -> list[str]:
    """The centre's fridges with a temperature sensor (environment points with fridge_c readings)."""
    return list(db.session.execute(
        select(Series.point).where(Series.centre_id == centre_id, Series.quantity == QUANTITY)
        .order_by(Series.point)).scalars())


def centre_fridges(centre_id: int) -> list[Fridge]:
    """The fridges to choose from, each with its latest temperature (the sample fridge first when unmonitored)."""
    points = monitored_fridges(centre_id) or [DEFAULT_FRIDGE]
    fridges = []
    for point in points:
        row = db.session.execute(
            select(MinuteRollup.total, MinuteRollup.n, MinuteRollup.at).where(
                MinuteRollup.centre_id == centre_id, MinuteRollup.point == point, MinuteRollup.quantity == QUANTITY)
            .order_by(MinuteRollup.at.desc()).limit(1)).first()
        zh, en = point_label(centre_id, point)
        fridges.append(Fridge(point, zh, en, round(row.total / row.n, 1) if row else None, row.at if row else None))
    return fridges


def gap_after(rules: Rulebook) -> timedelta:
    """How long without a reading makes a gap: the fridge rule's averaging window."""
    rule = rules.get(FRIDGE_RULE)
    return timedelta(minutes=float(rule.value("averaging_window"))) if rule is not None else DEFAULT_GAP


def _excursions(centre_id: int, point: str, start: datetime, end: datetime) -> list[FridgeExcursion]:
    closed = db.session.execute(select(Exceedance).where(
        Exceedance.centre_id == centre_id, Exceedance.point == point, Exceedance.quantity == QUANTITY,
        Exceedance.started_at < end, Exceedance.ended_at > start, not_withdrawn())
        .order_by(Exceedance.started_at)).scalars()
    found = [FridgeExcursion(x.started_at, x.ended_at, x.bound, x.limit_value, x.worst_mean) for x in closed]
    for s in db.session.execute(select(Series).where(
            Series.centre_id == centre_id, Series.point == point, Series.quantity == QUANTITY,
            Series.open_started_at.is_not(None), Series.open_started_at < end)).scalars():
        found.append(FridgeExcursion(s.open_started_at, None, s.open_bound or "upper", s.open_limit or 0.0,
                                     s.open_worst if s.open_worst is not None else 0.0))
    return found


class FridgeReader:
    """Reads each fridge's minute roll-ups once for a span, then answers per keeping period."""

    def __init__(self, centre_id: int, spans: Iterable[tuple[str, datetime, datetime]], gap: timedelta):
        self.centre_id, self.gap = centre_id, gap
        wanted: dict[str, tuple[datetime, datetime]] = {}
        for point, start, end in spans:
            lo, hi = wanted.get(point, (start, end))
            wanted[point] = (min(lo, start), max(hi, end))
        self.minutes: dict[str, tuple[list[datetime], list[tuple[float, float, int]]]] = {}
        self.excursions: dict[str, list[FridgeExcursion]] = {}
        for point, (start, end) in wanted.items():
            rows = db.session.execute(select(MinuteRollup.at, MinuteRollup.low, MinuteRollup.high, MinuteRollup.n)
                                      .where(MinuteRollup.centre_id == centre_id, MinuteRollup.point == point,
                                             MinuteRollup.quantity == QUANTITY, MinuteRollup.at >= start,
                                             MinuteRollup.at < end).order_by(MinuteRollup.at)).all()
            self.minutes[point] = ([r.at for r in rows], [(r.low, r.high, r.n) for r in rows])
            self.excursions[point] = _excursions(centre_id, point, start, end)

    def stats(self, point: str, start: datetime, end: datetime) -> FridgeStats:
        """The fridge's readings between start and end (a keeping period)."""
        times, values = self.minutes.get(point, ([], []))
        lo, hi = bisect_left(times, start), bisect_left(times, end)
        at, vals = times[lo:hi], values[lo:hi]
        gaps, gap_minutes, previous = 0, 0, start - _MINUTE
        for t in [*at, end]:
            if t - previous - _MINUTE > self.gap:
                gaps += 1
                gap_minutes += int((t - previous - _MINUTE) / _MINUTE)
            previous = t
        excursions = tuple(x for x in self.excursions.get(point, ())
                           if x.started_at < end and (x.ended_at is None or x.ended_at > start))
        return FridgeStats(start=start, end=end, readings=len(vals),
                           min_c=round(min(v[0] for v in vals), 1) if vals else None,
                           max_c=round(max(v[1] for v in vals), 1) if vals else None,
                           gaps=gaps, gap_minutes=gap_minutes, excursions=excursions)
