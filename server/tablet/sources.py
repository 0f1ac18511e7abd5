"""What the board reads from the domains below, one function each, so the composition names its sources once.

care: `care.board.child_states`; medication: `doses_due` and the requests `awaiting_signature`; health:
`morning_status`, `active_allergies` and the allergen list. None of them authorises: the board has checked the room (and HEALTH_READ for the health parts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Any

from compliance.health.allergens import AllergenKind
from server.care.board import ChildCareState, child_states, room_outdoor_today
from server.care.medication.due import DueDose
from server.care.medication.due import doses_due as _doses_due
from server.care.medication.requests import waiting_requests as _waiting_requests
from server.centre.models import Centre
from server.health.checks.operations import fever_threshold, open_screens, screen_is_abnormal
from server.health.checks.operations import morning_status as _morning_status
from server.health.profile.operations import AllergyBadge, allergen_catalogue
from server.health.profile.operations import active_allergies as _active_allergies


def care_states(child_ids: list[int], now: datetime) -> dict[int, ChildCareState]:
    """Each child's care state now (asleep since, next nap check, last meal, bottle, water, diaper)."""
    return child_states(child_ids, now) if child_ids else {}


def doses_due(child_ids: list[int], now: datetime) -> dict[int, list[DueDose]]:
    """Each child's doses of today against a signed consent (given or not)."""
    return _doses_due(child_ids, now) if child_ids else {}


def awaiting_signature(child_ids: list[int], day: date) -> dict[int, list[dict[str, Any]]]:
    """Each child's medication requests waiting for a guardian's signature: the drug and since when."""
    if not child_ids:
        return {}
    return {child_id: [{"request_id": r.id, "drug": r.drug, "since": r.created_at} for r in rows]
            for child_id, rows in _waiting_requests(child_ids, day).items()}


def morning_status(child_ids: list[int], day: date) -> dict[int, str]:
    """Each child's 晨检 today: done | abnormal | screened | missing."""
    return _morning_status(child_ids, day) if child_ids else {}


def abnormal_screens(child_ids: list[int], centre: Centre, day: date) -> dict[int, str | None]:
    """The children whose open kiosk screen today found a fever or 手口眼 not right, with the reading (°C, text).

    Read only, through the health domain's own judgement (`screen_is_abnormal` against the rulebook's fever
    figure): the board shows these first, in red, until the 保健员 completes the morning check.
    """
    if not child_ids:
        return {}
    threshold = fever_threshold(centre, day)
    return {child_id: (str(row.temperature) if row.temperature is not None else None)
            for child_id, row in open_screens(child_ids, day).items() if screen_is_abnormal(row, threshold)}


def active_allergies(child_ids: list[int], day: date) -> dict[int, list[AllergyBadge]]:
    """Each child's allergies in force (code, labels, severity), most severe first."""
    return _active_allergies(child_ids, day) if child_ids else {}


def outdoor_today(room_id: int, day: date) -> dict[str, Any]:
    """The class's outdoor minutes today against the rule (required None when not binding), and any exemption."""
    spent = room_outdoor_today(room_id, day)
    return {"minutes": spent.minutes, "required": spent.required, "met": spent.met, "exemption": spent.exemption}


def food_allergens() -> list[dict[str, str]]:
    """The closed list of food allergen groups a meal or bottle may name (code and both labels)."""
    return [{"code": a.code, "label_zh": a.zh, "label_en": a.en}
            for a in allergen_catalogue().values() if a.kind is AllergenKind.FOOD]


def value(item: Any, names: Iterable[str]) -> dict[str, Any]:
    """The named fields of a domain's record (a dataclass or a dict), missing ones as None."""
    fields = asdict(item) if is_dataclass(item) and not isinstance(item, type) else dict(item)
    return {name: fields.get(name) for name in names}
