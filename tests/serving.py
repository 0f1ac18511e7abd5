"""The app served by werkzeug on 127.0.0.1 in a thread, for browsers and device uplinks, and its orderly end.

The end runs in an order that leaves nothing half-open: the pages first (a page left open keeps asking a server
that is going away: console errors, connections reset mid-file), then the open streams (SSE), then the server.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, has_app_context
from werkzeug.serving import make_server

from server.database import db
from tests.browser.page_watch import close_watched_contexts

# A stream may be mid-poll on a loaded machine (two workers and a browser on two cores): give it time.
STREAMS_END_WITHIN_S = 20


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` until the block ends; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        close_watched_contexts()
        _release_the_tests_transaction()
        ended = app.extensions["tuoyu.streams"].close_all(timeout=STREAMS_END_WITHIN_S)
        stacks = "" if ended else _thread_stacks()
        server.shutdown()
        thread.join()
        server.server_close()
    # Before the database is emptied under them, every stream must have ended; if not, say where each thread was.
    assert ended, f"streams still open after {STREAMS_END_WITHIN_S} s; the threads were at:\n{stacks}"


def _release_the_tests_transaction() -> None:
    """End the test's own transaction: on SQLite every transaction holds the write lock (BEGIN IMMEDIATE,
    server/database.py), so a stream's next poll would wait on it past any timeout."""
    if has_app_context():
        db.session.rollback()


def _thread_stacks() -> str:
    frames = sys._current_frames()
    return "\n".join(f"--- {t.name}\n" + "".join(traceback.format_stack(frames[t.ident]))
                     for t in threading.enumerate() if t.ident in frames)
