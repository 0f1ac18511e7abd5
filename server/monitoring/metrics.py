"""The process's own metrics: requests and ingest, counted as they happen (multiprocess-safe under gunicorn).

With ``PROMETHEUS_MULTIPROC_DIR`` set (before this module is imported: the service's environment), each process
writes its counts to files there and ``/metrics`` adds up every process's files; without it they live in this
process's default registry (the demo, tests). What the database knows (outbox depths, alerts, the scheduler,
backups) is not counted here but read at scrape time (server/monitoring/collector.py).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context, has_request_context
from prometheus_client import Counter, Histogram
from sqlalchemy import event

from server.fleet.models import DeviceEvent
from server.fleet.operations import EventRouter

REQUESTS = Counter("tuoyu_http_requests", "HTTP requests answered, by Flask endpoint, method and status class",
                   ["endpoint", "method", "status"])
# Buckets from a 5 ms health probe to a 10 s pack download; a stream counts until its first byte.
REQUEST_LATENCY = Histogram("tuoyu_http_request_duration_seconds",
                            "Time to answer a request (to its first byte), by Flask endpoint and status class",
                            ["endpoint", "status"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
INGESTED = Counter("tuoyu_ingest_events",
                   "Device events taken in, by transport (http | mqtt | other), kind (reading, or the prefix of the "
                   "kind: attendance, heartbeat, safety…) and status (accepted | duplicate | rejected)",
                   ["transport", "kind", "status"])


MQTT_WORKER_THREAD = "mqtt-ingest-worker"
"""The name server.fleet.mqtt_ingest.MqttIngest gives the one thread that applies MQTT batches."""


def transport() -> str:
    """``http`` in a request, ``mqtt`` on the MQTT subscriber's worker thread, ``other`` elsewhere (the demo's seed)."""
    if has_request_context():
        return "http"
    return "mqtt" if threading.current_thread().name == MQTT_WORKER_THREAD else "other"


class _CountedBulk:
    """A bulk kind (readings) whose answers are counted by status."""

    def __init__(self, kind: str, bulk: Any) -> None:
        self.kind, self.bulk = kind, bulk

    def prepare(self, events: list[Any], now: datetime) -> Any:
        return self.bulk.prepare(events, now)

    def store(self, device: Any, prepared: Any, now: datetime) -> list[Any]:
        results = self.bulk.store(device, prepared, now)
        by_status: dict[str, int] = {}
        for result in results:
            key = str(getattr(result.status, "value", result.status))
            by_status[key] = by_status.get(key, 0) + 1
        for status, n in by_status.items():
            INGESTED.labels(transport(), self.kind, status).inc(n)
        return results


def count_ingest(router: EventRouter) -> None:
    """Count the ingest, whichever transport delivered it.

    The bulk kinds (readings) are counted by their answers, every other event by the row the fleet logs for it
    (server.fleet.models.DeviceEvent: accepted or rejected by its handler). Run once the router is complete. Duplicates of logged events are answered from that log and not counted again.
    The handlers themselves stay as the domains registered them.
    """
    for kind, bulk in list(router.bulk.items()):
        if not isinstance(bulk, _CountedBulk):
            router.bulk[kind] = _CountedBulk(kind, bulk)
    if not event.contains(DeviceEvent, "after_insert", _count_logged_event):
        event.listen(DeviceEvent, "after_insert", _count_logged_event)


def _count_logged_event(mapper: Any, connection: Any, target: DeviceEvent) -> None:
    prefix = target.kind.split(".", 1)[0]
    # A device may send any kind: only the prefixes some handler takes become labels (bounded), the rest "other".
    router = current_app.extensions.get("tuoyu.event_router") if has_app_context() else None
    known = {k.split(".", 1)[0] for k in router.handlers} if router is not None else set()
    INGESTED.labels(transport(), prefix if prefix in known else "other", target.status).inc()


def serve_process_metrics(port: int, addr: str = "127.0.0.1") -> Any:
    """Serve this process's own counts on ``addr:port`` (the MQTT ingest, a process of its own: docs/monitoring.md).

    Its counts (``tuoyu_ingest_events_total{transport="mqtt"}``) live in its default registry; Prometheus scrapes
    them beside the server's /metrics. Loopback only by default: nothing here needs a token. Returns the server.
    """
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=addr)
    return server
