"""The allergen catalogue (closed list) and the WHO reference curves of the growth charts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compliance.health.allergens import (
    AllergenCatalogueError,
    AllergenKind,
    allergen,
    allergen_catalogue,
    load_catalogue,
)
from compliance.health.growth import Indicator, reference_curves

GB7718_GROUPS = ("gluten_cereals", "crustaceans", "fish", "eggs", "peanuts", "soy", "milk", "tree_nuts")


def test_the_eight_food_groups_of_gb_7718_2025_are_listed_with_their_citation() -> None:
    catalogue = allergen_catalogue()
    for code in GB7718_GROUPS:
        entry = catalogue[code]
        assert entry.kind is AllergenKind.FOOD
        assert "GB 7718—2025" in entry.source.document
        assert entry.zh and entry.en


def test_common_drug_allergens_and_other_foods_are_there() -> None:
    catalogue = allergen_catalogue()
    assert {"penicillins", "cephalosporins", "sulfonamides"} <= {c for c, a in catalogue.items()
                                                                  if a.kind is AllergenKind.DRUG}
    assert catalogue["sesame"].kind is AllergenKind.FOOD
    assert all(a.source.confidence in ("N", "S") for a in catalogue.values())


def test_lookup_ignores_case_and_spaces_and_knows_no_free_text() -> None:
    assert allergen(" Peanuts ") is not None
    assert allergen("花生") is None
    assert allergen("") is None


def test_a_broken_catalogue_is_refused_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "allergens.yaml"
    path.write_text("kind: allergen_catalogue\ncitations:\n  a: {document: d, article: x, confidence: N}\n"
                    "allergens:\n  Bad-Code: {zh: 甲, en: A, kind: food, cite: a}\n"
                    "  nuts: {zh: 坚果, en: Nuts, kind: snack, cite: a}\n"
                    "  milk: {zh: 乳, en: Milk, kind: food, cite: nowhere}\n", encoding="utf-8")
    with pytest.raises(AllergenCatalogueError) as refused:
        load_catalogue(path)
    text = str(refused.value)
    assert "Bad-Code" in text and "snack" in text and "nowhere" in text


# WHO Child Growth Standards (2006), published tables (simplified field tables, z-scores):
# (one decimal; the curves are computed from the LMS values of pygrowup's bundled tables)
#   boys weight-for-age at birth: −2 SD 2.5 kg, median 3.3 kg, +2 SD 4.4 kg; at 12 months 7.7 / 9.6 / 12.0 kg
#   girls length-for-age at birth: −2 SD 45.4 cm, median 49.1 cm, +2 SD 52.9 cm; at 24 months 80.0 / 86.4 / 92.9
#   girls weight-for-length at 80.0 cm: −2 SD 8.5 kg, median 10.1 kg, +2 SD 12.1 kg
#   boys head circumference-for-age at birth: −2 SD 31.9 cm, median 34.5 cm, +2 SD 37.0 cm
@pytest.mark.parametrize(("indicator", "sex", "x", "expected"), [
    (Indicator.WEIGHT_FOR_AGE, "male", 0, (2.5, 3.3, 4.4)),
    (Indicator.WEIGHT_FOR_AGE, "male", 365, (7.7, 9.6, 12.0)),
    (Indicator.LENGTH_FOR_AGE, "female", 0, (45.4, 49.1, 52.9)),
    (Indicator.LENGTH_FOR_AGE, "female", 730, (80.0, 86.4, 92.9)),
    (Indicator.WEIGHT_FOR_LENGTH, "female", Decimal("80.0"), (8.5, 10.1, 12.1)),
    (Indicator.HEAD_FOR_AGE, "male", 0, (31.9, 34.5, 37.0)),
])
def test_reference_curves_match_the_who_published_tables(indicator: Indicator, sex: str, x: object,
                                                          expected: tuple[float, float, float]) -> None:
    curves = reference_curves(indicator, sex, [x])  # type: ignore[list-item]
    got = (curves[-2][0], curves[0][0], curves[2][0])
    assert all(v is not None for v in got)
    # the published tables give one decimal: each value within half a unit of it (and the curves' rounding)
    assert all(abs(v - e) <= 0.051 for v, e in zip(got, expected, strict=True))  # type: ignore[operator]


def test_curves_leave_gaps_outside_the_tables_and_order_the_lines() -> None:
    curves = reference_curves(Indicator.WEIGHT_FOR_LENGTH, "male", [Decimal(30), Decimal("75.5")])
    assert curves[0][0] is None and curves[0][1] is not None
    assert curves[-2][1] < curves[0][1] < curves[2][1]  # type: ignore[operator]
    standing = reference_curves(Indicator.WEIGHT_FOR_LENGTH, "male", [Decimal(100)], standing=True)
    assert standing[0][0] is not None
    assert reference_curves(Indicator.WEIGHT_FOR_AGE, "女", [0])[0][0] == reference_curves(
        Indicator.WEIGHT_FOR_AGE, "female", [0])[0][0]
