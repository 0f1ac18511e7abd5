"""Every answer carries a request id (the proxy's when sane), and every log line of the request carries it too."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from flask.logging import default_handler

from server.monitoring.logs import configure_logging


def test_the_proxys_request_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "f3b1c2d4e5f60718293a4b5c6d7e8f90"})
    assert response.headers["X-Request-ID"] == "f3b1c2d4e5f60718293a4b5c6d7e8f90"


def test_a_request_without_one_gets_a_new_id_each_time(client):
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


@pytest.mark.parametrize("insane", ["two words", "x" * 129, "id\u2028forged-line", "a;b"])
def test_an_insane_request_id_is_replaced(client, insane):
    assert client.get("/healthz", headers={"X-Request-ID": insane}).headers["X-Request-ID"] != insane


def test_an_error_answer_carries_the_request_id_too(client):
    response = client.get("/no/such/page", headers={"X-Request-ID": "req-404"})
    assert (response.status_code, response.headers["X-Request-ID"]) == (404, "req-404")


@pytest.fixture
def json_logs(app):  # type: ignore[no-untyped-def]
    """The app logging JSON lines as in production, its handler's stream (stderr) swapped for a buffer; undone after."""
    root, level = logging.getLogger(), logging.getLogger().level
    app.config["LOG_FORMAT"] = "json"
    handler = configure_logging(app)
    assert isinstance(handler, logging.StreamHandler) and handler in root.handlers
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)
    app.logger.addHandler(default_handler)


def _lines(buffer: io.StringIO) -> list[dict]:
    """Every line written since the last call, each parsed as one JSON object."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return [json.loads(line) for line in text.splitlines()]


def test_json_log_lines_carry_the_request_id(app, client, json_logs):
    @app.get("/_log_twice")
    def log_twice():  # type: ignore[no-untyped-def]
        app.logger.warning("first %s", "line")
        logging.getLogger("server.somewhere").info("second line", extra={"child_count": 3})
        return "ok"

    client.get("/_log_twice", headers={"X-Request-ID": "req-abc-123"})
    lines = _lines(json_logs)
    mine = [(line["logger"], line["message"], line["request_id"]) for line in lines]
    assert mine == [("server", "first line", "req-abc-123"), ("server.somewhere", "second line", "req-abc-123"),
                    ("server.requests", "GET /_log_twice 200 " + lines[2]["message"].split()[3] + " ms",
                     "req-abc-123")]
    assert (lines[1]["child_count"], lines[2]["endpoint"], lines[2]["status"]) == (3, "log_twice", 200)


def test_a_log_line_outside_a_request_has_no_request_id(client, json_logs):
    client.get("/healthz", headers={"X-Request-ID": "req-before"})
    _lines(json_logs)
    logging.getLogger("server.jobs").warning("between requests")
    assert [(line["message"], line["request_id"]) for line in _lines(json_logs)] == [("between requests", None)]


def test_a_failing_request_logs_its_traceback_in_one_json_line(app, client, json_logs):
    @app.get("/_explode")
    def explode():  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    client.get("/_explode", headers={"X-Request-ID": "req-boom"})
    errors = [line for line in _lines(json_logs) if line["level"] == "ERROR"]
    assert len(errors) == 1 and errors[0]["request_id"] == "req-boom" and "RuntimeError: boom" in errors[0]["exc"]
