"""Per-request work: the request id (header and log lines), the request counter and latency histogram, an access line.

Hooked on Flask's ``request_started`` / ``request_finished`` signals rather than ``before_request``: a hook that
answers early (the rate limiter's 429) skips the ``before_request`` hooks after it, never the signals. A GET that
runs again after a stale SQLite snapshot (server.TuoyuApp) keeps its id and start time, and is counted once.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, request, request_finished, request_started

from server.monitoring.logs import REQUEST_ID_HEADER, request_id_from, request_id_var
from server.monitoring.metrics import REQUEST_LATENCY, REQUESTS

access_log = logging.getLogger("server.requests")

_ID_KEY, _STARTED_KEY = "tuoyu.request_id", "tuoyu.started"
UNMATCHED = "unmatched"
"""The endpoint label of a request no route matched (404, 405): never the raw path, so labels stay bounded."""


def status_class(status: int) -> str:
    """``2xx``, ``4xx``…: the status label (five values)."""
    return f"{status // 100}xx"


def _started(sender: Flask, **_: Any) -> None:
    environ = request.environ
    environ.setdefault(_STARTED_KEY, time.perf_counter())
    request_id = environ.setdefault(_ID_KEY, request_id_from(request.headers.get(REQUEST_ID_HEADER)))
    request_id_var.set(request_id)


def _finished(sender: Flask, response: Response, **_: Any) -> None:
    started = request.environ.get(_STARTED_KEY)
    elapsed = time.perf_counter() - started if started is not None else 0.0
    endpoint = request.url_rule.endpoint if request.url_rule is not None else UNMATCHED
    status = status_class(response.status_code)
    REQUESTS.labels(endpoint, request.method, status).inc()
    REQUEST_LATENCY.labels(endpoint, status).observe(elapsed)
    # The path, never the query string (a phone pass or an export may carry a token there).
    access_log.info("%s %s %d %.1f ms", request.method, request.path, response.status_code, elapsed * 1000,
                    extra={"method": request.method, "path": request.path, "endpoint": endpoint,
                           "status": response.status_code, "duration_ms": round(elapsed * 1000, 1)})


def _stamp(response: Response) -> Response:
    request_id = request.environ.get(_ID_KEY)
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


def _forget(exc: BaseException | None) -> None:
    request_id_var.set(None)


def register_request_hooks(app: Flask) -> None:
    """Request id, counts and latency for every request of `app`."""
    # Module-level receivers: blinker holds receivers weakly, a closure would vanish.
    request_started.connect(_started, app)
    request_finished.connect(_finished, app)
    app.after_request(_stamp)
    app.teardown_request(_forget)
