"""Who may open which room's tablet: the caregivers assigned there today, the 保健员 and the director.

A caregiver is assigned to a room when it is their home room, when the roster has a (not cancelled) shift for
them in it today, or when they are in it now (a room move on the move page). Health and admin roles open any
room of the centre; other roles none (an inspector reads the registers, not the tablet).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.attendance.rooms.operations.live import whereabouts
from server.auth.actor import AccessRefused, Actor, authorise
from server.auth.roles import Perm, Role
from server.centre.models import Centre, Room
from server.centre.timezones import centre_today
from server.database import db
from server.people.models import Staff
from server.staff.operations.roster import shifts_between

OPENS_EVERY_ROOM = frozenset({Role.ADMIN, Role.HEALTH})


def staff_of(actor: Actor, centre_id: int) -> Staff | None:
    """The actor's own staff record at the centre (None for an account not linked to staff)."""
    if actor.user_id is None:
        return None
    return db.session.execute(select(Staff).where(Staff.centre_id == centre_id, Staff.user_id == actor.user_id)
                              ).scalars().first()


def assigned_room_ids(staff: Staff, centre: Centre, now: datetime) -> set[int]:
    """The rooms a member of staff works in today: home room, roster shifts today, the room they are in now."""
    today = centre_today(centre, now)
    rooms = {staff.home_room_id} if staff.home_room_id is not None else set()
    rooms |= {shift.room_id for shift, cancelled in shifts_between(centre.id, today, today)
              if shift.staff_id == staff.id and cancelled is None and shift.room_id is not None}
    current = whereabouts(centre.id, now).staff.get(staff.id)
    if current is not None:
        rooms.add(current)
    return rooms


def rooms_for(actor: Actor, centre: Centre, now: datetime) -> list[Room]:
    """The active rooms whose tablet the actor may open, in the centre's order (needs care.read)."""
    authorise(actor, Perm.CARE_READ, centre.id, now)
    rooms = db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active)
                               .order_by(Room.id)).scalars().all()
    if actor.is_system or actor.roles_at(centre.id, now) & OPENS_EVERY_ROOM:
        return list(rooms)
    if Role.CAREGIVER not in actor.roles_at(centre.id, now):
        return []
    staff = staff_of(actor, centre.id)
    if staff is None:
        return []
    mine = assigned_room_ids(staff, centre, now)
    return [room for room in rooms if room.id in mine]


def authorise_room(actor: Actor, room: Room, now: datetime) -> None:
    """Raise unless the actor may open this room's tablet (404 for a centre they have no grant at)."""
    authorise(actor, Perm.CARE_READ, room.centre_id, now)
    if actor.is_system or actor.roles_at(room.centre_id, now) & OPENS_EVERY_ROOM:
        return
    centre = db.session.get(Centre, room.centre_id)
    if centre is not None and any(r.id == room.id for r in rooms_for(actor, centre, now)):
        return
    raise AccessRefused(_l("This room's tablet is for the caregivers working in it today"), code="not_your_room",
                        centre_id=room.centre_id)
