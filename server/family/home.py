"""The family's home on a phone: a card per child (today's status and highlights) under the to-do strip."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from server.audit.operations import log_access
from server.auth.actor import Actor
from server.centre.models import Centre, Room
from server.centre.timezones import centre_today
from server.database import db
from server.family.day import DayItem, Status, check_items, day_status, entry_items, is_enrolled, moves_of, nap_items
from server.family.scope import family_children
from server.family.todo import Todo, todos
from server.people.models import Child


@dataclass(frozen=True)
class ChildCard:
    """One child on the home: name, class, today's status and the day's highlights so far (None: nothing yet)."""

    child: Child
    room_name: str
    status: Status
    starts_on: date | None  # enrolled from a later day
    meal: DayItem | None
    nap: DayItem | None
    diaper: DayItem | None
    morning_check: DayItem | None


@dataclass(frozen=True)
class FamilyHome:
    centre: Centre
    today: date
    cards: list[ChildCard]
    todos: list[Todo]


def _last(items: list[DayItem], *kinds: str) -> DayItem | None:
    found = [i for i in items if i.kind in kinds]
    return found[-1] if found else None


def _card(centre: Centre, child: Child, today: date, rooms: dict[int, str], *, actor: Actor,
          now: datetime) -> ChildCard:
    room_name = rooms.get(child.room_id, "") if child.room_id is not None else ""
    if not is_enrolled(child, today):
        return ChildCard(child, room_name, Status("not_enrolled"), child.enrolled_on if child.enrolled_on > today
                         else None, None, None, None, None)
    moves = moves_of(centre, child, today, now)
    entries = entry_items(child, today)
    checks = [i for i in check_items(child, today, actor=actor, now=now) if i.check_kind == "morning"]
    return ChildCard(child, room_name, day_status(centre, child, today, now, moves), None,
                     _last(entries, "meal"), _last(nap_items(child, today, now), "nap"),
                     _last(entries, "diaper", "toilet"), checks[-1] if checks else None)


def family_home(centre: Centre, *, actor: Actor, now: datetime) -> FamilyHome:
    """The guardian's children at the centre, each with today so far, and what waits for the family; logged."""
    today = centre_today(centre, now)
    children = family_children(centre, actor=actor, now=now, today=today)
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    cards = [_card(centre, child, today, rooms, actor=actor, now=now) for child in children]
    if children:
        log_access(centre_id=centre.id, user_id=actor.user_id, action="read", object_type="family_home",
                   object_id=",".join(str(c.id) for c in children)[:64], now=now, detail=today.isoformat())
    return FamilyHome(centre, today, cards, todos(centre, children, actor=actor, now=now))
