"""Server-sent events of the room ratios: open dashboards hear of a change within the poll interval.

Like the presence stream, it polls the database (any number of workers and hosts work); the
marker is the newest timeline row, written by every change of a room's counts or state.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask
from sqlalchemy import func, select

from server.attendance.rooms.models import RoomStatusLog
from server.clock import utcnow
from server.database import db
from server.streams import OpenStreams, poll_stream


def ratio_events(app: Flask, centre_id: int, streams: OpenStreams) -> Iterator[str]:
    """A `ratios` event now and after every change of a room's counts or state."""
    from server.attendance.rooms.api import ratios_body

    def marker() -> object:
        return db.session.execute(
            select(func.max(RoomStatusLog.id)).where(RoomStatusLog.centre_id == centre_id)).scalar()

    def message() -> str:
        return f"event: ratios\ndata: {ratios_body(centre_id, utcnow()).model_dump_json()}\n\n"

    return poll_stream(app, streams, ("ratios", centre_id), marker, message)
