"""Monitoring: Prometheus metrics (/metrics), readiness (/readyz) and JSON logs with a request id (docs/monitoring.md).

A composition: it reads the fleet, alerts, scheduling and backup records at scrape time and counts what the
requests and the ingest do; no domain imports it. The app factory wires it (``init_monitoring``).
"""

from __future__ import annotations

from flask import Flask


def init_monitoring(app: Flask) -> None:
    """Logs, per-request hooks, the ingest counters and the /metrics and /readyz routes (after the jobs and router)."""
    from server.monitoring.logs import configure_logging
    from server.monitoring.metrics import count_ingest
    from server.monitoring.requests import register_request_hooks
    from server.monitoring.views import bp

    configure_logging(app)
    register_request_hooks(app)
    router = app.extensions.get("tuoyu.event_router")
    if router is not None:
        count_ingest(router)
    app.register_blueprint(bp)
