"""The presence stream: open dashboards hear of every check-in, check-out and room move (server/streams.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Flask
from sqlalchemy import func, select

from server.attendance.models import AttendanceEvent
from server.attendance.operations.presence import presence
from server.auth.actor import Actor
from server.centre.models import Centre
from server.clock import utcnow
from server.database import db
from server.streams import OpenStreams, poll_stream


def presence_events(app: Flask, centre_id: int, actor: Actor, streams: OpenStreams) -> Iterator[str]:
    """A `presence` event now and after every check-in, check-out or room move of the centre."""
    from server.attendance.rooms.models import RoomMove

    def marker() -> object:
        return (*db.session.execute(select(func.max(AttendanceEvent.id), func.count())
                                    .where(AttendanceEvent.centre_id == centre_id)).one(),
                db.session.execute(select(func.max(RoomMove.id)).where(RoomMove.centre_id == centre_id)).scalar())

    def message() -> str | None:
        centre = db.session.get(Centre, centre_id)
        return _presence_message(centre, actor) if centre is not None else None

    return poll_stream(app, streams, ("presence", centre_id), marker, message)


def _presence_message(centre: Centre, actor: Actor) -> str:
    now = utcnow()
    rooms = presence(centre, actor=actor, now=now)
    body = {"at": now.isoformat().replace("+00:00", "Z"),
            "children_present": sum(len(r.children) for r in rooms),
            "staff_present": sum(len(r.staff) for r in rooms),
            "rooms": [{"room_id": r.room_id, "children": len(r.children), "staff": len(r.staff)} for r in rooms]}
    return f"event: presence\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"
