"""Staff-to-child ratios and class-size caps of one room, from who is present / 师幼比与班额.

托育机构设置标准（试行）: each class type has a size cap and a minimum of caregivers per child
(rules `class_size.*` and `ratio.*` of the rulebook). In a room where ages mix, the rule of the
youngest child present applies, never looser than the room's own class type. A room is
*near its limit* when one more child, or one caregiver leaving, would breach.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from compliance.records import ClassType
from compliance.rulebook.model import Rulebook

# The age-banded class types, youngest first; mixed classes and family points keep their own rule.
AGE_BANDED = (ClassType.RUERBAN, ClassType.TUOXIAOBAN, ClassType.TUODABAN)


class RatioState(StrEnum):
    """How a room stands: within its limits, one step from them, or over them."""

    OK = "ok"
    NEAR_LIMIT = "near_limit"
    BREACH = "breach"


@dataclass(frozen=True)
class RoomRatio:
    """The verdict for one room at one moment, with the numbers behind it."""

    state: RatioState
    ratio_rule_id: str  # the ratio that governed (the youngest child's, or the room's)
    cap_rule_id: str
    children: int
    caregivers: int
    max_children: int  # the class-size cap of the room's type
    children_per_caregiver: Decimal
    caregivers_needed: int
    over_cap: bool
    under_staffed: bool


def _per_caregiver(rules: Rulebook, class_type: ClassType) -> Decimal:
    return rules[f"ratio.{class_type.value}"].value("max_children_per_caregiver")


def governing_class_type(room_type: ClassType, ages_months: Sequence[int], rules: Rulebook) -> ClassType:
    """The class type whose ratio applies: the youngest child's band, if stricter than the room's."""
    if not ages_months or (room_type not in AGE_BANDED and room_type is not ClassType.HUNHEBAN):
        return room_type
    youngest = min(ages_months)
    band = AGE_BANDED[0]
    for candidate in AGE_BANDED:
        if youngest >= rules[f"age_band.{candidate.value}"].value("min_age"):
            band = candidate  # the oldest band the youngest child has reached
    return band if _per_caregiver(rules, band) < _per_caregiver(rules, room_type) else room_type


def room_ratio(room_type: ClassType, ages_months: Sequence[int], caregivers: int, rules: Rulebook) -> RoomRatio:
    """Judge one room from the ages (in months) of the children present and the caregivers counted there."""
    if caregivers < 0:
        raise ValueError("caregivers cannot be negative")
    governing = governing_class_type(room_type, ages_months, rules)
    per = _per_caregiver(rules, governing)
    cap = int(rules[f"class_size.{room_type.value}"].value("max_children"))
    children = len(ages_months)

    def needed(n: int) -> int:
        return math.ceil(Decimal(n) / per) if n else 0

    over_cap = children > cap
    under_staffed = caregivers < needed(children)
    if over_cap or under_staffed:
        state = RatioState.BREACH
    elif children and (children + 1 > cap or needed(children + 1) > caregivers or needed(children) > caregivers - 1):
        state = RatioState.NEAR_LIMIT
    else:
        state = RatioState.OK
    return RoomRatio(state, f"ratio.{governing.value}", f"class_size.{room_type.value}", children, caregivers, cap,
                     per, needed(children), over_cap, under_staffed)
