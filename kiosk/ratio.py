"""The ratio warning before a check-in (issue #6): "this room will be out of ratio, tell the director".

The server computes, with the rulebook, how many more children each room can take now before it is
out of ratio or over its class-size cap (``headroom`` in ``GET /api/v1/devices/presence``,
docs/kiosk.md). The kiosk only does arithmetic on it:

    headroom left (room) = server headroom (room) - this kiosk's check-ins into that room that the
                           server's last presence answer does not yet show

and warns when the children being checked in into a room outnumber what is left. The warning
never stops a check-in: a child is never refused at the door for a staffing problem, and the
server opens the breach (and alerts the director) when the event arrives.

Rooms are matched by name (``RosterChild.room`` is the room's name). A child without a room, a room
the server did not list, or a server that sends no ``rooms`` (older server) gives no warning.
Check-outs are not added back (a conservative kiosk warns a little too often rather than too
rarely), and the last answer stays in use while offline, until the next day.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devices.wire.roster import RosterChild
from kiosk.presence import parse_instant

log = logging.getLogger(__name__)


def ratio_message(room: str) -> tuple[str, str]:
    """``(zh, en)`` of the amber warning for one room."""
    return (f"{room} 将超出师幼比或班额，请通知园长",
            f"{room} will be out of ratio or over its size limit — please tell the director")


def parse_room_headroom(body: Mapping[str, Any]) -> dict[str, int] | None:
    """``{room name: headroom}`` from a presence answer; None when it has no usable ``rooms``."""
    rooms = body.get("rooms")
    if rooms is None:
        return None  # an older server: no warning rather than a guess
    headroom: dict[str, int] = {}
    try:
        for room in rooms:
            name, left = room["name"], room["headroom"]
            if not isinstance(name, str) or not name or isinstance(left, bool) or not isinstance(left, int):
                raise ValueError(f"room {room!r}")
            # Two rooms of one name cannot be told apart on a roster: take the stricter.
            headroom[name] = min(max(0, left), headroom.get(name, max(0, left)))
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("rooms in the presence answer unreadable (%s); no ratio warnings", exc)
        return None
    return headroom


def headroom_left(server: Mapping[str, int], uncounted_rooms: Iterable[str]) -> dict[str, int]:
    """The server's headroom less this kiosk's check-ins it has not counted yet (never below 0)."""
    pending = Counter(uncounted_rooms)
    return {room: max(0, left - pending[room]) for room, left in server.items()}


@dataclass(frozen=True)
class RoomHeadroom:
    """One room some offered children belong to, and how many more it takes."""

    room: str
    headroom: int
    children: tuple[int, ...]
    """The offered check-in children of this room (the UI counts those ticked)."""

    def arriving(self, selected: Collection[int]) -> int:
        """How many of ``selected`` go into this room."""
        return sum(1 for child in self.children if child in selected)

    def breached_by(self, selected: Collection[int]) -> bool:
        """Whether checking in ``selected`` would take the room past its headroom."""
        return self.arriving(selected) > self.headroom

    def as_json(self) -> dict[str, Any]:
        zh, en = ratio_message(self.room)
        return {"room": self.room, "headroom": self.headroom, "children": list(self.children),
                "message_zh": zh, "message_en": en}


@dataclass(frozen=True)
class RatioAdvice:
    """What the screen needs: the rooms at stake and the children (to be) checked in."""

    rooms: tuple[RoomHeadroom, ...] = ()
    selected: frozenset[int] = frozenset()

    def warnings(self) -> list[RoomHeadroom]:
        """Rooms the selection would take out of ratio or over the cap."""
        return [room for room in self.rooms if room.breached_by(self.selected)]

    def as_json(self) -> dict[str, Any]:
        """``rooms`` (the confirm screen recounts them as ticks change) and ``warnings`` for ``selected``."""
        return {"rooms": [room.as_json() for room in self.rooms],
                "warnings": [dict(room.as_json(), arriving=room.arriving(self.selected)) for room in self.warnings()]}


NO_ADVICE = RatioAdvice()


class RatioWatch:
    """The server's last room headroom and this kiosk's check-ins since that the server has not seen."""

    def __init__(self) -> None:
        self.server_headroom: dict[str, int] | None = None
        self._uncounted: dict[int, tuple[str, datetime]] = {}
        """Child id -> (room, check-in time) of this kiosk's check-ins the server did not show yet."""

    def clear(self) -> None:
        """A new day: yesterday's rooms and check-ins say nothing about today."""
        self.server_headroom, self._uncounted = None, {}

    def take_server(self, body: Mapping[str, Any]) -> None:
        """A presence answer (already checked to be about today): new headroom, drop what it counts."""
        self.server_headroom = parse_room_headroom(body)
        try:
            moves = {int(m["id"]): (bool(m["inside"]), parse_instant(m["at"])) for m in body["children"]}
        except (KeyError, TypeError, ValueError):
            return  # Presence.merge_server logs it; keep counting our own check-ins
        for child, (_room, at) in list(self._uncounted.items()):
            move = moves.get(child)
            # Shown inside: the server counts the child in its headroom. Shown outside since: the
            # child left through another door. Either way it no longer takes a place here.
            if move is not None and (move[0] or move[1] >= at):
                del self._uncounted[child]

    def checked_in(self, children: Iterable[RosterChild], at: datetime) -> None:
        """Children checked in here at ``at`` (the scan time their event carries)."""
        for child in children:
            if child.room:
                self._uncounted[child.id] = (child.room, at)

    def checked_out(self, child_ids: Iterable[int]) -> None:
        """Children checked out here: a check-in not counted yet no longer takes a place."""
        for child in child_ids:
            self._uncounted.pop(child, None)

    def headroom(self) -> dict[str, int] | None:
        """Each room's headroom left now, None without a server answer that lists rooms."""
        if self.server_headroom is None:
            return None
        return headroom_left(self.server_headroom, (room for room, _ in self._uncounted.values()))

    def advise(self, offered: Iterable[RosterChild], selected: Collection[int]) -> RatioAdvice:
        """The rooms of the ``offered`` check-in children that the server knows, with ``selected`` ticked."""
        left = self.headroom()
        if left is None:
            return NO_ADVICE
        by_room: dict[str, list[int]] = {}
        for child in offered:
            if child.room in left:
                by_room.setdefault(child.room, []).append(child.id)
        rooms = tuple(RoomHeadroom(room, left[room], tuple(ids)) for room, ids in sorted(by_room.items()))
        return RatioAdvice(rooms, frozenset(selected))
