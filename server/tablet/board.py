"""The room's board: every child present in the room with their state at a glance, as plain JSON data.

Composed of attendance (who is in the room now, the room's ratio), care (naps and their next patrol check,
the last meal, bottle, water, diaper), medication (doses due) and health (晨检 today, allergies). The health
parts are left out for a reader without the health permission; the caller logs the read when they are in.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from flask import current_app
from sqlalchemy import select

from compliance.care import patrol_interval
from server.attendance.rooms.operations import live
from server.centre.models import Centre, Room
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.database import db
from server.people.models import Child
from server.tablet import sources

CARE_FIELDS = ("asleep_since", "nap_id", "next_check_due", "check_overdue", "last_meal_at", "last_meal_share",
               "last_bottle_at", "last_bottle_ml", "last_water_at", "last_diaper_at", "last_diaper_kind")
DOSE_FIELDS = ("consent_id", "drug", "dose", "unit", "route", "due_at", "given")
ALLERGY_FIELDS = ("code", "label_zh", "label_en", "severity")
# How long before a nap check falls due the tablet starts announcing it (a screen setting, not a rule figure).
DEFAULT_DUE_SOON_S = 120


def plain(value: Any) -> Any:
    """A JSON-ready value: times in ISO 8601 (UTC), enums by value, decimals and other scalars as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def children_in_room(room: Room, now: datetime) -> list[Child]:
    """The children checked in whose latest move puts them in this room, by name."""
    ids = [c for c, r in live.whereabouts(room.centre_id, now).children.items() if r == room.id]
    if not ids:
        return []
    return list(db.session.execute(select(Child).where(Child.id.in_(ids)).order_by(Child.name, Child.id)).scalars())


def _age_months(child: Child, day: Any) -> int:
    return (day.year - child.born_on.year) * 12 + day.month - child.born_on.month - (day.day < child.born_on.day)


def room_board(room: Room, *, now: datetime, include_health: bool) -> dict[str, Any]:
    """The board of one room now: the room (ratio, patrol interval) and a card per child present."""
    centre = db.session.get(Centre, room.centre_id)
    assert centre is not None
    today = centre_today(centre, now)
    children = children_in_room(room, now)
    ids = [c.id for c in children]
    care = sources.care_states(ids, now)
    health = {"allergies": sources.active_allergies(ids, today), "morning": sources.morning_status(ids, today),
              "screens": sources.abnormal_screens(ids, centre, today),
              "doses": sources.doses_due(ids, now),
              "requests": sources.awaiting_signature(ids, today)} if include_health else None
    cards = []
    for child in children:
        card: dict[str, Any] = {"id": child.id, "name": child.name, "age_months": _age_months(child, today)}
        state = care.get(child.id)
        card.update(plain(sources.value(state, CARE_FIELDS)) if state is not None else dict.fromkeys(CARE_FIELDS))
        if health is not None:
            card["morning_check"] = health["morning"].get(child.id)
            if card["morning_check"] == "screened" and child.id in health["screens"]:
                # A fever or 手口眼 not right at the door: red, first, until the 保健员 has looked.
                card["morning_check"] = "screened_abnormal"
                card["screen_temperature"] = health["screens"][child.id]
            card["allergies"] = [plain(sources.value(a, ALLERGY_FIELDS)) for a in health["allergies"].get(child.id, [])]
            card["doses_due"] = [plain(sources.value(d, DOSE_FIELDS)) for d in health["doses"].get(child.id, [])]
            card["awaiting_signature"] = plain(health["requests"].get(child.id, []))
        cards.append(card)
    # An abnormal door screen first, then overdue nap checks, then the next check due, then everyone by name.
    cards.sort(key=lambda c: (c.get("morning_check") != "screened_abnormal", not c["check_overdue"],
                              c["next_check_due"] is None, c["next_check_due"] or ""))
    status = next((s for s in live.statuses(room.centre_id) if s.room_id == room.id), None)
    interval = patrol_interval(effective_rules(centre, today))
    return {
        "room": {"id": room.id, "name": room.name, "class_type": plain(room.class_type)},
        "at": now.isoformat(),
        "day": today.isoformat(),
        "health": include_health,
        "patrol_interval_s": int(interval.total_seconds()) if interval else None,
        "due_soon_s": int(current_app.config.get("TABLET_DUE_SOON_S", DEFAULT_DUE_SOON_S)),
        "ratio": {"state": status.state if status else "ok", "children": status.children if status else 0,
                  "caregivers": status.caregivers if status else 0,
                  "under_staffed": bool(status and status.under_staffed),
                  "caregivers_needed": status.caregivers_needed if status else 0},
        "outdoor": sources.outdoor_today(room.id, today),
        "children": cards,
    }
