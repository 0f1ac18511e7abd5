"""Registers of environment monitoring for the pack (超标记录, 月报) and the evidence its evaluator reads.

An exceedance withdrawn because a sensor fault produced it (`env_exceedance_withdrawal`) counts in none of them:
not a register row, not a minute out of limits, and its alert is no evidence of a late acknowledgement. The minutes
of a stuck run are no data in the monthly summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, or_, select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.records import EnvironmentAlertRecord, EnvironmentEvidence, MonitoredRoomRecord
from server.alerts.models import Alert
from server.centre.models import Centre, Room
from server.centre.registers import centre_of
from server.centre.timezones import centre_zone
from server.database import db
from server.environment.models import Exceedance, ExceedanceWithdrawal, HourRollup, MinuteRollup, Series, StuckRun
from server.environment.operations.alerting import point_label, quantity_label
from server.environment.operations.evaluate import not_withdrawn
from server.environment.operations.queries import ENVIRONMENT_ALERT_PREFIXES


def _instants(centre: Centre, start: date, end: date) -> tuple[datetime, datetime]:
    """The instants bounding local calendar days start..end (inclusive)."""
    zone = centre_zone(centre)
    return (datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))


def _minutes(delta: timedelta | None) -> str:
    return "" if delta is None else f"{delta / timedelta(minutes=1):.0f}"


def _local(at: datetime | None, centre: Centre) -> str:
    return "" if at is None else at.astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M")


def _exceedance_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    start, end = _instants(centre, period.start, period.end)
    closed = db.session.execute(
        select(Exceedance, Alert).outerjoin(Alert, Alert.id == Exceedance.alert_id).where(
            Exceedance.centre_id == centre.id, Exceedance.started_at >= start, Exceedance.started_at < end,
            not_withdrawn()).order_by(Exceedance.started_at, Exceedance.id)
    ).all()
    ongoing = db.session.execute(
        select(Series, Alert).outerjoin(Alert, Alert.id == Series.open_alert_id).where(
            Series.centre_id == centre.id, Series.open_started_at >= start, Series.open_started_at < end)
        .order_by(Series.open_started_at)
    ).all()
    lines = [(x.point, x.quantity, x.rule_id, x.bound, x.limit_value, x.window_min, x.started_at, x.ended_at,
              x.worst_mean, a) for x, a in closed]
    lines += [(s.point, s.quantity, s.open_rule_id, s.open_bound, s.open_limit, s.open_window_min, s.open_started_at,
               None, s.open_worst, a) for s, a in ongoing]
    for point, quantity, rule_id, bound, limit, window, started, ended, worst, alert in lines:
        q_zh, _q_en, unit = quantity_label(quantity)
        opened = alert.opened_at if alert else None
        acked = alert.acknowledged_at if alert else None
        resolved = alert.resolved_at if alert else None
        yield (point_label(centre.id, point)[0], q_zh, rule_id, f"{'≤' if bound == 'upper' else '≥'} {limit:g} {unit}",
               window, _local(started, centre), _local(ended, centre), f"{worst:g}", _local(opened, centre),
               _local(acked, centre), _local(resolved, centre),
               _minutes(acked - opened) if acked and opened else "",
               _minutes(resolved - opened) if resolved and opened else "")


EXCEEDANCE_REGISTER = RegisterSource(
    "环境监测超标记录",
    (Column("point", "监测点", "point"), Column("quantity", "参数", "parameter"), Column("rule", "规则", "rule"),
     Column("limit", "限值", "limit"), Column("window_min", "平均时间（分钟）", "averaging window (min)"),
     Column("started", "开始", "started"), Column("ended", "结束", "ended"),
     Column("worst", "最差均值", "worst window mean"), Column("alert_opened", "警报时间", "alert opened"),
     Column("acknowledged", "确认时间", "acknowledged"), Column("resolved", "解除时间", "resolved"),
     Column("ack_min", "确认用时（分钟）", "time to acknowledge (min)"),
     Column("response_min", "处置用时（分钟）", "time to resolve (min)")),
    Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, _exceedance_rows, "Environment exceedances",
)


def _out_of_limits(centre: Centre, start: datetime, end: datetime) -> dict[tuple[str, str], float]:
    """Minutes of each point and quantity inside an exceedance interval, clipped to [start, end)."""
    minutes: dict[tuple[str, str], float] = {}
    rows = db.session.execute(select(Exceedance.point, Exceedance.quantity, Exceedance.started_at, Exceedance.ended_at)
                              .where(Exceedance.centre_id == centre.id, Exceedance.started_at < end,
                                     Exceedance.ended_at > start, not_withdrawn())).all()
    for point, quantity, started, ended in rows:
        key = (point, quantity)
        minutes[key] = minutes.get(key, 0.0) + (min(ended, end) - max(started, start)) / timedelta(minutes=1)
    return minutes


def _stuck_minute() -> ColumnElement[bool]:
    """The SQL condition that a minute roll-up row lies in a stuck run of its series (its values are no data)."""
    r, m = StuckRun, MinuteRollup
    return select(r.id).where(r.centre_id == m.centre_id, r.point == m.point, r.quantity == m.quantity,
                              r.started_at <= m.at, or_(r.ended_at.is_(None), r.ended_at > m.at)
                              ).correlate(m).exists()


def _summary_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    for month in period.months():
        first, last = month.start, month.end
        start, end = _instants(centre, first, last)
        out = _out_of_limits(centre, start, end)
        m = MinuteRollup
        stats = db.session.execute(
            select(m.point, m.quantity, func.count(), func.sum(m.total), func.sum(m.n), func.min(m.low),
                   func.max(m.high)).where(m.centre_id == centre.id, m.at >= start, m.at < end, ~_stuck_minute())
            .group_by(m.point, m.quantity).order_by(m.point, m.quantity)
        ).all()
        for point, quantity, minutes, total, n, low, high in stats:
            q_zh, _q_en, unit = quantity_label(quantity)
            yield (first.strftime("%Y-%m"), point_label(centre.id, point)[0], q_zh, unit, f"{total / n:.3g}",
                   f"{low:g}", f"{high:g}", minutes, f"{out.get((point, quantity), 0.0):.0f}")


MONTHLY_SUMMARY = RegisterSource(
    "环境监测月报",
    (Column("month", "月份", "month"), Column("point", "监测点", "point"), Column("quantity", "参数", "parameter"),
     Column("unit", "单位", "unit"), Column("mean", "平均值", "mean"), Column("min", "最低", "minimum"),
     Column("max", "最高", "maximum"), Column("minutes", "有数据分钟数", "minutes with data"),
     Column("minutes_out", "超标分钟数", "minutes out of limits")),
    Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, _summary_rows, "Monthly environment summary",
)


def environment_evidence(centre: Centre, period: Period) -> EnvironmentEvidence:
    """What the environment evaluator reads: the period's alerts, and the days each room had data.

    The alert of a withdrawn exceedance is left out: a sensor fault raised it, and the fault's own alert is there.
    """
    start, end = _instants(centre, period.start, period.end)
    withdrawn = select(Exceedance.alert_id).join(
        ExceedanceWithdrawal, ExceedanceWithdrawal.exceedance_id == Exceedance.id
    ).where(Exceedance.centre_id == centre.id, Exceedance.alert_id.is_not(None))
    alerts = [a for a in db.session.execute(
        select(Alert).where(Alert.centre_id == centre.id, Alert.opened_at >= start, Alert.opened_at < end,
                            Alert.id.not_in(withdrawn))
        .order_by(Alert.id)).scalars() if a.kind.startswith(ENVIRONMENT_ALERT_PREFIXES)]
    zone = centre_zone(centre)
    rooms = db.session.execute(select(Room.id).where(Room.centre_id == centre.id, Room.is_active)).scalars().all()
    monitored = bool(db.session.execute(select(Series.id).where(Series.centre_id == centre.id).limit(1)).first())
    days: dict[int, set[date]] = {room: set() for room in rooms}
    for point, at in db.session.execute(
        select(HourRollup.point, HourRollup.at).where(HourRollup.centre_id == centre.id, HourRollup.at >= start,
                                                      HourRollup.at < end, HourRollup.point.like("room:%"))
    ).all():
        room = int(point[5:])
        if room in days:
            days[room].add(at.astimezone(zone).date())
    return EnvironmentEvidence(
        monitored=monitored,
        alerts=tuple(EnvironmentAlertRecord(a.id, a.kind, a.severity, a.opened_at, a.acknowledged_at, a.resolved_at)
                     for a in alerts),
        rooms=tuple(MonitoredRoomRecord(room, frozenset(d)) for room, d in days.items()),
    )
