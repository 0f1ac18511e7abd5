"""JSON API of environment monitoring: room cards, chart data, exceedances, open emergencies (staff and kiosks)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint
from pydantic import Field

from server.alerts.api import AlertOut
from server.apispec import Schema, responses, spec
from server.auth.session import current_actor
from server.centre.operations import get_centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.environment.operations import queries as ops
from server.environment.operations.handlers import open_emergencies
from server.environment.settings import app_settings
from server.environment.thresholds import band_for
from server.fleet.device_auth import device_reading
from server.fleet.policy import Feed

bp = Blueprint("environment_api", __name__, url_prefix="/api/v1")


class LatestOut(Schema):
    quantity: str
    label_zh: str
    label_en: str
    unit: str
    value: float
    at: datetime
    lower: float | None
    upper: float | None
    state: str = Field(description="ok | exceeded | insufficient_data (too little data in the newest window to judge "
                                   "it: neither exceeded nor ok) | fault (sensor stuck) | stale (no recent reading)")


class PointCardOut(Schema):
    point: str
    label_zh: str
    label_en: str
    room_id: int | None
    state: str = Field(description="ok | exceeded | insufficient_data | fault | no_data")
    values: list[LatestOut]
    alerts: list[AlertOut]


class EnvironmentOut(Schema):
    items: list[PointCardOut]


class ChartQuery(Schema):
    point: str = Field("", max_length=48)
    quantity: str = Field("", max_length=16)
    range: str = Field("24h", pattern=r"^(24h|7d)$")


class ChartPointOut(Schema):
    at: datetime
    mean: float
    low: float
    high: float


class ChartOut(Schema):
    point: str
    quantity: str
    range: str
    lower: float | None
    upper: float | None
    points: list[ChartPointOut]


class ExceedanceQuery(Schema):
    days: int = Field(30, ge=1, le=400)
    withdrawn: bool = Field(False, description="also list exceedances withdrawn because a sensor fault produced them")


class ExceedanceOut(Schema):
    id: int
    point: str
    quantity: str
    rule_id: str
    bound: str
    limit_value: float
    window_min: int
    started_at: datetime
    ended_at: datetime
    worst_mean: float
    alert_id: int | None
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None  # sensor_fault: the exceedance counts nowhere
    withdrawal_fault: str | None = None  # the sensor's fault code: stuck


class ExceedanceList(Schema):
    items: list[ExceedanceOut]


class EmergencyList(Schema):
    items: list[AlertOut]


@bp.get("/centres/<string:code>/environment")
@spec.validate(resp=responses(HTTP_200=EnvironmentOut), tags=["environment"])
def environment(code: str):
    """Each room and fridge: latest values with their limits, state, and open alerts."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    cards = ops.room_cards(centre, settings=app_settings(), actor=actor, now=now)
    return EnvironmentOut(items=[PointCardOut.model_validate(card) for card in cards])


@bp.get("/centres/<string:code>/environment/chart")
@spec.validate(query=ChartQuery, resp=responses(HTTP_200=ChartOut), tags=["environment"])
def chart(code: str, query: ChartQuery):
    """Means per minute (24h) or per hour (7d) of one point and quantity, with the limit band in force today."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    points = ops.chart_series(centre, query.point, query.quantity, query.range, actor=actor, now=now)
    lower, upper = band_for(effective_rules(centre, centre_today(centre, now)), query.quantity, centre_today(centre, now))
    return ChartOut(point=query.point, quantity=query.quantity, range=query.range, lower=lower, upper=upper,
                    points=[ChartPointOut.model_validate(p) for p in points])


@bp.get("/centres/<string:code>/environment/exceedances")
@spec.validate(query=ExceedanceQuery, resp=responses(HTTP_200=ExceedanceList), tags=["environment"])
def exceedance_list(code: str, query: ExceedanceQuery):
    """Closed exceedance intervals of the last `days` days (the register's rows; `withdrawn=true` adds withdrawn ones)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    rows = ops.exceedances(centre, now - timedelta(days=query.days), now + timedelta(seconds=1), actor=actor, now=now,
                           withdrawn=query.withdrawn)
    return ExceedanceList(items=[
        ExceedanceOut.model_validate(row).model_copy(update={
            "withdrawn_at": w.withdrawn_at, "withdrawal_reason": w.reason, "withdrawal_fault": w.fault,
        } if w else {}) for row, w in rows])


@bp.get("/centres/<string:code>/emergencies")
@spec.validate(resp=responses(HTTP_200=EmergencyList), tags=["environment"])
def emergencies(code: str):
    """Open panic and smoke alarms: every staff screen polls this and shows a banner."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return EmergencyList(items=[AlertOut.model_validate(a) for a in ops.emergencies(centre, actor=actor, now=now)])


@bp.get("/devices/emergencies")
@spec.validate(resp=responses(HTTP_200=EmergencyList), tags=["devices"])
def device_emergencies():
    """Open panic and smoke alarms of the calling kiosk's centre (device token)."""
    device = device_reading(Feed.EMERGENCIES)
    return EmergencyList(items=[AlertOut.model_validate(a) for a in open_emergencies(device.centre_id)])
