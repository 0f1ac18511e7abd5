"""The server app with SQLite's ``synchronous`` level taken from ``BENCH_SQLITE_SYNCHRONOUS`` (default FULL).

For measuring what durable acknowledgements cost (server/database.py): the benchmarks that write serve this
app, so ``BENCH_SQLITE_SYNCHRONOUS=NORMAL .venv/bin/python bench/api.py`` gives the figure without them. The
server itself has no such switch: FULL is not a setting to turn off in production.
"""

from __future__ import annotations

import os

from flask import Flask

import server.database
from server import create_app as create_server_app

LEVELS = ("FULL", "NORMAL")


def level() -> str:
    """The level this run measures."""
    chosen = os.environ.get("BENCH_SQLITE_SYNCHRONOUS", "FULL").upper()
    if chosen not in LEVELS:
        raise SystemExit(f"BENCH_SQLITE_SYNCHRONOUS must be one of {LEVELS}")
    return chosen


def create_app() -> Flask:
    """``gunicorn 'bench.synchronous_app:create_app()'``: the server, at the chosen level."""
    server.database.SQLITE_SYNCHRONOUS = level()
    return create_server_app()
