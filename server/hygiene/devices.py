"""Device evidence for 表6: window contacts (hygiene.window) and disinfection cabinets (hygiene.cabinet).

The handlers keep every edge as the agent sent it; a duplicate (same device, input, instant and state) is dropped,
and edges arriving late or out of order from the agent's outbox simply take their place, because periods are built
when read: per contact, an ``open`` starts a period and the next ``closed`` ends it (a repeated ``open`` changes
nothing, a ``closed`` with no open before it is ignored); a room's contacts' periods are merged, so two windows
open at once air the room once. Cabinet cycles the same way (``started`` → ``ended``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from devices.wire.hygiene import CabinetPayload, WindowPayload
from devices.wire.protocol import Event
from server.audit.operations import record_change
from server.centre.models import Room
from server.database import db
from server.fleet.models import Device
from server.fleet.operations import EventRejected
from server.hygiene.models import HygieneCabinetEvent, HygieneWindowEvent

KITCHEN = "kitchen"
_DAY = timedelta(days=1)  # how far before a window an open edge is looked for


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or 'payload'}: {first['msg']}"


def _room(device: Device, room_id: int, kind: str) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or room.centre_id != device.centre_id:
        raise EventRejected(f"{kind}.unknown_room", f"room {room_id} is not a room of the device's centre")
    return room


def _insert(row: HygieneWindowEvent | HygieneCabinetEvent) -> bool:
    """Add the edge unless it is already there (a duplicate delivery): True when it was new."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return False
    return True


def handle_window_event(device: Device, event: Event, now: datetime) -> None:
    """Store a window contact's edge (idempotent)."""
    try:
        payload = WindowPayload.model_validate(event.payload)
    except ValidationError as exc:
        raise EventRejected("hygiene.window.invalid", _first_error(exc)) from None
    room = _room(device, payload.room_id, "hygiene.window")
    model = HygieneWindowEvent
    if db.session.execute(select(model.id).where(model.device_pk == device.id, model.input == payload.input,
                                                  model.at == event.created_at, model.state == payload.state)).first():
        return
    row = model(centre_id=device.centre_id, device_pk=device.id, input=payload.input, room_id=room.id,
                state=payload.state, at=event.created_at, received_at=now)
    if _insert(row):
        record_change(centre_id=device.centre_id, actor_id=None, actor_kind="device", action="hygiene.window",
                      object_type=model.__tablename__, object_id=row.id, before=None,
                      after={"input": row.input, "room_id": row.room_id, "state": row.state, "at": row.at}, now=now)


def handle_cabinet_event(device: Device, event: Event, now: datetime) -> None:
    """Store a disinfection cabinet's cycle edge (idempotent)."""
    try:
        payload = CabinetPayload.model_validate(event.payload)
    except ValidationError as exc:
        raise EventRejected("hygiene.cabinet.invalid", _first_error(exc)) from None
    room_id: int | None = None
    if payload.location != KITCHEN:
        if not payload.location.startswith("room:") or not payload.location[5:].isdigit():
            raise EventRejected("hygiene.cabinet.invalid", "location: the kitchen or room:<id>")
        room_id = _room(device, int(payload.location[5:]), "hygiene.cabinet").id
    model = HygieneCabinetEvent
    if db.session.execute(select(model.id).where(model.device_pk == device.id, model.input == payload.input,
                                                  model.at == event.created_at, model.state == payload.state)).first():
        return
    row = model(centre_id=device.centre_id, device_pk=device.id, input=payload.input, location=payload.location,
                room_id=room_id, state=payload.state, at=event.created_at, received_at=now)
    if _insert(row):
        record_change(centre_id=device.centre_id, actor_id=None, actor_kind="device", action="hygiene.cabinet",
                      object_type=model.__tablename__, object_id=row.id, before=None,
                      after={"input": row.input, "location": row.location, "state": row.state, "at": row.at}, now=now)


@dataclass(frozen=True)
class Period:
    key: str | int  # the room id (windows) or the location (cabinets)
    started_at: datetime
    ended_at: datetime | None  # None: still open


def _pairs(edges: Iterable[tuple[str | int, str, str, datetime]], on: str, off: str) -> list[Period]:
    """(key, input, state, at) edges → periods per key, each input's on→off, merged within a key."""
    by_input: dict[tuple[str | int, str], list[tuple[datetime, str]]] = defaultdict(list)
    for key, name, state, at in edges:
        by_input[(key, name)].append((at, state))
    raw: dict[str | int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for (key, _name), seq in by_input.items():
        opened: datetime | None = None
        for at, state in sorted(seq, key=lambda e: (e[0], e[1] != on)):
            if state == on and opened is None:
                opened = at
            elif state == off and opened is not None:
                raw[key].append((opened, at))
                opened = None
        if opened is not None:
            raw[key].append((opened, None))
    periods: list[Period] = []
    for key, spans in raw.items():
        merged: list[list[datetime | None]] = []
        for start, end in sorted(spans, key=lambda s: s[0]):
            if merged and (merged[-1][1] is None or start <= merged[-1][1]):  # type: ignore[operator]
                last_end = merged[-1][1]
                merged[-1][1] = None if last_end is None or end is None else max(last_end, end)
            else:
                merged.append([start, end])
        periods += [Period(key, s, e) for s, e in merged]  # type: ignore[arg-type]
    return sorted(periods, key=lambda p: (str(p.key), p.started_at))


def window_periods(centre_id: int, start: datetime, end: datetime, room_id: int | None = None) -> list[Period]:
    """Ventilation periods (key: room id) overlapping [start, end), from edges up to a day around it."""
    m = HygieneWindowEvent
    q = select(m.room_id, m.input, m.state, m.at).where(m.centre_id == centre_id, m.at >= start - _DAY, m.at < end)
    if room_id is not None:
        q = q.where(m.room_id == room_id)
    return [p for p in _pairs(db.session.execute(q).all(), "open", "closed")
            if p.started_at < end and (p.ended_at is None or p.ended_at > start)]


def cabinet_periods(centre_id: int, start: datetime, end: datetime) -> list[Period]:
    """Cabinet cycles (key: location) started in [start, end)."""
    m = HygieneCabinetEvent
    q = select(m.location, m.input, m.state, m.at).where(m.centre_id == centre_id, m.at >= start - _DAY,
                                                         m.at < end + _DAY)
    return [p for p in _pairs(db.session.execute(q).all(), "started", "ended") if start <= p.started_at < end]


def rooms_with_window_contacts(centre_id: int, until: datetime) -> frozenset[int]:
    m = HygieneWindowEvent
    return frozenset(db.session.execute(select(m.room_id).where(m.centre_id == centre_id, m.at < until)
                                        .distinct()).scalars())

