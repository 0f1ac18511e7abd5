"""Ratio and class-size rules at every boundary (托育机构设置标准（试行）)."""

from __future__ import annotations

from datetime import date

import pytest

from compliance import ClassType, effective_rulebook
from compliance.ratios import RatioState, governing_class_type, room_ratio

RULES = effective_rulebook(None, None, date(2026, 9, 1))
TODDLERS = 18  # months: a 托小班 child


def test_toddler_class_of_15_with_3_caregivers_is_within_limits_but_near_them():
    verdict = room_ratio(ClassType.TUOXIAOBAN, [TODDLERS] * 15, 3, RULES)
    assert (verdict.state, verdict.over_cap, verdict.under_staffed) == (RatioState.NEAR_LIMIT, False, False)


def test_toddler_class_of_16_is_over_its_cap():
    verdict = room_ratio(ClassType.TUOXIAOBAN, [TODDLERS] * 16, 4, RULES)
    assert (verdict.state, verdict.over_cap) == (RatioState.BREACH, True)


def test_11_toddlers_with_2_caregivers_breach_the_ratio():
    verdict = room_ratio(ClassType.TUOXIAOBAN, [TODDLERS] * 11, 2, RULES)
    assert (verdict.state, verdict.caregivers_needed) == (RatioState.BREACH, 3)


def test_10_toddlers_with_2_caregivers_are_near_the_limit():
    assert room_ratio(ClassType.TUOXIAOBAN, [TODDLERS] * 10, 2, RULES).state is RatioState.NEAR_LIMIT


def test_8_toddlers_with_3_caregivers_are_ok():
    assert room_ratio(ClassType.TUOXIAOBAN, [TODDLERS] * 8, 3, RULES).state is RatioState.OK


def test_an_infant_in_an_older_class_brings_the_infant_ratio():
    verdict = room_ratio(ClassType.TUODABAN, [30] * 5 + [10], 2, RULES)
    assert (verdict.ratio_rule_id, verdict.state) == ("ratio.ruerban", RatioState.NEAR_LIMIT)


def test_older_children_never_loosen_the_rooms_own_ratio():
    assert governing_class_type(ClassType.RUERBAN, [30, 32], RULES) is ClassType.RUERBAN


def test_a_mixed_class_takes_the_youngest_childs_rule_when_stricter():
    assert governing_class_type(ClassType.HUNHEBAN, [10, 30], RULES) is ClassType.RUERBAN


def test_a_family_point_keeps_its_own_rule():
    verdict = room_ratio(ClassType.JIATING, [8, 20, 30, 34], 1, RULES)
    assert (verdict.ratio_rule_id, verdict.state) == ("ratio.jiating", RatioState.BREACH)


def test_an_empty_room_is_ok():
    assert room_ratio(ClassType.TUOXIAOBAN, [], 0, RULES).state is RatioState.OK


def test_negative_caregivers_are_refused():
    with pytest.raises(ValueError):
        room_ratio(ClassType.TUOXIAOBAN, [TODDLERS], -1, RULES)
