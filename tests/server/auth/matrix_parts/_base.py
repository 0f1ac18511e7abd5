"""What a part of the policy matrix declares: each route's need, and the context its objects are built in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.auth.roles import Perm
from server.fleet.policy import Feed


@dataclass(frozen=True)
class Need:
    """What a route requires. `family`: a guardian passes for their own family's objects only; `also`: a second
    permission the route needs besides `perm` (e.g. CHILDREN_ALL: a whole room's records, never a guardian's)."""

    kind: str  # perm | room | guardian | user | public | device | events | own_pass | demo
    perm: Perm | None = None
    feed: Feed | None = None
    family: bool = False
    also: Perm | None = None


def perm(p: Perm, *, family: bool = False) -> Need:
    return Need("perm", perm=p, family=family)


def staff_only(p: Perm) -> Need:
    """`p` over many children at once (a room's, the centre's): staff who hold it; a guardian never."""
    return Need("perm", perm=p, also=Perm.CHILDREN_ALL)


def guardian_only(p: Perm) -> Need:
    """A family's own page (server/family): a guardian holding `p`, for their own children; staff never, even
    the director who holds every permission (they read a child's day on the room tablet)."""
    return Need("guardian", perm=p)


def room(p: Perm) -> Need:
    """A room's own screen: the permission, and the room must be the caller's (server/tablet/access.py).

    Directors and 保健员 open every room; a caregiver only the rooms she works in today, and the matrix's
    caregiver has no staff record, so none.
    """
    return Need("room", perm=p)


USER, PUBLIC, EVENTS, OWN_PASS, DEMO = Need("user"), Need("public"), Need("events"), Need("own_pass"), Need("demo")


def feed(f: Feed) -> Need:
    return Need("device", feed=f)


@dataclass(frozen=True)
class PartContext:
    """One family of one centre, as the matrix and the isolation test build it; a part adds its objects to it.

    `child` is the family's child (in `room`), `contact` its guardian, `staff` a caregiver of the centre;
    `other_room` is a second class of the centre; `tag` and `n` make names unique.
    """

    centre: Any
    room: Any
    other_room: Any
    child: Any
    contact: Any
    staff: Any
    now: datetime
    tag: str
    n: int
