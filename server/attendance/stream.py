"""Server-sent events: open dashboards hear of every presence change within the poll interval.

The stream polls the database (not process memory), so it works with any number of gunicorn
workers and hosts; each poll is one cheap aggregate query.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

from flask import Flask
from sqlalchemy import func, select

from server.attendance.models import AttendanceEvent
from server.attendance.operations import presence
from server.auth.actor import Actor
from server.centre.models import Centre
from server.clock import utcnow
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


def presence_events(app: Flask, centre_id: int, actor: Actor, streams: OpenStreams) -> Iterator[str]:
    """Yield a `presence` event now and after every change; a comment line keeps proxies from closing."""
    with streams:
        yield from _presence_events(app, centre_id, actor, streams.stop)


def _presence_events(app: Flask, centre_id: int, actor: Actor, stop: threading.Event) -> Iterator[str]:
    poll_s = app.config["PRESENCE_POLL_S"]
    deadline = time.monotonic() + app.config["PRESENCE_STREAM_MAX_S"]  # the browser reconnects by itself
    last_marker: tuple[object, ...] | None = None
    last_sent = time.monotonic()
    while not stop.is_set() and time.monotonic() < deadline:
        message = None
        # Never yield inside the app context: the consumer runs between yields.
        with app.app_context():
            marker = tuple(db.session.execute(
                select(func.max(AttendanceEvent.id), func.count()).where(AttendanceEvent.centre_id == centre_id)
            ).one())
            centre = db.session.get(Centre, centre_id)
            if centre is not None and marker != last_marker:
                message = _presence_message(centre, actor)
                last_marker = marker
            db.session.remove()
        if centre is None:
            return  # the centre is gone: nothing more to tell
        if message is not None:
            last_sent = time.monotonic()
            yield message
            continue
        if time.monotonic() - last_sent > KEEPALIVE_S:
            last_sent = time.monotonic()
            yield ": keepalive\n\n"
        stop.wait(poll_s)


def _presence_message(centre: Centre, actor: Actor) -> str:
    now = utcnow()
    rooms = presence(centre, actor=actor, now=now)
    body = {"at": now.isoformat().replace("+00:00", "Z"),
            "children_present": sum(len(r.children) for r in rooms),
            "staff_present": sum(len(r.staff) for r in rooms),
            "rooms": [{"room_id": r.room_id, "children": len(r.children), "staff": len(r.staff)} for r in rooms]}
    return f"event: presence\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"
