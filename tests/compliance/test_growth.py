"""Growth z-scores against the WHO Child Growth Standards (2006) as published, and the classification cut-offs.

The reference figures are WHO's simplified field tables ("Weight-for-age BOYS / GIRLS, birth to 5 years
(z-scores)", "Length/height-for-age BOYS, birth to 2 years (z-scores)", "Head circumference-for-age BOYS,
birth to 5 years (z-scores)"; WHO Child Growth Standards, Geneva 2006): each cell is printed to 0.1 kg or 0.1 cm,
so the true value lies within ±0.05 of it and the z-score there must bracket the table's SD line.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from care_health_factories import RULES
from hypothesis import given
from hypothesis import strategies as st

from compliance.health import (
    ChildHealthRecord,
    GrowthMeasurementRecord,
    GrowthStatus,
    Indicator,
    assess,
    classify,
    z_scores,
)
from compliance.rulebook import effective_rulebook

BORN = date(2023, 1, 1)
AGES = {0: BORN, 12: date(2024, 1, 1), 24: date(2025, 1, 1)}
HALF = Decimal("0.05")
SLACK = Decimal("0.01")  # the package gives z to 0.01

# (sex, months, −2 SD, median, +2 SD), weight-for-age in kg.
WEIGHT_FOR_AGE = [
    ("male", 0, "2.5", "3.3", "4.4"),
    ("male", 12, "7.7", "9.6", "12.0"),
    ("male", 24, "9.7", "12.2", "15.3"),
    ("female", 0, "2.4", "3.2", "4.2"),
    ("female", 12, "7.0", "8.9", "11.5"),
    ("female", 24, "9.0", "11.5", "14.8"),
]


def _z(sex: str, months: int, indicator: Indicator, value: Decimal) -> Decimal:
    kwargs = {Indicator.WEIGHT_FOR_AGE: "weight_kg", Indicator.LENGTH_FOR_AGE: "height_cm",
              Indicator.HEAD_FOR_AGE: "head_cm"}[indicator]
    return z_scores(sex, BORN, AGES[months], **{kwargs: value}, recumbent=True)[indicator]


def _brackets(sex: str, months: int, indicator: Indicator, printed: str, line: int) -> None:
    value = Decimal(printed)
    low, high = _z(sex, months, indicator, value - HALF), _z(sex, months, indicator, value + HALF)
    assert low - SLACK <= line <= high + SLACK, (sex, months, printed, low, high)


@pytest.mark.parametrize(("sex", "months", "minus2", "median", "plus2"), WEIGHT_FOR_AGE)
def test_weight_for_age_matches_the_who_table(sex: str, months: int, minus2: str, median: str, plus2: str) -> None:
    for printed, line in ((minus2, -2), (median, 0), (plus2, 2)):
        _brackets(sex, months, Indicator.WEIGHT_FOR_AGE, printed, line)


@pytest.mark.parametrize(("months", "minus2", "median", "plus2"), [(0, "46.1", "49.9", "53.7"), (12, "71.0", "75.7", "80.5")])
def test_length_for_age_of_boys_matches_the_who_table(months: int, minus2: str, median: str, plus2: str) -> None:
    for printed, line in ((minus2, -2), (median, 0), (plus2, 2)):
        _brackets("male", months, Indicator.LENGTH_FOR_AGE, printed, line)


@pytest.mark.parametrize(("months", "minus2", "median", "plus2"), [(0, "31.9", "34.5", "37.0"), (12, "43.5", "46.1", "48.6")])
def test_head_circumference_of_boys_matches_the_who_table(months: int, minus2: str, median: str, plus2: str) -> None:
    for printed, line in ((minus2, -2), (median, 0), (plus2, 2)):
        _brackets("male", months, Indicator.HEAD_FOR_AGE, printed, line)


def test_a_full_measurement_gives_all_five_indicators() -> None:
    z = z_scores("male", BORN, AGES[12], weight_kg=Decimal("9.6"), height_cm=Decimal("75.7"), head_cm=Decimal("46.1"))
    assert set(z) == set(Indicator)
    assert all(abs(v) < Decimal("0.2") for v in z.values())


def test_a_newborn_is_charted_and_a_length_outside_the_table_is_left_out() -> None:
    z = z_scores("female", BORN, BORN, weight_kg=Decimal("3.2"), height_cm=Decimal("30"))
    assert Indicator.WEIGHT_FOR_AGE in z and Indicator.WEIGHT_FOR_LENGTH not in z


def test_standing_height_under_two_is_read_as_length() -> None:
    lying = z_scores("male", BORN, AGES[12], height_cm=Decimal("75.0"), recumbent=True)
    standing = z_scores("male", BORN, AGES[12], height_cm=Decimal("74.3"), recumbent=False)
    assert lying[Indicator.LENGTH_FOR_AGE] == standing[Indicator.LENGTH_FOR_AGE]


def test_a_measurement_before_birth_is_refused() -> None:
    with pytest.raises(ValueError, match="before birth"):
        z_scores("male", BORN, date(2022, 12, 31), weight_kg=Decimal(3))


def test_classification_uses_the_rulebook_cut_offs() -> None:
    z = {Indicator.WEIGHT_FOR_AGE: Decimal("-2.5"), Indicator.LENGTH_FOR_AGE: Decimal("-3.1"),
         Indicator.WEIGHT_FOR_LENGTH: Decimal("2.5"), Indicator.HEAD_FOR_AGE: Decimal("-2.01")}
    assert classify(z, RULES) == (GrowthStatus.UNDERWEIGHT, GrowthStatus.SEVERELY_STUNTED, GrowthStatus.OVERWEIGHT,
                                  GrowthStatus.SMALL_HEAD)
    strict = effective_rulebook(None, {"health.growth_screening": {"overweight": 1, "obesity": 2}}, date(2025, 6, 1))
    assert GrowthStatus.OBESE in classify(z, strict)
    assert classify({Indicator.WEIGHT_FOR_AGE: Decimal("-2")}, RULES) == ()  # on the line is not below it


def test_names_follow_the_chinese_norm() -> None:
    assert [s.zh for s in (GrowthStatus.UNDERWEIGHT, GrowthStatus.STUNTED, GrowthStatus.WASTED,
                           GrowthStatus.OVERWEIGHT, GrowthStatus.OBESE)] == ["低体重", "生长迟缓", "消瘦", "超重", "肥胖"]


def test_assess_charts_a_child_record() -> None:
    child = ChildHealthRecord(7, "female", BORN)
    light = GrowthMeasurementRecord(1, 7, AGES[12], height_cm=Decimal("74.0"), weight_kg=Decimal("6.8"))
    result = assess(child, light, RULES)
    assert result.age_days == 365
    assert GrowthStatus.UNDERWEIGHT in result.statuses or GrowthStatus.SEVERELY_UNDERWEIGHT in result.statuses


@given(st.decimals(min_value=Decimal("6"), max_value=Decimal("14"), places=1))
def test_heavier_never_lowers_weight_for_age(weight: Decimal) -> None:
    lighter = z_scores("male", BORN, AGES[12], weight_kg=weight)[Indicator.WEIGHT_FOR_AGE]
    heavier = z_scores("male", BORN, AGES[12], weight_kg=weight + Decimal("0.1"))[Indicator.WEIGHT_FOR_AGE]
    assert heavier >= lighter
