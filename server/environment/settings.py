"""Operational settings of environment monitoring (config keys, docs/environment.md).

Legal limits and how much data a window mean needs are in the rulebook; when a flat line means a stuck sensor is in
the sensor-kind table (devices.wire.readings.QUANTITY_KINDS).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app

DEFAULTS: dict[str, Any] = {
    "ENVIRONMENT_RAW_RETENTION_DAYS": 90,  # raw readings; older ones are refused at ingest and pruned
    "ENVIRONMENT_MINUTE_RETENTION_DAYS": 400,  # minute roll-ups (24-h charts, monthly summaries)
    "ENVIRONMENT_HOUR_RETENTION_DAYS": 3660,  # hour roll-ups (7-day charts, long-term trends)
    "ENVIRONMENT_MAX_FUTURE_SKEW_S": 300,  # a sample further ahead of server time is refused
    "ENVIRONMENT_READING_INTERVAL_S": 60,  # the agents' sampling interval
    "ENVIRONMENT_MISSING_INTERVALS": 3,  # this many intervals without a sample is a sensor fault
    "DEVICE_OFFLINE_AFTER_S": 180,  # an agent silent this long raises device.offline
}


@dataclass(frozen=True)
class EnvironmentSettings:
    raw_retention: timedelta
    minute_retention: timedelta
    hour_retention: timedelta
    max_future_skew: timedelta
    reading_interval: timedelta
    missing_intervals: int
    device_offline_after: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EnvironmentSettings:
        """Read the ENVIRONMENT_* keys (TUOYU_ENVIRONMENT_* in the environment), defaults where unset."""
        value = {key: config.get(key, default) for key, default in DEFAULTS.items()}
        return cls(
            raw_retention=timedelta(days=int(value["ENVIRONMENT_RAW_RETENTION_DAYS"])),
            minute_retention=timedelta(days=int(value["ENVIRONMENT_MINUTE_RETENTION_DAYS"])),
            hour_retention=timedelta(days=int(value["ENVIRONMENT_HOUR_RETENTION_DAYS"])),
            max_future_skew=timedelta(seconds=int(value["ENVIRONMENT_MAX_FUTURE_SKEW_S"])),
            reading_interval=timedelta(seconds=int(value["ENVIRONMENT_READING_INTERVAL_S"])),
            missing_intervals=int(value["ENVIRONMENT_MISSING_INTERVALS"]),
            device_offline_after=timedelta(seconds=int(value["DEVICE_OFFLINE_AFTER_S"])),
        )


def app_settings() -> EnvironmentSettings:
    """The settings of the running app, for entry points (views, API, jobs) to pass to the operations."""
    return EnvironmentSettings.from_config(current_app.config)
