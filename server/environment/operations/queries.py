"""What staff see of the environment: room cards, chart series, exceedances, open emergencies (authorised reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from server.alerts.models import Alert
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre, Room
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.database import db
from server.environment.models import Exceedance, ExceedanceWithdrawal, HourRollup, MinuteRollup, Series, Verdict
from server.environment.operations.alerting import point_label, quantity_label
from server.environment.operations.evaluate import not_withdrawn
from server.environment.operations.handlers import open_emergencies
from server.environment.settings import EnvironmentSettings
from server.environment.thresholds import Validity, band_for, validity_of
from server.errors import NotFound

ENVIRONMENT_ALERT_PREFIXES = ("environment.", "sensor.", "emergency.", "safety.", "device.")
CHART_RANGES = {"24h": (timedelta(hours=24), MinuteRollup), "7d": (timedelta(days=7), HourRollup)}


@dataclass(frozen=True)
class Latest:
    quantity: str
    label_zh: str
    label_en: str
    unit: str
    value: float
    at: datetime
    lower: float | None
    upper: float | None
    state: str  # ok | exceeded | insufficient_data | fault | stale


@dataclass(frozen=True)
class PointCard:
    point: str
    label_zh: str
    label_en: str
    room_id: int | None
    state: str  # ok | exceeded | insufficient_data | fault | no_data
    values: list[Latest] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


@dataclass(frozen=True)
class ChartPoint:
    at: datetime
    mean: float
    low: float
    high: float


def _latest(series: Series) -> tuple[float, datetime] | None:
    row = db.session.execute(
        select(MinuteRollup.total, MinuteRollup.n, MinuteRollup.at).where(
            MinuteRollup.centre_id == series.centre_id, MinuteRollup.point == series.point,
            MinuteRollup.quantity == series.quantity).order_by(MinuteRollup.at.desc()).limit(1)
    ).first()
    return (row.total / row.n, series.last_at) if row else None


def value_state(series: Series) -> str:
    """The card state of a fresh series: its newest window's verdict; never judged yet is not OK but insufficient."""
    verdict = series.verdict or Verdict.INSUFFICIENT_DATA
    return Verdict.OK.value if verdict == Verdict.NO_LIMIT else str(verdict)


def card_state(values: list[Latest], alerts: list[Alert]) -> str:
    """no_data, then a sensor fault, then any value exceeded, then any with insufficient data; else OK."""
    fresh = [v for v in values if v.state != "stale"]
    if not fresh:
        return "no_data"
    if any(a.kind == "sensor.fault" for a in alerts) or any(v.state == Verdict.FAULT for v in fresh):
        return "fault"
    for state in (Verdict.EXCEEDED, Verdict.INSUFFICIENT_DATA):
        if any(v.state == state for v in fresh):
            return state.value
    return "ok"


def environment_alerts(centre_id: int) -> list[Alert]:
    """Open alerts of the environment, sensors, safety inputs and agents, newest first."""
    rows = db.session.execute(
        select(Alert).where(Alert.centre_id == centre_id, Alert.resolved_at.is_(None)).order_by(Alert.opened_at.desc())
    ).scalars()
    return [a for a in rows if a.kind.startswith(ENVIRONMENT_ALERT_PREFIXES)]


def room_cards(centre: Centre, *, settings: EnvironmentSettings, actor: Actor, now: datetime) -> list[PointCard]:
    """One card per monitor point (each active room first, then fridges and other points)."""
    authorise(actor, Perm.ENVIRONMENT_READ, centre.id, now)
    stale_after = settings.reading_interval * settings.missing_intervals
    rules = effective_rules(centre, centre_today(centre, now))
    day = centre_today(centre, now)
    alerts = environment_alerts(centre.id)
    series_by_point: dict[str, list[Series]] = {}
    for series in db.session.execute(select(Series).where(Series.centre_id == centre.id).order_by(Series.quantity)
                                     ).scalars():
        series_by_point.setdefault(series.point, []).append(series)
    rooms = db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active).order_by(Room.id)
                               ).scalars().all()
    points = [f"room:{r.id}" for r in rooms] + sorted(p for p in series_by_point if not p.startswith("room:"))
    cards = []
    for point in points:
        values = []
        for series in series_by_point.get(point, []):
            latest = _latest(series)
            if latest is None:
                continue
            zh, en, unit = quantity_label(series.quantity)
            lower, upper = band_for(rules, series.quantity, day)
            state = "stale" if now - latest[1] >= stale_after else value_state(series)
            values.append(Latest(series.quantity, zh, en, unit, round(latest[0], 3), latest[1], lower, upper, state))
        mine = [a for a in alerts if a.subject.get("point") == point or a.subject.get("location") == point]
        state = card_state(values, mine)
        label_zh, label_en = point_label(centre.id, point)
        room_id = int(point[5:]) if point.startswith("room:") else None
        cards.append(PointCard(point, label_zh, label_en, room_id, state, values, mine))
    return cards


def chart_series(centre: Centre, point: str, quantity: str, chart_range: str, *, actor: Actor,
                 now: datetime) -> list[ChartPoint]:
    """Means per minute (24 h) or per hour (7 days) of one point and quantity, oldest first."""
    authorise(actor, Perm.ENVIRONMENT_READ, centre.id, now)
    if chart_range not in CHART_RANGES:
        raise NotFound()
    span, model = CHART_RANGES[chart_range]
    rows = db.session.execute(
        select(model.at, model.n, model.total, model.low, model.high).where(
            model.centre_id == centre.id, model.point == point, model.quantity == quantity,
            model.at >= now - span, model.at <= now).order_by(model.at)
    ).all()
    return [ChartPoint(r.at, r.total / r.n, r.low, r.high) for r in rows]


def exceedances(centre: Centre, start: datetime, end: datetime, *, actor: Actor, now: datetime,
                withdrawn: bool = False) -> list[tuple[Exceedance, ExceedanceWithdrawal | None]]:
    """Closed exceedance intervals that began in [start, end), each with its withdrawal (only if `withdrawn`)."""
    authorise(actor, Perm.ENVIRONMENT_READ, centre.id, now)
    stmt = select(Exceedance, ExceedanceWithdrawal).outerjoin(
        ExceedanceWithdrawal, ExceedanceWithdrawal.exceedance_id == Exceedance.id
    ).where(Exceedance.centre_id == centre.id, Exceedance.started_at >= start, Exceedance.started_at < end)
    if not withdrawn:
        stmt = stmt.where(not_withdrawn())
    return [(row, withdrawal) for row, withdrawal in
            db.session.execute(stmt.order_by(Exceedance.started_at, Exceedance.id)).all()]


def validity(centre: Centre, now: datetime) -> Validity | None:
    """How much data a window mean needs today (the rulebook's validity rule), for the page's legend."""
    return validity_of(effective_rules(centre, centre_today(centre, now)))


def emergencies(centre: Centre, *, actor: Actor, now: datetime) -> list[Alert]:
    """Open panic and smoke alarms, for the banner on staff screens."""
    authorise(actor, Perm.ENVIRONMENT_READ, centre.id, now)
    return open_emergencies(centre.id)
