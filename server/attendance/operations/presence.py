"""Who is in right now: each child's and staff member's last move of the care day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from server.attendance.models import AttendanceEvent, AttendanceKind
from server.attendance.rooms.operations.live import whereabouts
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.timezones import centre_today, centre_zone
from server.database import db


@dataclass(frozen=True)
class RoomPresence:
    room_id: int | None
    children: tuple[int, ...]
    staff: tuple[int, ...]


@dataclass(frozen=True)
class Move:
    """The last check-in or check-out of a child or staff member today."""

    inside: bool
    at: datetime


def last_moves(centre: Centre, now: datetime) -> tuple[dict[int, Move], dict[int, Move]]:
    """(children, staff): each one's last in/out of today (centre-local), refused and corrected rows aside.

    A row a correction replaced does not count; the correction does, at its own time.
    """
    tz = centre_zone(centre)
    start = datetime.combine(centre_today(centre, now), time.min, tzinfo=tz)
    events = db.session.execute(
        select(AttendanceEvent).where(
            AttendanceEvent.centre_id == centre.id, AttendanceEvent.at >= start,
            AttendanceEvent.at < start + timedelta(days=1), AttendanceEvent.at <= now,
            AttendanceEvent.kind != AttendanceKind.REFUSED,
        ).order_by(AttendanceEvent.at, AttendanceEvent.id)
    ).scalars().all()
    amended = set(db.session.execute(
        select(AttendanceEvent.amends_id).where(
            AttendanceEvent.centre_id == centre.id, AttendanceEvent.at >= start - timedelta(days=1),
            AttendanceEvent.amends_id.is_not(None))).scalars())
    children: dict[int, Move] = {}
    staff: dict[int, Move] = {}
    for e in events:
        if e.id in amended:
            continue
        move = Move(e.kind is AttendanceKind.CHECK_IN, e.at)
        if e.child_id is not None:
            children[e.child_id] = move
        elif e.staff_id is not None:
            staff[e.staff_id] = move
    return children, staff


def presence(centre: Centre, *, actor: Actor, now: datetime) -> list[RoomPresence]:
    """Who is in right now, per room: children and staff where their last check-in or room move put them."""
    authorise(actor, Perm.PRESENCE_READ, centre.id, now)
    where = whereabouts(centre.id, now)
    rooms: dict[int | None, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for child_id, room_id in where.children.items():
        rooms[room_id][0].append(child_id)
    for staff_id, room_id in where.staff.items():
        rooms[room_id][1].append(staff_id)
    return [RoomPresence(room, tuple(sorted(c)), tuple(sorted(s))) for room, (c, s) in sorted(
        rooms.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))]
