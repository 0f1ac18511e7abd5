"""Judge each series' window means against the rulebook, minute by minute, and keep exceedance intervals.

The mean at minute boundary m covers the minutes [m - window, m) of the minute roll-up, and counts only when the
window holds enough data (rule `environment.data_validity`, GB 3095—2012 表4): a window of up to an hour needs that
many minutes with data, a longer one that many valid 1-h means (and is their mean). Otherwise the window is
*insufficient data*: neither an exceedance nor OK. Minutes of a stuck run (`stuck.py`) are no data.

An exceedance opens at the first boundary outside the limit and closes at the first boundary back inside (a window
with insufficient data neither opens nor closes one). Closed intervals are appended to `env_exceedance` (never
edited); the open one lives on the series with its alert. The series keeps the verdict of its newest window.

Late data (a sample older than what was already judged) re-judges its span with a fresh state, and appends only
the intervals that overlap none already recorded: the record grows, it is never rewritten.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update

from server.alerts.models import Alert
from server.audit.operations import record_change
from server.database import db
from server.environment.models import Exceedance, ExceedanceWithdrawal, MinuteRollup, Series, StuckRun, Verdict
from server.environment.operations.alerting import auto_resolve, raise_exceedance_alert
from server.environment.operations.rollup import floor_minute
from server.environment.thresholds import HOUR, Limit

MINUTE = timedelta(minutes=1)
MAX_BACKLOG = timedelta(days=7)  # judged at most this far back (a longer outage is summarised by the registers)
LimitsOn = Callable[[str, date], list[Limit]]  # (quantity, local date) -> limits
Span = tuple[datetime, datetime | None]  # [start, end) of minutes that are no data; end None: still going on
Judged = list[tuple[Limit, float | None]]  # each limit with its window mean, None when the window is not valid
_UNKNOWN = -math.inf  # no 1-h mean worked out yet (a mean is a float or None, never this)


@dataclass
class OpenInterval:
    limit: Limit
    started_at: datetime
    worst: float
    alert_id: int | None = None


class WindowMeans:
    """Window means over the minute roll-up of one series, by prefix sums (O(1) per window of minutes)."""

    def __init__(self, minutes: Iterable[tuple[datetime, int, float]]):
        """`minutes`: (start of the minute, samples, their sum) of each minute with data, oldest first."""
        self.times: list[datetime] = []
        self.n = [0]
        self.total = [0.0]
        # The 1-h means of long windows, by data required and start minute: the window a minute later shares
        # all but one of them.
        self.hourly: dict[int, dict[int, float | None]] = {}
        for at, n, total in minutes:
            self.times.append(at)
            self.n.append(self.n[-1] + n)
            self.total.append(self.total[-1] + total)

    @classmethod
    def load(cls, series: Series, start: datetime, end: datetime, no_data: list[Span]) -> WindowMeans:
        """The series' minutes in [start, end), less those inside a `no_data` span."""
        rows = db.session.execute(
            select(MinuteRollup.at, MinuteRollup.n, MinuteRollup.total).where(
                MinuteRollup.centre_id == series.centre_id, MinuteRollup.point == series.point,
                MinuteRollup.quantity == series.quantity, MinuteRollup.at >= start, MinuteRollup.at < end,
            ).order_by(MinuteRollup.at)
        ).all()
        return cls((r.at, r.n, r.total) for r in rows
                   if not any(lo <= r.at and (hi is None or r.at < hi) for lo, hi in no_data))

    def minutes(self, start: datetime, end: datetime) -> int:
        """Minutes with data in [start, end)."""
        return bisect_left(self.times, end) - bisect_left(self.times, start)

    def _mean(self, start: datetime, end: datetime, min_minutes: int) -> float | None:
        lo, hi = bisect_left(self.times, start), bisect_left(self.times, end)
        if hi - lo < max(min_minutes, 1):
            return None
        return (self.total[hi] - self.total[lo]) / (self.n[hi] - self.n[lo])

    def mean(self, limit: Limit, end: datetime) -> float | None:
        """The mean of `limit`'s window ending at `end`, or None when the window holds too little data to count."""
        if limit.min_minutes is None:
            return None
        start = end - limit.window
        if not limit.min_hours:
            return self._mean(start, end, limit.min_minutes)
        known = self.hourly.setdefault(limit.min_minutes, {})
        first = int(start.timestamp()) // 60
        hourly = []
        for k in range(limit.window // HOUR):
            hour_mean = known.get(first + 60 * k, _UNKNOWN)
            if hour_mean is _UNKNOWN:
                hour_mean = known[first + 60 * k] = self._mean(start + k * HOUR, start + (k + 1) * HOUR,
                                                               limit.min_minutes)
            hourly.append(hour_mean)
        valid = [mean for mean in hourly if mean is not None]
        return sum(valid) / len(valid) if len(valid) >= limit.min_hours else None


def verdict_of(judged: Judged) -> Verdict:
    """A window outside a limit is exceeded; else one without enough data is insufficient; else OK."""
    if not judged:
        return Verdict.NO_LIMIT
    if any(mean is not None and limit.is_broken_by(mean) for limit, mean in judged):
        return Verdict.EXCEEDED
    if any(mean is None for _limit, mean in judged):
        return Verdict.INSUFFICIENT_DATA
    return Verdict.OK


def no_data_spans(series: Series, start: datetime) -> list[Span]:
    """Stuck runs of the series reaching past `start`: their minutes are no data."""
    rows = db.session.execute(
        select(StuckRun.started_at, StuckRun.ended_at).where(
            StuckRun.centre_id == series.centre_id, StuckRun.point == series.point,
            StuckRun.quantity == series.quantity, or_(StuckRun.ended_at.is_(None), StuckRun.ended_at > start))
    ).all()
    return [(r.started_at, r.ended_at) for r in rows]


def _walk(series: Series, state: OpenInterval | None, start: datetime, end: datetime, limits_on: LimitsOn,
          local_date: Callable[[datetime], date], on_open: Callable[[OpenInterval, datetime], None],
          on_close: Callable[[OpenInterval, datetime], None]) -> tuple[OpenInterval | None, Judged | None]:
    """Step the boundaries (start, end]; call back on every opening and closing; the state and judgement at `end`."""
    if end <= start:
        return state, None
    longest = max((lim.window for lim in limits_on(series.quantity, local_date(end))), default=timedelta(hours=24))
    reach = start - max(longest, timedelta(hours=24))
    means = WindowMeans.load(series, reach, end, no_data_spans(series, reach))
    judged: dict[tuple[str, str], tuple[Limit, float | None]] = {}
    m = start + MINUTE
    while m <= end:
        limits = limits_on(series.quantity, local_date(m))
        judged = {(lim.rule_id, lim.bound): (lim, means.mean(lim, m)) for lim in limits}
        if state is not None:
            lim_mean = judged.get((state.limit.rule_id, state.limit.bound))
            mean = lim_mean[1] if lim_mean else None
            if lim_mean is not None and mean is None:
                pass  # no data: the interval neither grows nor ends
            elif mean is not None and state.limit.is_broken_by(mean):
                if state.limit.is_worse(mean, state.worst):
                    state.worst = mean
            else:
                on_close(state, m)  # back inside, or the season's rule changed
                state = None
        if state is None:
            for lim, mean in judged.values():
                if mean is not None and lim.is_broken_by(mean):
                    state = OpenInterval(lim, m, mean)
                    on_open(state, m)
                    break
        m += MINUTE
    return state, list(judged.values())


def append_exceedance(series: Series, interval: OpenInterval, ended_at: datetime, now: datetime) -> Exceedance:
    """Append (and audit) the closed interval."""
    row = Exceedance(centre_id=series.centre_id, point=series.point, quantity=series.quantity,
                     rule_id=interval.limit.rule_id, bound=interval.limit.bound, limit_value=interval.limit.value,
                     window_min=interval.limit.window_minutes, started_at=interval.started_at, ended_at=ended_at,
                     worst_mean=interval.worst, alert_id=interval.alert_id, recorded_at=now)
    db.session.add(row)
    db.session.flush()
    record_change(centre_id=series.centre_id, actor_id=None, actor_kind="system", action="environment.exceedance",
                  object_type="env_exceedance", object_id=row.id, before=None,
                  after={"point": row.point, "rule_id": row.rule_id, "started_at": row.started_at,
                         "ended_at": row.ended_at, "worst_mean": row.worst_mean}, now=now)
    return row


def not_withdrawn() -> object:
    """The SQL condition that an `Exceedance` row has no withdrawal."""
    return ~select(ExceedanceWithdrawal.id).where(ExceedanceWithdrawal.exceedance_id == Exceedance.id) \
        .correlate(Exceedance).exists()


def _overlaps_recorded(series: Series, interval: OpenInterval, ended_at: datetime) -> bool:
    hit = db.session.execute(
        select(Exceedance.id).where(
            Exceedance.centre_id == series.centre_id, Exceedance.point == series.point,
            Exceedance.quantity == series.quantity, Exceedance.rule_id == interval.limit.rule_id,
            Exceedance.started_at < ended_at, Exceedance.ended_at > interval.started_at, not_withdrawn()).limit(1)
    ).first()
    if hit is not None:
        return True
    return series.open_started_at is not None and series.open_rule_id == interval.limit.rule_id \
        and series.open_started_at < ended_at


def load_state(series: Series) -> OpenInterval | None:
    if series.open_rule_id is None:
        return None
    limit = Limit(series.open_rule_id, series.open_bound or "upper", series.open_limit or 0.0,
                  timedelta(minutes=series.open_window_min or 60))
    return OpenInterval(limit, series.open_started_at, series.open_worst or 0.0, series.open_alert_id)  # type: ignore[arg-type]


def store_state(series: Series, state: OpenInterval | None) -> None:
    series.open_rule_id = state.limit.rule_id if state else None
    series.open_bound = state.limit.bound if state else None
    series.open_limit = state.limit.value if state else None
    series.open_window_min = state.limit.window_minutes if state else None
    series.open_started_at = state.started_at if state else None
    series.open_worst = state.worst if state else None
    series.open_alert_id = state.alert_id if state else None


def evaluate_series(series: Series, *, limits_on: LimitsOn, local_date: Callable[[datetime], date], now: datetime,
                    stuck: bool = False) -> None:
    """Judge the series up to the current minute: late spans first, then onwards from where it stopped.

    `stuck`: the sensor is stuck now (its run's minutes are no data either way); the verdict is then a fault.
    """
    end = floor_minute(now)
    horizon = end - MAX_BACKLOG
    judged_to = series.evaluated_to or floor_minute(series.first_at)
    judged_to = max(judged_to, horizon)
    dirty = series.dirty_from
    if dirty is not None and floor_minute(dirty) < judged_to:
        replay_from = max(floor_minute(dirty), horizon)
        # Window means up to `longest` after the late sample can change too.
        replay_to = min(judged_to, floor_minute(dirty) + timedelta(hours=25))

        def keep_closed(interval: OpenInterval, ended_at: datetime) -> None:
            if not _overlaps_recorded(series, interval, ended_at):
                append_exceedance(series, interval, ended_at, now)

        _walk(series, None, replay_from, replay_to, limits_on, local_date,
              on_open=lambda interval, at: None, on_close=keep_closed)

    def opened(interval: OpenInterval, at: datetime) -> None:
        alert = raise_exceedance_alert(series.centre_id, point=series.point, quantity=series.quantity,
                                       rule_id=interval.limit.rule_id, bound=interval.limit.bound,
                                       limit=interval.limit.value, mean=round(interval.worst, 3),
                                       window_min=interval.limit.window_minutes, now=now)
        interval.alert_id = alert.id

    def closed(interval: OpenInterval, ended_at: datetime) -> None:
        append_exceedance(series, interval, ended_at, now)
        alert = db.session.get(Alert, interval.alert_id) if interval.alert_id else None
        if alert is not None:
            auto_resolve(alert, now)

    state, judged = _walk(series, load_state(series), judged_to, end, limits_on, local_date,
                          on_open=opened, on_close=closed)
    store_state(series, state)
    if stuck:
        series.verdict = Verdict.FAULT
    elif judged is not None:
        series.verdict = verdict_of(judged)
    db.session.flush()
    # Clear dirty_from only if no ingest moved it meanwhile (PostgreSQL runs ingest concurrently).
    db.session.execute(update(Series).where(Series.id == series.id, Series.dirty_from.is_not_distinct_from(dirty))
                       .values(dirty_from=None).execution_options(synchronize_session=False))
    db.session.execute(update(Series).where(Series.id == series.id).values(evaluated_to=end)
                       .execution_options(synchronize_session=False))
