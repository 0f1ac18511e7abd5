"""Server-sent events: the machinery every live page shares.

One change feed per process (:class:`ChangeFeed`) reads each distinct marker once per poll, however many pages
watch it, and wakes the streams waiting on a marker that changed; each stream then renders its own message. The
feed reads the database (not process memory), so any number of gunicorn workers and hosts work; 20 open
dashboards of one centre cost three small queries a poll (presence, ratios, alerts), not sixty. Reads never
take SQLite's write lock (server.database.reads_first). The domains provide the marker and the message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field

from flask import Flask

from server.database import db, reads_first

KEEPALIVE_S = 15.0
log = logging.getLogger(__name__)


@dataclass
class _Watched:
    """One marker the feed reads for its watchers: its last value and how often it changed."""

    marker: Callable[[], object]
    value: object
    version: int = 0
    watchers: int = 0


@dataclass
class ChangeFeed:
    """The process's poller: one thread reading every watched marker every ``poll_s`` while any is watched."""

    app: Flask
    stop: threading.Event
    poll_s: float
    autostart: bool = True  # False: nothing reads unless tick() is called (tests drive it poll by poll)
    _watched: dict[Hashable, _Watched] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _thread: threading.Thread | None = None

    def watch(self, key: Hashable, marker: Callable[[], object]) -> Watch:
        """Start watching ``key`` (read by ``marker``); the first watcher reads it now, in its own thread."""
        with self._changed:
            watched = self._watched.get(key)
            if watched is not None:
                watched.watchers += 1  # held at once: a release meanwhile cannot drop what this stream shares
        if watched is None:
            first = self._read(marker)  # outside the lock: a query
            with self._changed:
                watched = self._watched.setdefault(key, _Watched(marker, first))
                watched.watchers += 1
        with self._changed:
            if self.autostart and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._run, name="tuoyu-change-feed", daemon=True)
                self._thread.start()
        return Watch(self, key, watched)

    def wait(self, watched: _Watched, seen: int, timeout: float) -> int:
        """The marker's version once it differs from ``seen`` (or when ``timeout`` runs out, or on stop)."""
        with self._changed:
            self._changed.wait_for(lambda: watched.version != seen or self.stop.is_set(), timeout)
            return watched.version

    def release(self, key: Hashable, watched: _Watched) -> None:
        with self._changed:
            watched.watchers -= 1
            if watched.watchers == 0 and self._watched.get(key) is watched:
                del self._watched[key]

    def wake_all(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def join(self, timeout: float) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def tick(self) -> None:
        """Read every watched marker once; wake the watchers of those that changed."""
        with self._changed:
            watched = list(self._watched.values())
        values = []
        for w in watched:
            try:
                values.append((w, self._read(w.marker)))
            except Exception:  # one failing marker (a database hiccup) must not stop every stream of the process
                log.exception("change feed: a marker failed; tried again next poll")
        with self._changed:
            changed = False
            for w, value in values:
                if value != w.value:
                    w.value, w.version, changed = value, w.version + 1, True
            if changed:
                self._changed.notify_all()

    def _read(self, marker: Callable[[], object]) -> object:
        with self.app.app_context(), reads_first():
            try:
                return marker()
            finally:
                db.session.remove()

    def _run(self) -> None:
        while not self.stop.is_set():
            with self._changed:
                if not self._watched:
                    self._thread = None
                    return
            self.tick()
            self.stop.wait(self.poll_s)


@dataclass
class Watch:
    """A stream's hold on one watched marker (a context manager: leaving it stops watching)."""

    feed: ChangeFeed
    key: Hashable
    watched: _Watched

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.feed.release(self.key, self.watched)

    @property
    def version(self) -> int:
        return self.watched.version

    def wait(self, seen: int, timeout: float) -> int:
        return self.feed.wait(self.watched, seen, timeout)


class OpenStreams:
    """The app's open streams and its change feed: one stop signal for all (shutdown, tests), a count to wait on."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._count = 0
        self._changed = threading.Condition()
        self._feed: ChangeFeed | None = None
        self._feed_lock = threading.Lock()

    def feed(self, app: Flask) -> ChangeFeed:
        with self._feed_lock:
            if self._feed is None:
                self._feed = ChangeFeed(app, self.stop, app.config["PRESENCE_POLL_S"])
            return self._feed

    def __enter__(self) -> OpenStreams:
        with self._changed:
            self._count += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def close_all(self, timeout: float) -> bool:
        """Signal every stream (and the feed) to end; True once none is left (within `timeout`)."""
        self.stop.set()
        if self._feed is not None:
            self._feed.wake_all()
        with self._changed:
            done = self._changed.wait_for(lambda: self._count == 0, timeout)
        if self._feed is not None:
            self._feed.join(timeout)
        return done


def poll_stream(app: Flask, streams: OpenStreams, key: Hashable, marker: Callable[[], object],
                message: Callable[[], str | None]) -> Iterator[str]:
    """Yield ``message()`` now and whenever the marker watched under ``key`` changes.

    ``key`` names what ``marker()`` reads (e.g. ``("ratios", centre_id)``): every stream of the process watching
    the same key shares one read per poll (:class:`ChangeFeed`). ``message()`` runs inside a fresh app context
    (never across a yield: the consumer runs between yields); returning None ends the stream (its subject is
    gone). A comment line now and then keeps proxies from closing an idle stream; the browser reconnects after
    the maximum age.
    """
    with streams, streams.feed(app).watch(key, marker) as watch:
        deadline = time.monotonic() + app.config["PRESENCE_STREAM_MAX_S"]
        seen = -1  # never a real version: the first message goes at once
        last_sent = time.monotonic()
        while not streams.stop.is_set() and time.monotonic() < deadline:
            version = watch.version
            if version != seen:
                seen = version
                with app.app_context(), reads_first():  # never waits for (or holds) SQLite's write lock
                    text = message()
                    db.session.remove()
                if text is None:
                    return
                last_sent = time.monotonic()
                yield text
                continue
            if time.monotonic() - last_sent > KEEPALIVE_S:
                last_sent = time.monotonic()
                yield ": keepalive\n\n"
                continue
            watch.wait(seen, min(KEEPALIVE_S, max(0.0, deadline - time.monotonic())))
