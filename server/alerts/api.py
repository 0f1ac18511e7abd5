"""JSON API for alerts: list the open ones, acknowledge, resolve."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app

from server.alerts import operations as ops
from server.apispec import Schema, responses, spec
from server.auth.session import current_actor
from server.centre.operations import get_centre
from server.clock import utcnow

bp = Blueprint("alerts_api", __name__, url_prefix="/api/v1")


class AlertOut(Schema):
    id: int
    kind: str
    severity: str
    message_zh: str
    message_en: str
    subject: dict[str, object]
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None


class AlertList(Schema):
    items: list[AlertOut]


@bp.get("/centres/<string:code>/alerts")
@spec.validate(resp=responses(HTTP_200=AlertList), tags=["alerts"])
def list_alerts(code: str):
    """Open alerts of the centre, most severe first."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return AlertList(items=[AlertOut.model_validate(a) for a in ops.open_alerts(centre.id, actor=actor, now=now)])


class EmergencyOut(Schema):
    id: int
    centre: str
    kind: str
    message_zh: str
    message_en: str
    opened_at: datetime
    acknowledged_at: datetime | None


class EmergencyList(Schema):
    items: list[EmergencyOut]


@bp.get("/me/emergencies")
@spec.validate(resp=responses(HTTP_200=EmergencyList), tags=["alerts"])
def my_emergencies():
    """Open emergencies (panic button, smoke) of every centre the caller works at: every staff screen polls this."""
    actor, now = current_actor(), utcnow()
    return EmergencyList(items=[
        EmergencyOut(id=a.id, centre=name, kind=a.kind, message_zh=a.message_zh, message_en=a.message_en,
                     opened_at=a.opened_at, acknowledged_at=a.acknowledged_at)
        for a, name in ops.my_emergencies(actor=actor, now=now)])


@bp.post("/alerts/<int:alert_id>/acknowledge")
@spec.validate(resp=responses(HTTP_200=AlertOut), tags=["alerts"])
def acknowledge(alert_id: int):
    """Take an alert on."""
    actor, now = current_actor(), utcnow()
    return AlertOut.model_validate(ops.acknowledge(ops.get_alert(alert_id, actor=actor, now=now), actor=actor, now=now))


@bp.post("/alerts/<int:alert_id>/resolve")
@spec.validate(resp=responses(HTTP_200=AlertOut), tags=["alerts"])
def resolve(alert_id: int):
    """Close an alert; refused (409 `still_in_breach`) while its condition holds, e.g. a room still out of ratio."""
    actor, now = current_actor(), utcnow()
    alert = ops.get_alert(alert_id, actor=actor, now=now)
    conditions = current_app.extensions.get("tuoyu.alert_conditions", {})
    return AlertOut.model_validate(ops.resolve(alert, actor=actor, now=now, conditions=conditions))
