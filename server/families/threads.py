"""The lists of threads the screens show: a room's (unread first), the centre's, a family's own.

Staff (`messages.read` with `children.all`) read every thread of the centre; a guardian reads their own children's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre, Room
from server.centre.timezones import centre_today
from server.database import db
from server.errors import NotFound
from server.families.family import guardian_children, is_staff
from server.families.models import Message, MessageSide
from server.families.operations.messages import unread_counts
from server.people.models import Child


@dataclass(frozen=True)
class ThreadSummary:
    """One child's thread at a glance: how many messages, the latest, how many are unread by the reader."""

    child: Child
    room_name: str
    messages: int
    last: Message | None
    unread: int


def _summaries(children: Sequence[Child], centre_id: int, *, actor: Actor, side: MessageSide) -> list[ThreadSummary]:
    ids = [c.id for c in children]
    if not ids:
        return []
    counts = dict(db.session.execute(select(Message.child_id, func.count(Message.id)).where(
        Message.child_id.in_(ids)).group_by(Message.child_id)).all())
    latest_ids = select(func.max(Message.id)).where(Message.child_id.in_(ids)).group_by(Message.child_id)
    latest = {m.child_id: m for m in db.session.execute(select(Message).where(Message.id.in_(latest_ids))).scalars()}
    unread = unread_counts(ids, actor=actor, reader_side=side)
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre_id)).all())
    out = [ThreadSummary(c, rooms.get(c.room_id or 0, ""), counts.get(c.id, 0), latest.get(c.id), unread.get(c.id, 0))
           for c in children]
    # Unread first, then the latest conversation, then those without messages by name.
    out.sort(key=lambda t: (t.unread == 0, -(t.last.id if t.last else 0), t.child.name, t.child.id))
    return out


def _staff(actor: Actor, centre_id: int, now: datetime) -> None:
    """Lists over many children are for staff: the permission, and every child of the centre."""
    authorise(actor, Perm.MESSAGES_READ, centre_id, now)
    authorise(actor, Perm.CHILDREN_ALL, centre_id, now)


def room_threads(room: Room, *, actor: Actor, now: datetime) -> list[ThreadSummary]:
    """The threads of the children in a class today, unread first (staff only)."""
    _staff(actor, room.centre_id, now)
    centre = db.session.get(Centre, room.centre_id)
    assert centre is not None
    today = centre_today(centre, now)
    children = list(db.session.execute(select(Child).where(
        Child.room_id == room.id, Child.enrolled_on <= today,
        Child.left_on.is_(None) | (Child.left_on >= today))).scalars())
    return _summaries(children, room.centre_id, actor=actor, side=MessageSide.STAFF)


def centre_threads(centre: Centre, *, actor: Actor, now: datetime) -> list[ThreadSummary]:
    """Every thread of the centre that has a message, unread first (staff only)."""
    _staff(actor, centre.id, now)
    with_messages = select(Message.child_id).where(Message.centre_id == centre.id).distinct()
    children = list(db.session.execute(select(Child).where(Child.id.in_(with_messages))).scalars())
    return _summaries(children, centre.id, actor=actor, side=MessageSide.STAFF)


def family_threads(centre: Centre, *, actor: Actor, now: datetime) -> list[ThreadSummary]:
    """A guardian's children's threads (staff: every thread with a message)."""
    authorise(actor, Perm.MESSAGES_READ, centre.id, now)
    if is_staff(actor, centre.id, now):
        return centre_threads(centre, actor=actor, now=now)
    children = guardian_children(actor, centre.id)
    return _summaries(children, centre.id, actor=actor, side=MessageSide.FAMILY)


def room_of(room_id: int, centre: Centre) -> Room:
    """A class of this centre, or not found."""
    room = db.session.get(Room, room_id)
    if room is None or room.centre_id != centre.id:
        raise NotFound()
    return room


def family_unread(centre: Centre, *, actor: Actor) -> dict[int, int]:
    """Per child of the guardian, the centre's messages they have not read yet (the family home's to-do strip)."""
    ids = [c.id for c in guardian_children(actor, centre.id)]
    return unread_counts(ids, actor=actor, reader_side=MessageSide.FAMILY)


def room_name(child: Child) -> str:
    """The name of the child's class today ("" without one)."""
    room = db.session.get(Room, child.room_id) if child.room_id else None
    return room.name if room is not None else ""
