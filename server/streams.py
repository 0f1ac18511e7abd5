"""Server-sent events: the machinery every live page shares.

A stream polls the database (not process memory), so it works with any number of gunicorn workers and
hosts; each poll is one cheap query. The domains provide what changed (a marker) and what to send.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from flask import Flask

from server.database import db

KEEPALIVE_S = 15.0


class OpenStreams:
    """The app's open streams: one stop signal for all (shutdown, tests), and a count to wait on."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._count = 0
        self._changed = threading.Condition()

    def __enter__(self) -> OpenStreams:
        with self._changed:
            self._count += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def close_all(self, timeout: float) -> bool:
        """Signal every stream to end; True once none is left (within `timeout`)."""
        self.stop.set()
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout)


def poll_stream(app: Flask, streams: OpenStreams, marker: Callable[[], object],
                message: Callable[[], str | None]) -> Iterator[str]:
    """Yield ``message()`` now and whenever ``marker()`` changes, polling every ``PRESENCE_POLL_S``.

    Both run inside a fresh app context per poll (never across a yield: the consumer runs between
    yields). ``message()`` returning None ends the stream (its subject is gone). A comment line now
    and then keeps proxies from closing an idle stream; the browser reconnects after the maximum age.
    """
    with streams:
        poll_s = app.config["PRESENCE_POLL_S"]
        deadline = time.monotonic() + app.config["PRESENCE_STREAM_MAX_S"]
        last_marker: object = ()  # never a real marker: the first poll always sends
        last_sent = time.monotonic()
        while not streams.stop.is_set() and time.monotonic() < deadline:
            text, ended = None, False
            with app.app_context():
                current = marker()
                if current != last_marker:
                    text = message()
                    ended, last_marker = text is None, current
                db.session.remove()
            if ended:
                return
            if text is not None:
                last_sent = time.monotonic()
                yield text
                continue
            if time.monotonic() - last_sent > KEEPALIVE_S:
                last_sent = time.monotonic()
                yield ": keepalive\n\n"
            streams.stop.wait(poll_s)
