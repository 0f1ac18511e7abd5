"""The state of each child for the room tablet: asleep since, the next nap check, the last meal, bottle, water, diaper.

No authorisation here: the tablet's board (H6) has checked CARE_READ for the room before it asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from server.care.models import CareEntry, CareKind
from server.care.operations.log import standing
from server.care.operations.naps import nap_states, open_naps
from server.care.operations.outdoor import OutdoorDay, outdoor_day
from server.centre.models import Centre, Room
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import Child


@dataclass(frozen=True)
class ChildCareState:
    """One child's care at a glance (None: nothing of that kind yet today)."""

    child_id: int
    asleep_since: datetime | None = None
    nap_id: int | None = None
    next_check_due: datetime | None = None
    check_overdue: bool = False
    last_meal_at: datetime | None = None
    last_meal_share: str | None = None
    last_bottle_at: datetime | None = None
    last_bottle_ml: int | None = None
    last_water_at: datetime | None = None
    last_diaper_at: datetime | None = None
    last_diaper_kind: str | None = None


def _day_start(centre_id: int, now: datetime) -> datetime:
    centre = db.session.get(Centre, centre_id)
    assert centre is not None
    tz = centre_zone(centre)
    return datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)


def child_states(child_ids: Iterable[int], now: datetime) -> dict[int, ChildCareState]:
    """Every child asked for is a key; the rest is the centre's local today.

    Asleep means a nap without an end, started less than `PATROLLED_FOR` ago: the minute job's cutoff, so a nap
    nobody ended yesterday neither shows the child asleep (and overdue) today nor counts on the dashboard.
    """
    ids = list(dict.fromkeys(child_ids))
    if not ids:
        return {}
    values: dict[int, dict[str, object]] = {i: {} for i in ids}
    for state in nap_states(open_naps(now, ids), now):
        values[state.nap.child_id].update(asleep_since=state.nap.started_at, nap_id=state.nap.id,
                                          next_check_due=state.next_check_due, check_overdue=state.overdue)
    starts: dict[int, datetime] = {}
    by_centre: dict[int, datetime] = {}
    for child_id, centre_id in db.session.execute(select(Child.id, Child.centre_id).where(Child.id.in_(ids))):
        if centre_id not in by_centre:
            by_centre[centre_id] = _day_start(centre_id, now)
        starts[child_id] = by_centre[centre_id]
    earliest = min(starts.values(), default=now)
    rows = db.session.scalars(select(CareEntry).where(CareEntry.child_id.in_(ids), CareEntry.at >= earliest,
                                                      CareEntry.at <= now).order_by(CareEntry.at, CareEntry.id)).all()
    for entry in standing(rows):
        if entry.at < starts.get(entry.child_id, earliest):
            continue
        out = values[entry.child_id]
        if entry.kind is CareKind.MEAL:
            out.update(last_meal_at=entry.at, last_meal_share=_value(entry.share_eaten))
        elif entry.kind is CareKind.BOTTLE:
            out.update(last_bottle_at=entry.at, last_bottle_ml=entry.ml)
        elif entry.kind is CareKind.WATER:
            out.update(last_water_at=entry.at)
        elif entry.kind is CareKind.DIAPER:
            out.update(last_diaper_at=entry.at, last_diaper_kind=_value(entry.diaper_kind))
    return {i: ChildCareState(child_id=i, **values[i]) for i in ids}  # type: ignore[arg-type]


def _value(member: object) -> str | None:
    return None if member is None else str(getattr(member, "value", member))


def room_outdoor_today(room_id: int, day: date) -> OutdoorDay:
    """The class's outdoor minutes of `day` against the rule (required None when not binding), and any exemption."""
    room = db.session.get(Room, room_id)
    assert room is not None
    return outdoor_day(room, day)
