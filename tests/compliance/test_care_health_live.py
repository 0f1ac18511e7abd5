"""The small live questions the server asks, and the new rules as the rulebook states them.

Outdoor shortfall, today's 晨检, open follow-ups, allergy warnings.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from care_health_factories import RULES, at, health_check

from compliance.care import OutdoorExemptionRecord, OutdoorRecord, exemption_for, outdoor_minutes, outdoor_shortfall
from compliance.health import AllergyRecord, CheckKind, allergy_warnings, morning_check_of, open_follow_ups
from compliance.health.checks import follow_up_overdue
from compliance.rulebook import effective_rulebook

DAY = date(2025, 6, 3)


def test_outdoor_spells_add_up_and_the_shortfall_is_in_minutes() -> None:
    records = [OutdoorRecord(10, DAY, 45), OutdoorRecord(10, DAY, 30), OutdoorRecord(11, DAY, 200)]
    assert outdoor_minutes(records, 10, DAY) == 75
    assert outdoor_shortfall(records, 10, DAY, RULES) == 45
    assert outdoor_shortfall(records, 11, DAY, RULES) == 0
    assert outdoor_shortfall(records, 10, DAY, effective_rulebook(None, None, date(2011, 1, 1))) == 0


def test_a_centre_wide_exemption_covers_every_class() -> None:
    rain = OutdoorExemptionRecord(DAY, "暴雨")
    assert exemption_for([rain], 10, DAY) == rain and exemption_for([rain], 10, DAY + timedelta(days=1)) is None


def test_the_first_morning_check_of_the_day_is_found() -> None:
    noon, morning = health_check(1, DAY, CheckKind.NOON, hh=14), health_check(1, DAY, hh=8)
    assert morning_check_of([noon, morning], 1, DAY) == morning
    assert morning_check_of([noon], 1, DAY) is None


def test_open_follow_ups_and_the_limit_from_the_rules() -> None:
    open_one = health_check(1, DAY, abnormal=True)
    closed = health_check(2, DAY, abnormal=True, closed_after=timedelta(hours=2))
    assert open_follow_ups([open_one, closed, health_check(3, DAY)], at(DAY, 12)) == [open_one]
    assert follow_up_overdue(open_one, at(DAY, 8) + timedelta(days=1), RULES) is False
    assert follow_up_overdue(open_one, at(DAY, 8, 1) + timedelta(days=1), RULES) is True


def test_allergy_warnings_match_structured_allergens_in_force() -> None:
    peanut = AllergyRecord(1, 7, "peanut", "food", "severe", recorded_on=date(2025, 1, 1))
    milk = AllergyRecord(2, 7, "cow_milk", "food", "mild", recorded_on=date(2025, 1, 1), ended_on=date(2025, 5, 1))
    other = AllergyRecord(3, 8, "peanut", "food", "mild")
    assert allergy_warnings([peanut, milk, other], 7, ["Peanut", "cow_milk", "wheat"], DAY) == [peanut]


def test_the_new_rules_state_their_figures() -> None:
    figures = {
        "health.outbreak": {"min_cases": Decimal(2), "window_days": Decimal(7)},
        "health.entry_exam": {"max_absence": Decimal(3)},
        "health.follow_up": {"max_days": Decimal(1)},
        "health.growth_screening": {"undernutrition_moderate": Decimal(2), "undernutrition_severe": Decimal(3),
                                    "overweight": Decimal(2), "obesity": Decimal(3)},
    }
    for rule_id, values in figures.items():
        rule = RULES[rule_id]
        assert {name: rule.value(name) for name in values} == values
    for rule_id in ("care.nap_position", "care.medication_consent", "health.exclusion"):
        assert RULES[rule_id].citations
