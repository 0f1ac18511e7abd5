"""The gauges read from the database at scrape time: a handful of aggregate queries, no per-process state.

Every worker answers the same figures (they come from the database, not from whichever process the scrape
reached); none of them is kept between scrapes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from importlib import metadata

from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from server.alerts.models import Alert
from server.backup.status import last_backup
from server.centre.models import Centre
from server.database import db
from server.fleet.models import Device
from server.monitoring.scheduler import last_claims, overdue
from server.scheduling.operations import ScheduledJob


def _version() -> str:
    try:
        return metadata.version("tuoyu")
    except metadata.PackageNotFoundError:
        return "unknown"


class DatabaseCollector(Collector):
    """Outbox depths from device heartbeats, open alerts, scheduler lag and the last backup's age, as of `now`."""

    def __init__(self, *, now: datetime, jobs: list[ScheduledJob], timezone: str, instance_path: str) -> None:
        self.now, self.jobs, self.timezone, self.instance_path = now, jobs, timezone, instance_path

    def collect(self) -> Iterator[Metric]:
        info = InfoMetricFamily("tuoyu_build", "The server's version")
        info.add_metric([], {"version": _version()})
        yield info
        codes: dict[int, str] = {row.id: row.code for row in db.session.execute(select(Centre.id, Centre.code))}
        yield from self._devices(codes)
        yield from self._alerts(codes)
        yield from self._scheduler()
        yield from self._backup()

    def _devices(self, codes: dict[int, str]) -> Iterator[Metric]:
        pending = Device.health["outbox_pending"].as_integer()
        dead = Device.health["outbox_dead"].as_integer()
        rows = db.session.execute(
            select(Device.centre_id, Device.kind, func.count(), func.coalesce(func.sum(pending), 0),
                   func.coalesce(func.max(pending), 0), func.coalesce(func.sum(dead), 0), func.min(Device.last_seen_at))
            .where(Device.revoked_at.is_(None)).group_by(Device.centre_id, Device.kind)
        ).all()
        devices = GaugeMetricFamily("tuoyu_devices", "Enrolled, unrevoked devices", labels=["centre", "kind"])
        total = GaugeMetricFamily("tuoyu_device_outbox_pending",
                                  "Events waiting in the devices' outboxes, as their last heartbeats reported (sum)",
                                  labels=["centre", "kind"])
        deepest = GaugeMetricFamily("tuoyu_device_outbox_pending_max",
                                    "The deepest single device outbox, as its last heartbeat reported",
                                    labels=["centre", "kind"])
        dead_letters = GaugeMetricFamily("tuoyu_device_outbox_dead",
                                         "Events the devices set aside as refused (dead letters), as last reported",
                                         labels=["centre", "kind"])
        silent = GaugeMetricFamily("tuoyu_device_oldest_seen_age_seconds",
                                   "Seconds since the least recently seen device was last heard from",
                                   labels=["centre", "kind"])
        for centre_id, kind, count, pending_sum, pending_max, dead_sum, oldest in rows:
            labels = [codes.get(centre_id, str(centre_id)), str(getattr(kind, "value", kind))]
            devices.add_metric(labels, count)
            total.add_metric(labels, pending_sum)
            deepest.add_metric(labels, pending_max)
            dead_letters.add_metric(labels, dead_sum)
            if oldest is not None:
                silent.add_metric(labels, (self.now - oldest).total_seconds())
        yield from (devices, total, deepest, dead_letters, silent)

    def _alerts(self, codes: dict[int, str]) -> Iterator[Metric]:
        acknowledged = Alert.acknowledged_at.is_not(None)
        rows = db.session.execute(
            select(Alert.centre_id, Alert.severity, acknowledged, func.count())
            .where(Alert.resolved_at.is_(None)).group_by(Alert.centre_id, Alert.severity, acknowledged)
        ).all()
        family = GaugeMetricFamily("tuoyu_alerts_open", "Unresolved alerts, by centre, severity and whether "
                                   "someone acknowledged them", labels=["centre", "severity", "acknowledged"])
        for centre_id, severity, is_acknowledged, count in rows:
            family.add_metric([codes.get(centre_id, str(centre_id)), severity, str(bool(is_acknowledged)).lower()],
                              count)
        yield family

    def _scheduler(self) -> Iterator[Metric]:
        claims = last_claims([job.id for job in self.jobs])
        since = GaugeMetricFamily("tuoyu_scheduler_last_run_age_seconds",
                                  "Seconds since the job's newest claim (absent: never ran)", labels=["job"])
        lag = GaugeMetricFamily("tuoyu_scheduler_lag_seconds",
                                "How late the job's next run is (0 while on time): now - when it was due",
                                labels=["job"])
        failed = GaugeMetricFamily("tuoyu_scheduler_last_run_failed", "1 if the job's newest run failed",
                                   labels=["job"])
        for job in self.jobs:
            claim = claims.get(job.id)
            if claim is None:
                continue
            since.add_metric([job.id], (self.now - claim.claimed_at).total_seconds())
            lag.add_metric([job.id], overdue(job, claim, self.now, self.timezone).total_seconds())
            failed.add_metric([job.id], 1 if claim.status == "failed" else 0)
        yield from (since, lag, failed)

    def _backup(self) -> Iterator[Metric]:
        status = last_backup(self.instance_path)
        age = GaugeMetricFamily("tuoyu_backup_last_age_seconds",
                                "Seconds since the last backup finished (absent: no backup was ever recorded)")
        verified = GaugeMetricFamily("tuoyu_backup_last_verified", "1 if the last backup was verified by a restore")
        size = GaugeMetricFamily("tuoyu_backup_last_size_bytes", "Size of the last backup")
        if status is not None:
            finished = status.finished_at
            seconds = (self.now - finished).total_seconds() if finished.tzinfo is not None else math.nan
            age.add_metric([], seconds)
            verified.add_metric([], 1 if status.verified else 0)
            size.add_metric([], status.size_bytes)
        yield from (age, verified, size)
