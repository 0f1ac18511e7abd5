"""The demo's month of UV lamp sessions (issue #18): every class, every day with children, after pick-up.

Most days a caregiver starts the lamp at about 17:50 and it runs its 60 minutes. The imperfections the pack shows:

* ONE session cut short by the interlock: an early morning session ~10 days ago, a child checked in at 07:12 and the
  lamp went off after 20 minutes (children_present); nobody ran it again, so that class's day lacks 60 minutes;
* a couple of refusals: once a child was still waiting to be picked up (children_present, run 20 minutes later),
  once the cleaner was still in the room (motion, run after the quiet period);
* natural ones: a session stopped by the caregiver at 40 minutes and finished with 20 more; a session cut off
  when the agent lost the server (presence_stale) and run again.

Requests go through the operations (audited, as a caregiver); the relay's events are written as the agent would
have reported them.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from devices.wire.protocol import new_key
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.auth.actor import Actor
from server.auth.roles import Role
from server.centre.models import Centre, Room
from server.centre.timezones import centre_zone
from server.database import db
from server.demo.members import acting_as
from server.fleet.models import Device, DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.hygiene.uv_models import UvRelayEvent, UvRequest
from server.hygiene.uv_ops import default_minutes, request_session, stop_session
from server.people.models import Child


def _days_with_children(centre: Centre, start: date) -> set[tuple[int, date]]:
    zone = centre_zone(centre)
    rows = db.session.execute(
        select(AttendanceEvent.at, Child.room_id).join(Child, Child.id == AttendanceEvent.child_id)
        .where(AttendanceEvent.centre_id == centre.id, AttendanceEvent.kind == AttendanceKind.CHECK_IN,
               AttendanceEvent.at >= datetime.combine(start, time(), zone))).all()
    return {(room_id, at.astimezone(zone).date()) for at, room_id in rows if room_id is not None}


class _Lamp:
    """Writes one room's requests (through the operations) and relay events (rows) for the seed."""

    def __init__(self, centre: Centre, room: Room, device: Device, actor: Actor, minutes: int) -> None:
        self.centre, self.room, self.device, self.actor, self.minutes = centre, room, device, actor, minutes

    def _event(self, at: datetime, state: str, request: UvRequest | None, *, reason: str | None = None,
               children: int | None = 0, minutes: int | None = None, motion: datetime | None = None) -> None:
        db.session.add(UvRelayEvent(
            centre_id=self.centre.id, room_id=self.room.id, device_pk=self.device.id, event_key=new_key(),
            lamp=f"uv-room{self.room.id}", state=state, reason=reason, request_id=request.id if request else None,
            minutes=minutes, children_present=children, last_motion_at=motion, at=at,
            received_at=at + timedelta(seconds=2)))

    def ask(self, at: datetime) -> UvRequest:
        return request_session(self.room, minutes=None, actor=self.actor, now=at)

    def run(self, at: datetime, ran: timedelta, reason: str = "done", **extra: object) -> None:
        """A request at ``at``, switched on 4 s later, off after ``ran`` for ``reason``."""
        request = self.ask(at)
        on = at + timedelta(seconds=4)
        self._event(on, "on", request, minutes=self.minutes)
        if reason == "stopped":
            stop_session(self.room, actor=self.actor, now=on + ran - timedelta(seconds=3))
        self._event(on + ran, "off", request, reason=reason, **extra)  # type: ignore[arg-type]
        db.session.flush()  # the next request sees this session ended

    def refuse(self, at: datetime, reason: str, **extra: object) -> None:
        request = self.ask(at)
        self._event(at + timedelta(seconds=4), "refused", request, reason=reason, **extra)  # type: ignore[arg-type]
        db.session.flush()


def seed_uv_lamp(centre: Centre, *, start: date, today: date, now: datetime, rng: random.Random) -> None:
    """A month of UV sessions for every class whose agent has a UV relay (in the demo: all of them)."""
    rooms = list(db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active)
                                    .order_by(Room.id)).scalars())
    if not rooms:
        return
    zone = centre_zone(centre)
    setup = datetime.combine(start, time(6), zone)
    code, _ = create_enrolment_code(centre, kind=DeviceKind.AGENT, name="班级设备（历史）", actor=Actor.system(),
                                    now=setup)
    device, _ = enroll_device(code, kind=DeviceKind.AGENT, name=None, version="demo", now=setup)
    actor = acting_as(centre, Role.CAREGIVER)
    minutes = default_minutes(centre, setup)
    full = timedelta(minutes=minutes)
    days = _days_with_children(centre, start)
    cut_day = max(start, today - timedelta(days=10))
    story_room = rooms[0]
    special: dict[tuple[int, date], str] = {}
    dated = sorted(d for r, d in days if r == story_room.id and d < today)
    if dated:
        special[(story_room.id, min(dated, key=lambda d: abs((d - cut_day).days)))] = "cut_by_check_in"
    others = [d for d in dated if (story_room.id, d) not in special]
    for name, offset in (("refused_child", 3), ("refused_motion", 6), ("stopped", 13), ("stale", 17)):
        if len(others) > offset:
            special[(rooms[min(len(rooms) - 1, offset % len(rooms))].id, others[-offset])] = name
    lamps = {room.id: _Lamp(centre, room, device, actor, minutes) for room in rooms}
    for room_id, day in sorted(days, key=lambda x: (x[1], x[0])):
        lamp = lamps.get(room_id)
        if lamp is None:
            continue
        evening = datetime.combine(day, time(17, 45), zone) + timedelta(minutes=rng.randint(0, 20))
        story = special.get((room_id, day))
        if evening + full + timedelta(minutes=40) > now:
            continue  # today's session has not happened yet
        if story == "cut_by_check_in":
            morning = datetime.combine(day, time(6, 52), zone)
            lamp.run(morning, timedelta(minutes=20), "children_present", children=1)
        elif story == "refused_child":
            lamp.refuse(evening, "children_present", children=1)
            lamp.run(evening + timedelta(minutes=20), full)
        elif story == "refused_motion":
            lamp.refuse(evening, "motion", motion=evening - timedelta(minutes=1))
            lamp.run(evening + timedelta(minutes=6), full)
        elif story == "stopped":
            lamp.run(evening, timedelta(minutes=40), "stopped")
            lamp.run(evening + timedelta(minutes=45), timedelta(minutes=minutes - 40))
        elif story == "stale":
            lamp.run(evening, timedelta(minutes=35), "presence_stale", children=None)
            lamp.run(evening + timedelta(minutes=40), full)
        else:
            lamp.run(evening, full + timedelta(seconds=rng.randint(0, 2)))
    db.session.flush()
