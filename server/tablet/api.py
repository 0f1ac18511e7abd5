"""JSON API of the room tablet: the room's board (the page polls it; every entry goes to the care/health APIs)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from flask import Blueprint
from sqlalchemy import select

from server.apispec import Schema, responses, spec
from server.audit.models import AccessEvent
from server.audit.operations import log_access
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.models import Centre, Room
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import NotFound
from server.tablet.access import authorise_room
from server.tablet.board import room_board

bp = Blueprint("tablet_api", __name__, url_prefix="/api/v1")


class BoardOut(Schema):
    """The room now, as the tablet draws it.

    `room`, `at` (server time), `ratio`, `patrol_interval_s`, `due_soon_s`, `outdoor` (the class's minutes today
    against the rule), `health` (whether the health parts are in) and `children`: one card each (care state;
    with `health`: `morning_check`, `allergies`, `doses_due`, `awaiting_signature`: medication requests the
    guardians have not signed yet).
    """

    room: dict[str, Any]
    at: str
    day: str
    health: bool
    patrol_interval_s: int | None
    due_soon_s: int
    ratio: dict[str, Any]
    outdoor: dict[str, Any]
    children: list[dict[str, Any]]


def board_for(room_id: int) -> dict[str, Any]:
    """The board of a room the current actor may open; a read with health parts is logged."""
    actor, now = current_actor(), utcnow()
    room = db.session.get(Room, room_id)
    if room is None:
        raise NotFound()
    authorise_room(actor, room, now)
    include_health = actor.can(Perm.HEALTH_READ, room.centre_id, now)
    board = room_board(room, now=now, include_health=include_health)
    if include_health:
        detail = "allergies, morning checks, doses due: " + ",".join(sorted(str(c["id"]) for c in board["children"]))
        if not already_logged(room, actor.user_id, detail[:200], now):
            log_access(centre_id=room.centre_id, user_id=actor.user_id, action="read", object_type="room_board",
                       object_id=room.id, now=now, detail=detail[:200])
    return board


def already_logged(room: Room, user_id: int | None, detail: str, now: datetime) -> bool:
    """Whether this reader's read of this room's board, with the same children, is logged this local day already.

    The tablet polls every half minute: one row per user, room and day (and another when the children change)
    says who saw whose health data without a row per poll.
    """
    centre = db.session.get(Centre, room.centre_id)
    assert centre is not None
    zone = centre_zone(centre)
    day_start = datetime.combine(centre_today(centre, now), time(), tzinfo=zone).astimezone(UTC)
    latest = db.session.execute(
        select(AccessEvent.detail).where(AccessEvent.user_id == user_id, AccessEvent.object_type == "room_board",
                                         AccessEvent.object_id == str(room.id), AccessEvent.at >= day_start)
        .order_by(AccessEvent.at.desc(), AccessEvent.id.desc()).limit(1)).scalars().first()
    return latest == detail


@bp.get("/rooms/<int:room_id>/board")
@spec.validate(resp=responses(HTTP_200=BoardOut), tags=["tablet"])
def board(room_id: int):
    """The room's children present now with their state at a glance (the room tablet polls this)."""
    return BoardOut.model_validate(board_for(room_id))
