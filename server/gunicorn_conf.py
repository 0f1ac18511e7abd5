"""gunicorn settings for the server: ``gunicorn -c python:server.gunicorn_conf -w 2 'server:create_app()'``.

Sync workers, for now. Threaded workers (``gthread``, 64 threads) would let an open server-sent-events stream hold a
thread instead of a whole worker, but measured under the write benchmark (bench/api.py, 2 workers, 16 clients,
SQLite, back to back on 2026-12-07) the audited create went from 171 req/s, p99 153 ms (sync) to 130 req/s, p99
1.65 s (gthread), and the bare insert's p99 from 78 ms to 738 ms: every thread's write queues in SQLite's busy
handler, which sleeps in steps of up to 100 ms. The choice waits for writers queued in the process instead
(docs/serving.md, issue #19).
"""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Once the app is loaded, hide its long-lived objects (modules, mappers, rulebook) from the collector.

    A 500-reading batch allocates thousands of objects, so collections run during every batch; frozen, each
    walks only the request's own objects (about 10 ms less a batch, measured in process: 45 → 35 ms).
    """
    gc.collect()
    gc.freeze()
