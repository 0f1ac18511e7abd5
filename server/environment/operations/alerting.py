"""The environment's alerts, raised and auto-resolved through `server.alerts` (one open alert per condition)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.alerts.models import Alert
from server.alerts.operations import ALERT_FIELDS, raise_alert
from server.audit.operations import audit_record
from server.auth.actor import Actor
from server.centre.models import Room
from server.database import db

QUANTITY_LABELS: dict[str, tuple[str, str, str]] = {
    # quantity: (中文, English, unit)
    "co2_ppm": ("二氧化碳", "CO2", "ppm"),
    "temperature_c": ("温度", "Temperature", "°C"),
    "humidity_pct": ("相对湿度", "Relative humidity", "%"),
    "pm25_ugm3": ("PM2.5", "PM2.5", "µg/m³"),
    "pm10_ugm3": ("PM10", "PM10", "µg/m³"),
    "hcho_mgm3": ("甲醛", "Formaldehyde", "mg/m³"),
    "fridge_c": ("冰箱温度", "Fridge temperature", "°C"),
}
POINT_LABELS = {"fridge-sample": ("留样冰箱", "Food-sample fridge"), "fridge-milk": ("母乳冰箱", "Breast-milk fridge")}
SENSOR_FAULT_RESOLUTION = "alert.resolve_sensor_fault"
"""The audit action of an alert resolved because a sensor fault, not the environment, raised it."""
FAULT_LABELS = {
    "disconnected": ("无响应", "not answering"), "crc": ("校验错误", "checksum errors"),
    "out_of_range": ("读数超出量程", "value outside the sensor's range"), "stuck": ("读数长时间不变", "value stuck"),
    "not_ready": ("预热中", "warming up"), "no_data": ("无数据", "no data"),
}


def point_label(centre_id: int, point: str) -> tuple[str, str]:
    """(中文, English) name of a monitor point: the room's name, or a known fridge."""
    if point.startswith("room:"):
        room = db.session.execute(
            select(Room).where(Room.id == int(point[5:]), Room.centre_id == centre_id)
        ).scalar_one_or_none()
        return (room.name, room.name) if room else (point, point)
    return POINT_LABELS.get(point, (point, point))


def quantity_label(quantity: str) -> tuple[str, str, str]:
    return QUANTITY_LABELS.get(quantity, (quantity, quantity, ""))


def open_alert(centre_id: int, dedupe_key: str) -> Alert | None:
    return db.session.execute(
        select(Alert).where(Alert.centre_id == centre_id, Alert.dedupe_key == dedupe_key, Alert.resolved_at.is_(None))
    ).scalar_one_or_none()


def auto_resolve(alert: Alert, now: datetime) -> None:
    """The condition is over: resolve without pretending anyone acknowledged it."""
    if alert.resolved_at is None:
        alert.resolved_at = max(now, alert.acknowledged_at or now)
        db.session.flush()
        audit_record(alert, "alert.auto_resolve", None, ALERT_FIELDS, actor=Actor.system(), now=now)


def resolve_as_sensor_fault(alert: Alert, now: datetime) -> None:
    """The condition was never real, the sensor was faulty: resolve with that reason in the audit trail."""
    if alert.resolved_at is None:
        alert.resolved_at = max(now, alert.acknowledged_at or now)
        db.session.flush()
        audit_record(alert, SENSOR_FAULT_RESOLUTION, None, ALERT_FIELDS, actor=Actor.system(), now=now)



def raise_exceedance_alert(centre_id: int, *, point: str, quantity: str, rule_id: str, bound: str, limit: float,
                           mean: float, window_min: int, now: datetime) -> Alert:
    where_zh, where_en = point_label(centre_id, point)
    q_zh, q_en, unit = quantity_label(quantity)
    window = f"{window_min // 60}小时" if window_min % 60 == 0 else f"{window_min}分钟"
    window_en = f"{window_min // 60}-h" if window_min % 60 == 0 else f"{window_min}-min"
    side_zh, side_en = ("高于上限", "above the limit") if bound == "upper" else ("低于下限", "below the limit")
    return raise_alert(
        centre_id, kind="environment.exceedance", severity="warning",
        dedupe_key=f"env:{point}:{quantity}:{rule_id}:{bound}",
        message_zh=f"{where_zh}：{q_zh}{window}均值 {mean:g} {unit}，{side_zh} {limit:g} {unit}",
        message_en=f"{where_en}: {q_en} {window_en} mean {mean:g} {unit}, {side_en} {limit:g} {unit}",
        subject={"point": point, "quantity": quantity, "rule_id": rule_id, "bound": bound}, now=now,
    )


def raise_sensor_alert(centre_id: int, *, dedupe_key: str, point: str, sensor: str, fault: str,
                       now: datetime, device_pk: int | None = None, quantity: str | None = None) -> Alert:
    where_zh, where_en = point_label(centre_id, point)
    f_zh, f_en = FAULT_LABELS.get(fault, (fault, fault))
    subject: dict[str, object] = {"point": point, "sensor": sensor, "fault": fault}
    if device_pk is not None:
        subject["device"] = device_pk
    if quantity is not None:
        subject["quantity"] = quantity
    return raise_alert(
        centre_id, kind="sensor.fault", severity="warning", dedupe_key=dedupe_key,
        message_zh=f"传感器故障：{where_zh} {sensor}（{f_zh}），其读数不计入均值，请检查设备",
        message_en=f"Sensor fault: {where_en} {sensor} ({f_en}); its readings are left out of the means",
        subject=subject, now=now,
    )
