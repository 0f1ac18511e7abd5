"""What every care operation shares: the child asked about, the moment an entry is for, the centre's rulebook."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from compliance import Rulebook
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Room
from server.centre.operations import centre_by_id
from server.centre.rules import effective_rules
from server.centre.timezones import centre_zone
from server.database import db
from server.errors import NotFound, ProblemCollector
from server.people.models import Child
from server.people.operations import get_child

# A tablet's clock may run a little ahead of the server's; an entry made offline arrives later (the tablet
# keeps its queue as long as the server keeps the answers to its idempotency keys, server/idempotency.KEEP_FOR).
# The care log, naps and outdoor days all take entries this far back, no further.
CLOCK_SKEW = timedelta(minutes=5)
OLDEST_ENTRY = timedelta(days=7)
MAX_TEXT = 500


def care_child(child_id: int, perm: Perm, *, actor: Actor, now: datetime) -> Child:
    """A child the actor may see (guardians only their own) and holds `perm` for, at the child's centre."""
    child = get_child(child_id, actor=actor, now=now, log=False)
    authorise(actor, perm, child.centre_id, now)
    return child


def care_room(room_id: int, perm: Perm, *, actor: Actor, now: datetime) -> Room:
    """A class of a centre where the actor holds `perm` over every child (CHILDREN_ALL: staff, never a guardian).

    A room's records (its naps, its outdoor time) are many children's at once: a guardian, who holds CARE_READ for
    their own children only, is refused here even for their own child's class.
    """
    room = db.session.get(Room, room_id)
    if room is None:
        raise NotFound()
    authorise(actor, perm, room.centre_id, now)
    authorise(actor, Perm.CHILDREN_ALL, room.centre_id, now)
    return room


def local_day(centre_id: int, at: datetime) -> date:
    """The centre's local date of an instant."""
    return at.astimezone(centre_zone(centre_by_id(centre_id))).date()


def rules_on(centre_id: int, day: date) -> Rulebook:
    return effective_rules(centre_by_id(centre_id), day)


def entry_time(at: datetime | None, now: datetime, problems: ProblemCollector, field: str = "at") -> datetime:
    """When an entry happened: now by default; a tablet's time may be earlier (sent late), never ahead."""
    if at is None:
        return now
    if at > now + CLOCK_SKEW:
        problems.add("in_future", _l("This time has not come yet"), field)
    elif at < now - OLDEST_ENTRY:
        problems.add("too_old", _l("This time is too long ago to record here"), field)
    return at


def clean_text(value: str | None, problems: ProblemCollector, field: str, *, required: bool = False,
               limit: int = MAX_TEXT) -> str:
    """A note or an action, trimmed; required ones must not be blank."""
    text = (value or "").strip()
    if required and not text:
        problems.add("required", _l("Required"), field)
    elif len(text) > limit:
        problems.add("too_long", _l("Too long"), field)
    return text
