"""gunicorn settings for the server: ``gunicorn -c python:server.gunicorn_conf -w 2 'server:create_app()'``.

Threaded workers (``gthread``): an open server-sent-events stream (every page keeps the alert badge's, a
dashboard two more) holds one thread, not a whole worker, so two open dashboards no longer stop a two-worker server
answering anyone else. Threads that write wait in the writers' queue of server/database.py (woken the moment the lock
is free), not in SQLite's sleeping busy handler, which made threads slower than sync workers before the queue
(docs/serving.md has the figures, bench/api.py and bench/day.py measure it).
"""

from __future__ import annotations

import gc
import os
from typing import Any

worker_class = "gthread"
# Enough for a centre's open screens (each stream a thread) beside the requests; TUOYU_GUNICORN_THREADS overrides.
threads = int(os.environ.get("TUOYU_GUNICORN_THREADS", "64"))


def post_worker_init(worker: Any) -> None:
    """Once the app is loaded, hide its long-lived objects (modules, mappers, rulebook) from the collector.

    A 500-reading batch allocates thousands of objects, so collections run during every batch; frozen, each
    walks only the request's own objects (about 10 ms less a batch, measured in process: 45 → 35 ms).
    """
    gc.collect()
    gc.freeze()


def child_exit(server: Any, worker: Any) -> None:
    """Prometheus multiprocess mode (docs/monitoring.md): forget a dead worker's live gauges; its counts stay summed."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
