"""Structured logs: one JSON object per line, each with the request id of the request that wrote it.

The id comes from the proxy's ``X-Request-ID`` when it is sane (a proxy or load balancer made it, so its access
log and ours join on it), else it is made here; it goes back on the response's ``X-Request-ID`` header. It lives
in a context variable, so every log line the request writes, in any module, carries it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy sends (nginx's $request_id: 32 hex digits; Caddy and load balancers: UUIDs); anything else is
# replaced, so a client cannot put line breaks or a megabyte into every log line.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id_var: ContextVar[str | None] = ContextVar("tuoyu_request_id", default=None)

# The attributes every LogRecord has; whatever else a caller passed in `extra=` goes into the JSON object.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


def request_id_from(header: str | None) -> str:
    """The proxy's request id if it is sane, else a new one (32 hex digits, like nginx's)."""
    if header and _SANE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or None outside a request) on every record as ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: ts, level, logger, message, request_id, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


_MARK = "_tuoyu_json_handler"


def configure_logging(app: Flask) -> logging.Handler | None:
    """``LOG_FORMAT=json``: one handler on the root logger writing JSON lines to stderr (once per process).

    ``plain`` (the default, for the demo, development and tests) leaves Flask's logging as it is, except that
    its handler also learns the request id (``%(request_id)s`` in a format of one's own).
    Returns the JSON handler, or None.
    """
    if str(app.config.get("LOG_FORMAT", "plain")).lower() != "json":
        if not any(isinstance(f, RequestIdFilter) for f in default_handler.filters):
            default_handler.addFilter(RequestIdFilter())
        return None
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, _MARK, False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        setattr(handler, _MARK, True)
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    # The app's records reach the root handler; Flask's own stderr handler would print them a second time, plain.
    app.logger.removeHandler(default_handler)
    return handler
