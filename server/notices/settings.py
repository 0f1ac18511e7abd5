"""Operational settings of the notifier (config keys, TUOYU_NOTIFIER_* in the environment; docs/notifier.md).

Deadlines, reminder intervals and default quiet hours are rules (`families.notice_acknowledgement`); how hard the
outbox tries and how long a drain may hold a row are settings of this installation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app

DEFAULTS: dict[str, Any] = {
    "NOTIFIER_MAX_ATTEMPTS": 8,  # then the row is dead and the director alerted (1+2+4+…+60 min ≈ 2 h of tries)
    "NOTIFIER_BACKOFF_CAP_MIN": 60,  # the wait after failure n is 2^(n-1) minutes, at most this
    "NOTIFIER_BATCH": 50,  # rows one drain claims at a time
    "NOTIFIER_LEASE_S": 300,  # a claimed row not recorded by then (the drain died) is claimed again
    "NOTIFIER_SEND_TIMEOUT_S": 10,  # one push
    "PUBLIC_URL": "",  # e.g. https://tuoyu.example.cn: the portal links in pushes (empty: the request's host)
}


@dataclass(frozen=True)
class NotifierSettings:
    max_attempts: int
    backoff_cap: timedelta
    batch: int
    lease: timedelta
    send_timeout_s: float
    public_url: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NotifierSettings:
        """Read the NOTIFIER_* keys and PUBLIC_URL, defaults where unset."""
        value = {key: config.get(key, default) for key, default in DEFAULTS.items()}
        return cls(max_attempts=max(1, int(value["NOTIFIER_MAX_ATTEMPTS"])),
                   backoff_cap=timedelta(minutes=max(1, int(value["NOTIFIER_BACKOFF_CAP_MIN"]))),
                   batch=max(1, int(value["NOTIFIER_BATCH"])),
                   lease=timedelta(seconds=max(30, int(value["NOTIFIER_LEASE_S"]))),
                   send_timeout_s=float(value["NOTIFIER_SEND_TIMEOUT_S"]),
                   public_url=str(value["PUBLIC_URL"] or "").rstrip("/"))

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failure: 1, 2, 4 … minutes, capped."""
        return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 20)), self.backoff_cap)


def app_settings() -> NotifierSettings:
    """The settings of the running app, for entry points (views, API, jobs) to pass to the operations."""
    return NotifierSettings.from_config(current_app.config)
