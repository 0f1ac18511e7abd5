"""The UV lamp on the server (issue #18): caregivers' requests, the agent's room state, the relay's events.

The server never switches the lamp: it records what a caregiver asked for (:func:`request_session`,
:func:`stop_session`), answers the room's agent with the room's presence and the request waiting
(:func:`room_state`, polled every few seconds), and stores what the agent's interlock did
(:func:`handle_uv_event`, the ``hygiene.uv`` device events). Sessions are read from those events
(server/hygiene/uv_log.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy import select

from devices.wire.hygiene import UvPayload, UvRoomState
from devices.wire.hygiene import UvRequest as WireUvRequest
from devices.wire.protocol import Event
from server.attendance.rooms.operations.live import whereabouts
from server.audit.operations import record_change
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre, Room
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.database import db
from server.errors import ApiError, NotFound, Problem, ValidationFailed
from server.fleet.models import Device
from server.fleet.operations import EventRejected
from server.hygiene.uv_models import UvRelayEvent, UvRequest

RULE_ID = "hygiene.uv_lamp"
REQUEST_TTL = timedelta(minutes=3)
"""A request the agent has not answered within this is no longer offered (the tablet shows it as not taken)."""
MAX_MINUTES = 240


class UvBusy(ApiError):
    """A session is running or a request is waiting in this room."""

    status = 409
    code = "uv_busy"
    message = _l("The UV lamp of this room is already running or asked for")


class UvNotRunning(ApiError):
    """Nothing to stop."""

    status = 409
    code = "uv_not_running"
    message = _l("The UV lamp of this room is not running")


def default_minutes(centre: Centre, now: datetime) -> int:
    """The rulebook's ``hygiene.uv_lamp`` ``min_minutes`` (60) on the centre's today."""
    rule = effective_rules(centre, centre_today(centre, now)).get(RULE_ID)
    return int(rule.value("min_minutes")) if rule is not None else 60


def room_of_centre(room_id: int, centre_id: int) -> Room:
    """The room, if it is the centre's (404 otherwise: another centre's rooms are not even named)."""
    room = db.session.get(Room, room_id)
    if room is None or room.centre_id != centre_id:
        raise NotFound()
    return room


def _snapshot(row: UvRequest) -> dict:
    return {"room_id": row.room_id, "minutes": row.minutes, "stops_id": row.stops_id,
            "requested_at": row.requested_at, "expires_at": row.expires_at}


def _events(room_id: int, since: datetime) -> list[UvRelayEvent]:
    return list(db.session.execute(
        select(UvRelayEvent).where(UvRelayEvent.room_id == room_id, UvRelayEvent.received_at >= since)
        .order_by(UvRelayEvent.at, UvRelayEvent.id)).scalars())


def running_request_id(room_id: int, now: datetime) -> int | None:
    """The request of the session running now (an ``on`` with no ``off`` for it yet), if any.

    The agent cuts a lamp off by itself within a poll or two when it loses the server, so only the last day matters.
    """
    events = _events(room_id, now - timedelta(days=1))
    on = {e.request_id for e in events if e.state == "on"}
    off = {e.request_id for e in events if e.state == "off"}
    running = [rid for rid in on - off if rid is not None]
    return max(running) if running else None


def _answered(request_ids: set[int]) -> set[int]:
    if not request_ids:
        return set()
    return set(db.session.execute(select(UvRelayEvent.request_id).where(
        UvRelayEvent.request_id.in_(request_ids), UvRelayEvent.state.in_(("on", "refused")))).scalars())


def waiting_request(room_id: int, now: datetime) -> UvRequest | None:
    """The newest start request not expired and not yet answered by the agent (None: none waits)."""
    rows = list(db.session.execute(
        select(UvRequest).where(UvRequest.room_id == room_id, UvRequest.stops_id.is_(None),
                                UvRequest.expires_at > now, UvRequest.requested_at <= now)
        .order_by(UvRequest.requested_at.desc(), UvRequest.id.desc())).scalars())
    answered = _answered({row.id for row in rows})
    return next((row for row in rows if row.id not in answered and not _stopped(row.id, now)), None)


def request_session(room: Room, *, minutes: int | None, actor: Actor, now: datetime) -> UvRequest:
    """A caregiver asks for ``minutes`` of UV (default: the rulebook's); 409 if one runs or waits already."""
    authorise(actor, Perm.HYGIENE_WRITE, room.centre_id, now)
    centre = db.session.get(Centre, room.centre_id)
    assert centre is not None
    wanted = default_minutes(centre, now) if minutes is None else minutes
    if not 1 <= wanted <= MAX_MINUTES:
        raise ValidationFailed([Problem("minutes_out_of_range", _l("Minutes must be between 1 and 240"), "minutes")])
    if running_request_id(room.id, now) is not None or waiting_request(room.id, now) is not None:
        raise UvBusy()
    row = UvRequest(centre_id=room.centre_id, room_id=room.id, minutes=wanted, requested_by_id=actor.user_id,
                    requested_at=now, expires_at=now + REQUEST_TTL)
    db.session.add(row)
    db.session.flush()
    record_change(centre_id=row.centre_id, actor_id=actor.user_id, actor_kind=actor.kind, action="hygiene.uv_request",
                  object_type="hygiene_uv_request", object_id=row.id, before=None, after=_snapshot(row), now=now)
    return row


def stop_session(room: Room, *, actor: Actor, now: datetime) -> UvRequest:
    """A caregiver asks the running (or waiting) session to stop; 409 when nothing runs or waits."""
    authorise(actor, Perm.HYGIENE_WRITE, room.centre_id, now)
    target = running_request_id(room.id, now)
    if target is None:
        waiting = waiting_request(room.id, now)
        if waiting is None:
            raise UvNotRunning()
        target = waiting.id
    row = UvRequest(centre_id=room.centre_id, room_id=room.id, minutes=1, stops_id=target,
                    requested_by_id=actor.user_id, requested_at=now, expires_at=now + REQUEST_TTL)
    db.session.add(row)
    db.session.flush()
    record_change(centre_id=row.centre_id, actor_id=actor.user_id, actor_kind=actor.kind, action="hygiene.uv_stop",
                  object_type="hygiene_uv_request", object_id=row.id, before=None, after=_snapshot(row), now=now)
    return row


def _stopped(request_id: int, now: datetime) -> bool:
    return db.session.execute(select(UvRequest.id).where(
        UvRequest.stops_id == request_id, UvRequest.requested_at <= now).limit(1)).first() is not None


def room_state(device: Device, room_id: int, now: datetime) -> UvRoomState:
    """What the room's agent needs: children in the room now (attendance's whereabouts) and the request waiting.

    A stop for the running session (or the waiting request) is offered as ``stop=True`` until the lamp is off; a
    request already stopped before the agent took it is not offered at all.
    """
    room = room_of_centre(room_id, device.centre_id)
    where = whereabouts(device.centre_id, now)
    # A child checked in with no room known (no class, or moved to a room since closed) could be in this one: counted
    # here, so the lamp stays off (fail safe).
    children = sum(1 for placed in where.children.values() if placed == room.id or placed is None)
    offered: WireUvRequest | None = None
    running = running_request_id(room.id, now)
    if running is not None:
        if _stopped(running, now):
            row = db.session.get(UvRequest, running)
            assert row is not None
            offered = WireUvRequest(id=row.id, minutes=row.minutes, requested_at=row.requested_at, stop=True)
    else:
        waiting = waiting_request(room.id, now)
        if waiting is not None:
            offered = WireUvRequest(id=waiting.id, minutes=waiting.minutes, requested_at=waiting.requested_at)
    return UvRoomState(room_id=room.id, children_present=children, as_of=now, request=offered)


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or 'payload'}: {first['msg']}"


