"""Sensor health: fault readings, values no sensor can report, and silence, each a `sensor.fault` alert.

A faulty sensor's readings never reach the means: fault rows are kept out of the roll-ups at ingest, and the minutes
of a stuck run are no data (`stuck.py`, which also raises the stuck alert).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from server.database import db
from server.environment.models import ReadingRow, SensorState
from server.environment.operations.alerting import auto_resolve, open_alert, raise_sensor_alert
from server.environment.operations.upsert import dialect_name, greatest, insert_for
from server.environment.settings import EnvironmentSettings
from server.fleet.models import Device


def sensor_key(device_pk: int, sensor: str) -> str:
    return f"sensor:{device_pk}:{sensor}"


def stuck_key(point: str, quantity: str) -> str:
    return f"stuck:{point}:{quantity}"


SensorLatest = dict[str, dict[str, object]]
"""sensor -> its newest reading time and point, newest good time, newest fault time and code, in some rows."""


def latest_by_sensor(rows: list[ReadingRow]) -> SensorLatest:
    latest: SensorLatest = {}
    for row in rows:
        state = latest.get(row.sensor)
        if state is None:
            state = latest[row.sensor] = {"point": row.point, "reading": row.at, "ok": None, "fault_at": None,
                                          "fault": None}
        at = row.at
        if at >= state["reading"]:  # type: ignore[operator]
            state["reading"], state["point"] = at, row.point
        if row.fault is None:
            if state["ok"] is None or at > state["ok"]:  # type: ignore[operator]
                state["ok"] = at
        elif state["fault_at"] is None or at >= state["fault_at"]:  # type: ignore[operator]
            state["fault_at"], state["fault"] = at, row.fault
    return latest


def write_sensor_states(device: Device, latest: SensorLatest) -> None:
    """Fold newly stored rows' figures into each sensor's last reading / last good / last fault (one upsert)."""
    db.session.execute(_sensor_upsert(dialect_name()), [
        {"centre_id": device.centre_id, "device_pk": device.id, "sensor": name, "point": s["point"],
         "last_reading_at": s["reading"], "last_ok_at": s["ok"], "last_fault_at": s["fault_at"],
         "last_fault": s["fault"]} for name, s in sorted(latest.items())])


@lru_cache(maxsize=4)
def _sensor_upsert(dialect: str) -> Any:
    # Every SET expression sees the row as it was, so each figure keeps whichever is newer.
    table, stmt = SensorState.__table__, insert_for(SensorState.__table__)
    old, new = table.c, stmt.excluded
    newer_reading = new.last_reading_at >= old.last_reading_at
    newer_fault = and_(new.last_fault_at.is_not(None),
                       or_(old.last_fault_at.is_(None), new.last_fault_at >= old.last_fault_at))
    return stmt.on_conflict_do_update(index_elements=["device_pk", "sensor"], set_={
        "point": case((newer_reading, new.point), else_=old.point),
        "last_reading_at": case((newer_reading, new.last_reading_at), else_=old.last_reading_at),
        "last_ok_at": func.coalesce(greatest(old.last_ok_at, new.last_ok_at), old.last_ok_at, new.last_ok_at),
        "last_fault_at": case((newer_fault, new.last_fault_at), else_=old.last_fault_at),
        "last_fault": case((newer_fault, new.last_fault), else_=old.last_fault),
    })


def raise_fault_alerts(device: Device, rows: list[ReadingRow], now: datetime) -> None:
    """A fault reading or an impossible value opens (or keeps) the sensor's one fault alert."""
    faulty: dict[str, ReadingRow] = {}
    for row in rows:
        if row.fault is not None:
            faulty.setdefault(row.sensor, row)
    for sensor, row in sorted(faulty.items()):
        raise_sensor_alert(device.centre_id, dedupe_key=sensor_key(device.id, sensor), point=row.point,
                           sensor=sensor, fault=str(row.fault), device_pk=device.id, now=now)


def _device_offline(device: Device | None, settings: EnvironmentSettings, now: datetime) -> bool:
    return device is None or device.last_seen_at is None or now - device.last_seen_at >= settings.device_offline_after


def check_silent_and_recovered(centre_id: int, settings: EnvironmentSettings, now: datetime) -> None:
    """Silent sensors of live agents raise `no_data`; a good sample after an alert opened resolves it."""
    silent_after = settings.reading_interval * settings.missing_intervals
    for sensor in db.session.execute(
        select(SensorState).where(SensorState.centre_id == centre_id).order_by(SensorState.id)
    ).scalars():
        key = sensor_key(sensor.device_pk, sensor.sensor)
        alert = open_alert(centre_id, key)
        if alert is not None and sensor.last_ok_at is not None and sensor.last_ok_at > alert.opened_at \
                and now - sensor.last_ok_at < silent_after:
            auto_resolve(alert, now)
            alert = None
        if alert is None and now - sensor.last_reading_at >= silent_after:
            # A whole agent gone quiet is one device.offline alert, not one alert per sensor.
            if not _device_offline(db.session.get(Device, sensor.device_pk), settings, now):
                raise_sensor_alert(centre_id, dedupe_key=key, point=sensor.point, sensor=sensor.sensor,
                                   fault="no_data", device_pk=sensor.device_pk, now=now)
