"""JSON API of the UV lamp (issue #18): the agent's room state, a caregiver's start/stop, the room's log."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint
from pydantic import Field

from devices.wire.hygiene import UvRoomState
from server.apispec import Schema, responses, spec
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.models import Centre, Room
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import NotFound
from server.fleet.device_auth import device_reading
from server.fleet.policy import Feed
from server.hygiene import uv_ops
from server.hygiene.uv_log import sessions_and_refusals

bp = Blueprint("hygiene_uv_api", __name__, url_prefix="/api/v1")

MONTH_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"


class UvStateOut(Schema):
    """devices.wire.hygiene.UvRoomState."""

    room_id: int
    children_present: int
    as_of: datetime
    request: dict | None = None


class UvRequestIn(Schema):
    minutes: int | None = Field(None, ge=1, le=uv_ops.MAX_MINUTES,
                                description="default: the rulebook's hygiene.uv_lamp min_minutes (60)")


class UvRequestOut(Schema):
    id: int
    room_id: int
    minutes: int
    stops_id: int | None = None
    requested_at: datetime
    expires_at: datetime


class UvSessionOut(Schema):
    started_at: datetime | None
    ended_at: datetime | None
    minutes: int
    end_reason: str | None
    cut_off: bool
    request_id: int | None
    minutes_requested: int | None
    requested_by: str | None


class UvRefusalOut(Schema):
    at: datetime
    reason: str
    request_id: int | None
    requested_by: str | None
    children_present: int | None


class UvLogQuery(Schema):
    month: str | None = Field(None, pattern=MONTH_PATTERN, description="YYYY-MM; default this month")


class UvLogOut(Schema):
    room_id: int
    month: str
    sessions: list[UvSessionOut]
    refusals: list[UvRefusalOut]


@bp.get("/devices/hygiene/rooms/<int:room_id>/uv")
@spec.validate(resp=responses(HTTP_200=UvStateOut), tags=["devices"])
def device_uv_state(room_id: int):
    """The room's children present now and the UV request waiting, for the agent's interlock (device token)."""
    device, now = device_reading(Feed.UV_STATE), utcnow()
    state: UvRoomState = uv_ops.room_state(device, room_id, now)
    return UvStateOut.model_validate(state.model_dump())


def _room(room_id: int, perm: Perm, now: datetime) -> tuple[Room, Centre]:
    actor = current_actor()
    room = db.session.get(Room, room_id)
    if room is None:
        raise NotFound()
    authorise(actor, perm, room.centre_id, now)
    centre = db.session.get(Centre, room.centre_id)
    assert centre is not None
    return room, centre


def _request_out(row) -> UvRequestOut:  # type: ignore[no-untyped-def]
    return UvRequestOut(id=row.id, room_id=row.room_id, minutes=row.minutes, stops_id=row.stops_id,
                        requested_at=row.requested_at, expires_at=row.expires_at)


@bp.post("/rooms/<int:room_id>/uv/requests")
@spec.validate(json=UvRequestIn, resp=responses(HTTP_201=UvRequestOut), tags=["hygiene"])
def request_uv(room_id: int, json: UvRequestIn):
    """Ask the room's agent for a UV session (it refuses while children are in or movement was seen)."""
    now = utcnow()
    room, _ = _room(room_id, Perm.HYGIENE_WRITE, now)
    row = uv_ops.request_session(room, minutes=json.minutes, actor=current_actor(), now=now)
    return _request_out(row), 201


@bp.post("/rooms/<int:room_id>/uv/stop")
@spec.validate(resp=responses(HTTP_201=UvRequestOut), tags=["hygiene"])
def stop_uv(room_id: int):
    """Ask the room's agent to stop the running (or waiting) session."""
    now = utcnow()
    room, _ = _room(room_id, Perm.HYGIENE_WRITE, now)
    row = uv_ops.stop_session(room, actor=current_actor(), now=now)
    return _request_out(row), 201


def month_window(centre: Centre, month: str | None, now: datetime) -> tuple[str, datetime, datetime]:
    """('YYYY-MM', start, end) of a month in the centre's time zone (default: the centre's current month)."""
    first = centre_today(centre, now).replace(day=1) if month is None else date.fromisoformat(month + "-01")
    following = (first + timedelta(days=32)).replace(day=1)
    zone = centre_zone(centre)
    return first.strftime("%Y-%m"), datetime.combine(first, time(), zone), datetime.combine(following, time(), zone)


@bp.get("/rooms/<int:room_id>/uv/log")
@spec.validate(query=UvLogQuery, resp=responses(HTTP_200=UvLogOut), tags=["hygiene"])
def uv_log(room_id: int, query: UvLogQuery):
    """The room's 紫外线消毒记录 for a month: every session (minutes, end reason) and every refusal."""
    now = utcnow()
    room, centre = _room(room_id, Perm.HYGIENE_READ, now)
    month, start, end = month_window(centre, query.month, now)
    sessions, refusals = sessions_and_refusals([room.id], start, end, centre_id=centre.id)
    return UvLogOut(
        room_id=room.id, month=month,
        sessions=[UvSessionOut(started_at=s.started_at, ended_at=s.ended_at, minutes=s.minutes(now),
                               end_reason=s.end_reason, cut_off=s.cut_off, request_id=s.request_id,
                               minutes_requested=s.minutes_requested, requested_by=s.requested_by)
                  for s in sessions],
        refusals=[UvRefusalOut(at=r.at, reason=r.reason, request_id=r.request_id, requested_by=r.requested_by,
                               children_present=r.children_present) for r in refusals],
    )