def handle_uv_event(device: Device, event: Event, now: datetime) -> None:
    """Store one ``hygiene.uv`` event of a room's agent (late, out of order or repeated: sessions are read later)."""
    try:
        payload = UvPayload.model_validate(event.payload)
    except ValidationError as exc:
        raise EventRejected("hygiene.uv.invalid", _first_error(exc)) from None
    room = db.session.get(Room, payload.room_id)
    if room is None or room.centre_id != device.centre_id:
        raise EventRejected("hygiene.uv.unknown_room", f"room {payload.room_id} is not this centre's")
    request_id = payload.request_id
    if request_id is not None:
        request = db.session.get(UvRequest, request_id)
        if request is None or request.room_id != room.id:
            request_id = None  # a request this server does not know (a restored database): keep the event
    seen = db.session.execute(select(UvRelayEvent.id).where(
        UvRelayEvent.device_pk == device.id, UvRelayEvent.event_key == str(event.key))).first()
    if seen is not None:
        return
    db.session.add(UvRelayEvent(
        centre_id=device.centre_id, room_id=room.id, device_pk=device.id, event_key=str(event.key),
        lamp=payload.lamp, state=payload.state, reason=payload.reason.value if payload.reason else None,
        request_id=request_id, minutes=payload.minutes, children_present=payload.children_present,
        last_motion_at=payload.last_motion_at, at=event.created_at, received_at=now))
    db.session.flush()
