"""Every minute: judge window means, watch sensors and agents. Every night: prune old telemetry."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import select

from compliance import Rulebook
from server.alerts.operations import raise_alert
from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_zone
from server.database import db
from server.environment.models import Series
from server.environment.operations.alerting import auto_resolve, open_alert
from server.environment.operations.evaluate import evaluate_series
from server.environment.operations.rollup import prune
from server.environment.operations.sensor_states import check_silent_and_recovered
from server.environment.operations.stuck import check_stuck, stuck_sensors
from server.environment.settings import EnvironmentSettings, app_settings
from server.environment.thresholds import limits_for
from server.fleet.models import Device, DeviceKind
from server.scheduling.operations import ScheduledJob


def offline_key(device: Device) -> str:
    return f"device_offline:{device.id}"


def check_agents(settings: EnvironmentSettings, now: datetime) -> None:
    """An agent silent for `device_offline_after` raises device.offline; its next call resolves it."""
    agents = db.session.execute(
        select(Device).where(Device.kind == DeviceKind.AGENT, Device.revoked_at.is_(None)).order_by(Device.id)
    ).scalars()
    for device in agents:
        silent = device.last_seen_at is None or now - device.last_seen_at >= settings.device_offline_after
        alert = open_alert(device.centre_id, offline_key(device))
        if silent and alert is None:
            raise_alert(device.centre_id, kind="device.offline", severity="warning", dedupe_key=offline_key(device),
                        message_zh=f"监测设备离线：{device.name}（{device.device_id}）超过3分钟无消息，请检查电源与网络",
                        message_en=f"Monitoring agent offline: {device.name} ({device.device_id}) silent, "
                                   "check power and network",
                        subject={"device": device.id}, now=now)
        elif not silent and alert is not None:
            auto_resolve(alert, now)


def evaluate_centre(centre: Centre, settings: EnvironmentSettings, now: datetime) -> None:
    """Sensors first (a stuck run is no data, and withdraws what it produced), then every series against its limits."""
    zone = centre_zone(centre)

    @lru_cache(maxsize=16)
    def rules_on(day: date) -> Rulebook:
        return effective_rules(centre, day)

    @lru_cache(maxsize=256)
    def limits_on(quantity: str, day: date) -> list:  # type: ignore[type-arg]
        return limits_for(rules_on(day), quantity, day)

    check_silent_and_recovered(centre.id, settings, now)
    agent_stuck = stuck_sensors(centre.id)
    for series in db.session.execute(
        select(Series).where(Series.centre_id == centre.id).order_by(Series.id)
    ).scalars().all():
        run = check_stuck(series, agent_stuck=agent_stuck, now=now)
        evaluate_series(series, limits_on=limits_on, local_date=lambda at: at.astimezone(zone).date(), now=now,
                        stuck=run is not None)


def evaluate_all(now: datetime) -> None:
    """Every centre that has telemetry, and every agent."""
    settings = app_settings()
    centre_ids = db.session.execute(select(Series.centre_id).distinct()).scalars().all()
    for centre in db.session.execute(select(Centre).where(Centre.id.in_(centre_ids)).order_by(Centre.id)).scalars():
        evaluate_centre(centre, settings, now)
        db.session.flush()
    check_agents(settings, now)


def prune_all(now: datetime) -> None:
    """Raw readings and roll-ups past their retention (ENVIRONMENT_*_RETENTION_DAYS)."""
    counts = prune(app_settings(), now)
    current_app.logger.info("environment prune: %s", counts)


ENVIRONMENT_EVALUATION = ScheduledJob("environment.evaluate", run=evaluate_all, cron={"minute": "*"},
                                      slot_format="%Y-%m-%dT%H:%M", reads_first=True)
ENVIRONMENT_PRUNE = ScheduledJob("environment.prune", run=prune_all, cron={"hour": 3, "minute": 40})
