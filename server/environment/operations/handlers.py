"""Per-event handlers of the agent's other kinds: safety inputs (stored, emergencies raised at once) and heartbeats."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select

from devices.wire.protocol import Event
from devices.wire.readings import HeartbeatPayload, SafetyPayload
from server.alerts.models import Alert
from server.alerts.operations import raise_alert
from server.audit.operations import record_change
from server.centre.models import Centre
from server.centre.timezones import local_time
from server.database import db
from server.environment.models import SafetyEvent
from server.environment.operations.alerting import auto_resolve, open_alert, point_label
from server.fleet.models import Device
from server.fleet.operations import EventRejected

EMERGENCY_KINDS = ("emergency.panic", "emergency.smoke")
# (event kind, state) -> (alert kind, 中文, English)
EMERGENCIES = {
    ("safety.panic", "pressed"): ("emergency.panic", "紧急按钮被按下", "Panic button pressed"),
    ("safety.smoke", "alarm"): ("emergency.smoke", "烟雾报警", "Smoke alarm"),
}


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or 'payload'}: {first['msg']}"


def _is_closed(centre: Centre, at: datetime) -> bool:
    """Outside opening hours: before opening, after closing, or at the weekend (local time)."""
    local = local_time(centre, at)
    return local.weekday() >= 5 or not centre.opens_at <= local.time() < centre.closes_at


def handle_safety_event(device: Device, event: Event, now: datetime) -> None:
    """Store the input change; panic and smoke raise an emergency at once, a door opened after hours an urgent alert."""
    try:
        payload = SafetyPayload.model_validate(event.payload)
    except ValidationError as exc:
        raise EventRejected("safety.invalid", _first_error(exc)) from None
    row = SafetyEvent(centre_id=device.centre_id, device_pk=device.id, kind=str(event.kind).split(".", 1)[1],
                      input=payload.input, location=payload.location, state=payload.state, label=payload.label,
                      at=event.created_at, received_at=now)
    db.session.add(row)
    db.session.flush()
    where_zh, where_en = point_label(device.centre_id, payload.location)
    label = payload.label or f"{where_zh} / {where_en}"
    alert: Alert | None = None
    emergency = EMERGENCIES.get((str(event.kind), payload.state))
    if emergency is not None:
        kind, zh, en = emergency
        alert = raise_alert(device.centre_id, kind=kind, severity="emergency",
                            dedupe_key=f"{kind}:{device.id}:{payload.input}",
                            message_zh=f"{zh}：{label.split(' / ')[0]}，请立即处置", message_en=f"{en}: {label}, act now",
                            subject={"device": device.id, "input": payload.input, "location": payload.location,
                                     "safety_event": row.id}, now=now)
    elif str(event.kind) == "safety.door" and payload.state == "open":
        centre = db.session.get(Centre, device.centre_id)
        if centre is not None and _is_closed(centre, event.created_at):
            day = local_time(centre, event.created_at).date().isoformat()
            alert = raise_alert(device.centre_id, kind="safety.door_after_hours", severity="urgent",
                                dedupe_key=f"door:{device.id}:{payload.input}:{day}",
                                message_zh=f"非开放时间门被打开：{label.split(' / ')[0]}",
                                message_en=f"Door opened outside opening hours: {label}",
                                subject={"device": device.id, "input": payload.input, "location": payload.location,
                                         "safety_event": row.id}, now=now)
    row.alert_id = alert.id if alert else None
    record_change(centre_id=device.centre_id, actor_id=None, actor_kind="device", action=f"environment.{event.kind}",
                  object_type="env_safety_event", object_id=row.id, before=None,
                  after={"input": row.input, "state": row.state, "at": row.at, "alert_id": row.alert_id}, now=now)


def handle_heartbeat(device: Device, event: Event, now: datetime) -> None:
    """Keep the agent's version, sensor health and outbox depth on the device; its return ends `device.offline`."""
    try:
        payload = HeartbeatPayload.model_validate(event.payload)
    except ValidationError as exc:
        raise EventRejected("heartbeat.invalid", _first_error(exc)) from None
    if device.health and str(device.health.get("reported_at", "")) > event.created_at.isoformat():
        return  # an older heartbeat delivered late: the newer state stands
    device.version = payload.version
    device.last_seen_at = max(device.last_seen_at or now, now)
    device.health = {
        "reported_at": event.created_at.isoformat(), "uptime_s": payload.uptime_s,
        "outbox_pending": payload.outbox_pending, "outbox_dead": payload.outbox_dead,
        "sensors": {name: health.model_dump(mode="json") for name, health in payload.sensors.items()},
    }
    alert = open_alert(device.centre_id, f"device_offline:{device.id}")
    if alert is not None:
        auto_resolve(alert, now)


def open_emergencies(centre_id: int) -> list[Alert]:
    """Unresolved panic and smoke alarms of a centre, oldest first (for banners on every screen)."""
    return list(db.session.execute(
        select(Alert).where(Alert.centre_id == centre_id, Alert.kind.in_(EMERGENCY_KINDS), Alert.resolved_at.is_(None))
        .order_by(Alert.opened_at, Alert.id)
    ).scalars())
