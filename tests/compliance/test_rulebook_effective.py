"""The effective rulebook: overlays tighten, centre policy applies only when stricter (or configured in range)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from compliance.rulebook import (
    Direction,
    Parameter,
    PolicyError,
    RulebookError,
    effective_rulebook,
    format_rulebook,
    load_books,
    rulebook_version,
)
from compliance.rulebook.load import BOOK_DIR

ON = date(2025, 6, 30)


def test_region_none_gives_the_national_values() -> None:
    rules = effective_rulebook(None, None, ON)
    assert (rules["staff.certified_share"].value("min_share"), rules["staff.certified_share"].source) == (
        90, "national"
    )


def test_overlay_tightens_the_certified_share() -> None:
    rule = effective_rulebook("xinjiang-karamay", None, ON)["staff.certified_share"]
    assert (rule.value("min_share"), rule.source) == (100, "region:xinjiang-karamay")


def test_overlay_citation_comes_before_the_national_one() -> None:
    rule = effective_rulebook("hunan-shaoyang", None, ON)["staff.certified_share"]
    assert [c.seed.file[:3] for c in rule.citations if c.seed] == ["001", "003"]


def test_override_is_not_applied_before_its_effective_date() -> None:
    rule = effective_rulebook("xinjiang-karamay", None, date(2023, 1, 1))["staff.certified_share"]
    assert rule.value("min_share") == 90


def test_rule_is_absent_before_its_effective_date() -> None:
    assert "care.nap_patrol" not in effective_rulebook(None, None, date(2023, 12, 31))


def test_overlay_adds_a_regional_rule() -> None:
    assert effective_rulebook("shandong-weihai", None, ON)["fees.prepayment"].value("max_months") == 1


def test_regional_rule_is_absent_elsewhere() -> None:
    assert "fees.prepayment" not in effective_rulebook("ningxia", None, ON)


def test_unknown_region_is_refused() -> None:
    with pytest.raises(RulebookError, match="unknown region 'atlantis'"):
        effective_rulebook("atlantis", None, ON)


def test_stricter_centre_policy_replaces_the_rule() -> None:
    rule = effective_rulebook(None, {"class_size.tuoxiaoban": {"max_children": 12}}, ON)["class_size.tuoxiaoban"]
    assert (rule.value("max_children"), rule.source) == (12, "centre")


def test_looser_centre_policy_keeps_the_book_rule() -> None:
    rules = effective_rulebook(None, {"class_size.tuoxiaoban": {"max_children": 16}}, ON)
    assert (rules["class_size.tuoxiaoban"].value("max_children"), rules.policy_notes[0].rule_id) == (
        15, "class_size.tuoxiaoban"
    )


def test_policy_partly_stricter_partly_looser_keeps_the_book_rule_whole() -> None:
    policy = {"hygiene.ventilation": {"min_times": 3, "min_minutes_each": 5}}
    rule = effective_rulebook(None, policy, ON)["hygiene.ventilation"]
    assert (rule.value("min_times"), rule.value("min_minutes_each"), rule.source) == (2, 10, "national")


def test_configurable_policy_inside_the_allowed_range_is_applied() -> None:
    rule = effective_rulebook(None, {"care.nap_patrol": {"max_interval": 15}}, ON)["care.nap_patrol"]
    assert rule.value("max_interval") == 15


def test_configurable_policy_outside_the_allowed_range_is_ignored() -> None:
    rule = effective_rulebook(None, {"care.nap_patrol": {"max_interval": 20}}, ON)["care.nap_patrol"]
    assert rule.value("max_interval") == 10


def test_mixed_class_ratio_may_be_configured_to_one_to_six() -> None:
    rules = effective_rulebook(None, {"ratio.hunheban": {"max_children_per_caregiver": 6}}, ON)
    assert rules["ratio.hunheban"].value("max_children_per_caregiver") == 6


def test_policy_value_with_matching_unit_is_accepted() -> None:
    policy = {"food.sample": {"min_weight": {"value": 150, "unit": "g"}}}
    assert effective_rulebook(None, policy, ON)["food.sample"].value("min_weight") == 150


def test_policy_value_with_another_unit_is_refused() -> None:
    with pytest.raises(PolicyError, match="unit 'kg'"):
        effective_rulebook(None, {"food.sample": {"min_weight": {"value": 0.15, "unit": "kg"}}}, ON)


def test_policy_naming_an_unknown_rule_is_refused() -> None:
    with pytest.raises(PolicyError, match="no such rule"):
        effective_rulebook(None, {"class_size.giant": {"max_children": 3}}, ON)


def test_policy_naming_an_unknown_parameter_is_refused() -> None:
    with pytest.raises(PolicyError, match="no parameter 'max_kids'"):
        effective_rulebook(None, {"class_size.tuoxiaoban": {"max_kids": 3}}, ON)


def test_policy_value_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(PolicyError, match="not a number"):
        effective_rulebook(None, {"class_size.tuoxiaoban": {"max_children": "many"}}, ON)


def test_policy_for_a_rule_not_yet_in_force_is_noted() -> None:
    rules = effective_rulebook(None, {"care.nap_patrol": {"max_interval": 10}}, date(2023, 6, 1))
    assert [note.rule_id for note in rules.policy_notes] == ["care.nap_patrol"]


def _books_with_regional_nap_patrol(tmp_path: Path, value: int) -> Path:
    (tmp_path / "national.yaml").write_bytes((BOOK_DIR / "national.yaml").read_bytes())
    (tmp_path / "test-region.yaml").write_text(
        "kind: overlay\nregion: test-region\nname: {zh: 测试, en: Test}\noverrides:\n"
        "  - id: care.nap_patrol\n"
        f"    parameters: {{max_interval: {{value: {value}, unit: min}}}}\n"
        "    citations: [{document: 测试文件, article: 第一条, confidence: S}]\n"
        "    effective: {from: 2024-01-01}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_regional_value_is_the_loosest_a_centre_may_configure(tmp_path: Path) -> None:
    books = load_books(_books_with_regional_nap_patrol(tmp_path, 12))
    rule = effective_rulebook("test-region", {"care.nap_patrol": {"max_interval": 15}}, ON, books=books)[
        "care.nap_patrol"
    ]
    assert rule.value("max_interval") == 12


def test_regional_value_leaves_the_stricter_part_of_the_range(tmp_path: Path) -> None:
    books = load_books(_books_with_regional_nap_patrol(tmp_path, 12))
    rule = effective_rulebook("test-region", {"care.nap_patrol": {"max_interval": 11}}, ON, books=books)[
        "care.nap_patrol"
    ]
    assert rule.value("max_interval") == 11


def test_lower_max_is_stricter() -> None:
    book = Parameter("max_children", Decimal(15), "child", Direction.MAX)
    assert Parameter("max_children", Decimal(14), "child", Direction.MAX).at_least_as_strict_as(book)


def test_lower_min_is_not_stricter() -> None:
    book = Parameter("min_days", Decimal(90), "day", Direction.MIN)
    assert not Parameter("min_days", Decimal(60), "day", Direction.MIN).at_least_as_strict_as(book)


def test_rulebook_version_is_a_content_hash_of_the_book_files(tmp_path: Path) -> None:
    for source in BOOK_DIR.glob("*.yaml"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    assert load_books(tmp_path).version == rulebook_version()


def test_rulebook_version_changes_when_a_book_file_changes(tmp_path: Path) -> None:
    for source in BOOK_DIR.glob("*.yaml"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    with (tmp_path / "ningxia.yaml").open("a", encoding="utf-8") as handle:
        handle.write("# a comment is a change too\n")
    assert load_books(tmp_path).version != rulebook_version()


def test_formatted_rulebook_shows_chinese_english_values_and_citations() -> None:
    text = format_rulebook(effective_rulebook("xinjiang-karamay", None, ON))
    assert "min_share ≥ 100 %" in text and "[seed 000 L238]" in text and "从业人员持证上岗率 / Share of staff" in text
