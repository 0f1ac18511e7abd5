"""``/metrics`` for Prometheus and ``/readyz`` for whoever asks whether the server can serve (docs/monitoring.md).

Not the roles' business (no user logs in to scrape): ``/metrics`` takes the bearer token ``METRICS_TOKEN`` when
one is configured, else only a direct loopback caller (no proxy between); ``/readyz`` says no more than which
check failed.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from datetime import timedelta

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from server.clock import utcnow
from server.errors import error_response
from server.monitoring.collector import DatabaseCollector
from server.monitoring.health import Check, database_check, scheduler_check

bp = Blueprint("monitoring", __name__)

# Set by a proxy: a request carrying one came through it, so its loopback address is the proxy's, not the caller's.
FORWARDED_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def scrape_refusal() -> Response | None:
    """None if this caller may scrape; else the refusal (401 without the right token, 403 off loopback)."""
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return None
        refusal = error_response(401, "unauthorised", _l("Authentication required"))
        refusal.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refusal
    if _is_loopback(request.remote_addr) and not any(h in request.headers for h in FORWARDED_HEADERS):
        return None
    return error_response(403, "forbidden", _l("You are not allowed to do this"))


@bp.get("/metrics")
def metrics() -> Response:
    """Every process's counters (multiprocess mode under gunicorn) and the database's gauges, as of now."""
    refusal = scrape_refusal()
    if refusal is not None:
        return refusal
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    read = CollectorRegistry()
    read.register(DatabaseCollector(now=utcnow(), jobs=current_app.extensions.get("tuoyu.jobs", []),
                                    timezone=current_app.config["DEFAULT_TIMEZONE"],
                                    instance_path=current_app.instance_path))
    body = generate_latest(counted) + generate_latest(read)
    return Response(body, mimetype=None, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


@bp.get("/readyz")
def readyz() -> Response:
    """200 when the database answers and the scheduler claimed a job lately; 503 naming the check that failed."""
    checks = {"database": database_check()}
    max_age_s = int(current_app.config.get("READY_SCHEDULER_MAX_AGE_S") or 0)
    if checks["database"].ok and max_age_s > 0:
        checks["scheduler"] = scheduler_check(current_app.extensions.get("tuoyu.jobs", []), now=utcnow(),
                                              max_age=timedelta(seconds=max_age_s))
    elif max_age_s > 0:
        # The claims live in the database: without it the scheduler's state is unknown, so not ready either.
        checks["scheduler"] = Check(False, "unknown: the database is unreachable")
    ready = all(check.ok for check in checks.values())
    response = jsonify({"status": "ready" if ready else "unavailable",
                        "failed": [name for name, check in checks.items() if not check.ok],
                        "checks": {name: {"ok": check.ok, "detail": check.detail} for name, check in checks.items()}})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response

