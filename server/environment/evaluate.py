"""Judge each series' window means against the rulebook, minute by minute, and keep exceedance intervals.

The mean at minute boundary m covers the minutes [m - window, m) of the minute roll-up; it is judged only when
enough samples fall in the window. An exceedance opens at the first boundary outside the limit and closes at the
first boundary back inside (missing data neither opens nor closes one). Closed intervals are appended to
`env_exceedance` (never edited); the open one lives on the series with its alert.

Late data (a sample older than what was already judged) re-judges its span with a fresh state, and appends only
the intervals that overlap none already recorded: the record grows, it is never rewritten.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from server.alerts.models import Alert
from server.audit.operations import record_change
from server.database import db
from server.environment.alerts import auto_resolve, raise_exceedance_alert
from server.environment.models import Exceedance, MinuteRollup, Series
from server.environment.rollup import floor_minute
from server.environment.settings import EnvironmentSettings
from server.environment.thresholds import Limit

MINUTE = timedelta(minutes=1)
MAX_BACKLOG = timedelta(days=7)  # judged at most this far back (a longer outage is summarised by the registers)
LimitsOn = Callable[[str, date], list[Limit]]  # (quantity, local date) -> limits


@dataclass
class OpenInterval:
    limit: Limit
    started_at: datetime
    worst: float
    alert_id: int | None = None


class WindowMeans:
    """Window means over the minute roll-up of one series, by prefix sums (O(1) per boundary)."""

    def __init__(self, series: Series, start: datetime, end: datetime):
        rows = db.session.execute(
            select(MinuteRollup.at, MinuteRollup.n, MinuteRollup.total).where(
                MinuteRollup.centre_id == series.centre_id, MinuteRollup.point == series.point,
                MinuteRollup.quantity == series.quantity, MinuteRollup.at >= start, MinuteRollup.at < end,
            ).order_by(MinuteRollup.at)
        ).all()
        self.times = [r.at for r in rows]
        self.n = [0]
        self.total = [0.0]
        for r in rows:
            self.n.append(self.n[-1] + r.n)
            self.total.append(self.total[-1] + r.total)

    def mean(self, start: datetime, end: datetime, min_samples: float) -> float | None:
        lo, hi = bisect_left(self.times, start), bisect_left(self.times, end)
        count = self.n[hi] - self.n[lo]
        if count == 0 or count < min_samples:
            return None
        return (self.total[hi] - self.total[lo]) / count


def _min_samples(limit: Limit, settings: EnvironmentSettings) -> float:
    per_window = limit.window / max(settings.reading_interval, timedelta(seconds=1))
    return per_window * settings.min_window_coverage


def _walk(series: Series, state: OpenInterval | None, start: datetime, end: datetime, limits_on: LimitsOn,
          local_date: Callable[[datetime], date], settings: EnvironmentSettings,
          on_open: Callable[[OpenInterval, datetime], None],
          on_close: Callable[[OpenInterval, datetime], None]) -> OpenInterval | None:
    """Step the boundaries (start, end]; call back on every opening and closing; the state at `end`."""
    if end <= start:
        return state
    longest = max((lim.window for lim in limits_on(series.quantity, local_date(end))), default=timedelta(hours=24))
    means = WindowMeans(series, start - max(longest, timedelta(hours=24)), end)
    m = start + MINUTE
    while m <= end:
        limits = limits_on(series.quantity, local_date(m))
        judged = {(lim.rule_id, lim.bound): (lim, means.mean(m - lim.window, m, _min_samples(lim, settings)))
                  for lim in limits}
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
    return state


def _append(series: Series, interval: OpenInterval, ended_at: datetime, now: datetime) -> Exceedance:
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


def _overlaps_recorded(series: Series, interval: OpenInterval, ended_at: datetime) -> bool:
    hit = db.session.execute(
        select(Exceedance.id).where(
            Exceedance.centre_id == series.centre_id, Exceedance.point == series.point,
            Exceedance.quantity == series.quantity, Exceedance.rule_id == interval.limit.rule_id,
            Exceedance.started_at < ended_at, Exceedance.ended_at > interval.started_at).limit(1)
    ).first()
    if hit is not None:
        return True
    return series.open_started_at is not None and series.open_rule_id == interval.limit.rule_id \
        and series.open_started_at < ended_at


def _load_state(series: Series) -> OpenInterval | None:
    if series.open_rule_id is None:
        return None
    limit = Limit(series.open_rule_id, series.open_bound or "upper", series.open_limit or 0.0,
                  timedelta(minutes=series.open_window_min or 60))
    return OpenInterval(limit, series.open_started_at, series.open_worst or 0.0, series.open_alert_id)  # type: ignore[arg-type]


def _store_state(series: Series, state: OpenInterval | None) -> None:
    series.open_rule_id = state.limit.rule_id if state else None
    series.open_bound = state.limit.bound if state else None
    series.open_limit = state.limit.value if state else None
    series.open_window_min = state.limit.window_minutes if state else None
    series.open_started_at = state.started_at if state else None
    series.open_worst = state.worst if state else None
    series.open_alert_id = state.alert_id if state else None


def evaluate_series(series: Series, *, limits_on: LimitsOn, local_date: Callable[[datetime], date],
                    settings: EnvironmentSettings, now: datetime) -> None:
    """Judge the series up to the current minute: late spans first, then onwards from where it stopped."""
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
                _append(series, interval, ended_at, now)

        _walk(series, None, replay_from, replay_to, limits_on, local_date, settings,
              on_open=lambda interval, at: None, on_close=keep_closed)

    def opened(interval: OpenInterval, at: datetime) -> None:
        alert = raise_exceedance_alert(series.centre_id, point=series.point, quantity=series.quantity,
                                       rule_id=interval.limit.rule_id, bound=interval.limit.bound,
                                       limit=interval.limit.value, mean=round(interval.worst, 3),
                                       window_min=interval.limit.window_minutes, now=now)
        interval.alert_id = alert.id

    def closed(interval: OpenInterval, ended_at: datetime) -> None:
        _append(series, interval, ended_at, now)
        alert = db.session.get(Alert, interval.alert_id) if interval.alert_id else None
        if alert is not None:
            auto_resolve(alert, now)

    state = _walk(series, _load_state(series), judged_to, end, limits_on, local_date, settings,
                  on_open=opened, on_close=closed)
    _store_state(series, state)
    db.session.flush()
    # Clear dirty_from only if no ingest moved it meanwhile (PostgreSQL runs ingest concurrently).
    db.session.execute(update(Series).where(Series.id == series.id, Series.dirty_from.is_not_distinct_from(dirty))
                       .values(dirty_from=None).execution_options(synchronize_session=False))
    db.session.execute(update(Series).where(Series.id == series.id).values(evaluated_to=end)
                       .execution_options(synchronize_session=False))
