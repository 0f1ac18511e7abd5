"""The rulebook loader: the shipped books load; every malformed book is refused with file and rule named."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from compliance.rulebook import Confidence, RulebookError, default_books, load_books

# shared/ sits beside the repository (as CI checks it out); under CI=true it must be there.
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

NATIONAL = """\
kind: national
name: {zh: 测试规则库, en: Test book}
rules:
  - id: class_size.tuoxiaoban
    title: {zh: 托小班班额, en: Toddler class size}
    parameters:
      max_children: {value: 15, unit: child, direction: max}
    citations:
      - {document: 托育机构设置标准（试行）, article: 班级设置, confidence: S}
    responsibilities: [quality_safety]
    inspection_areas: [operations]
    effective: {from: 2019-10-08}
    configurable: false
  - id: care.nap_patrol
    title: {zh: 午睡巡视间隔, en: Nap patrol interval}
    parameters:
      max_interval: {value: 10, unit: min, direction: max, allowed: {min: 10, max: 15}}
    citations:
      - {document: 婴幼儿托育机构服务规范, article: 午睡看护, confidence: N}
    responsibilities: [quality_safety]
    inspection_areas: [operations]
    effective: {from: 2024-01-01}
    configurable: true
"""

OVERLAY = """\
kind: overlay
region: test-region
name: {zh: 测试地区, en: Test region}
overrides:
  - id: class_size.tuoxiaoban
    parameters:
      max_children: {value: 12, unit: child}
    citations:
      - {document: 测试地方文件, article: 第一条, confidence: seed, seed: {file: 001_13f0c7a481b50fa7.txt, line: 190}}
    effective: {from: 2023-12-02}
"""


def write_book(directory: Path, national: str = NATIONAL, overlay: str | None = None) -> Path:
    (directory / "national.yaml").write_text(national, encoding="utf-8")
    if overlay is not None:
        (directory / "test-region.yaml").write_text(overlay, encoding="utf-8")
    return directory


def refusal(directory: Path) -> RulebookError:
    with pytest.raises(RulebookError) as caught:
        load_books(directory)
    return caught.value


def codes(error: RulebookError) -> set[str]:
    return {problem.code for problem in error.problems}


def test_shipped_books_load_with_the_five_seed_regions() -> None:
    books = default_books()
    assert set(books.overlays) == {"xinjiang-karamay", "hunan-shaoyang", "chongqing", "shandong-weihai", "ningxia"}


def test_shipped_book_has_every_class_type_size_and_ratio() -> None:
    national = default_books().national
    caps = {kind: national[f"class_size.{kind}"].value("max_children") for kind in
            ("ruerban", "tuoxiaoban", "tuodaban", "hunheban", "jiating")}
    ratios = {kind: national[f"ratio.{kind}"].value("max_children_per_caregiver") for kind in caps}
    assert (caps, ratios) == (
        {"ruerban": 10, "tuoxiaoban": 15, "tuodaban": 20, "hunheban": 18, "jiating": 5},
        {"ruerban": 3, "tuoxiaoban": 5, "tuodaban": 7, "hunheban": 5, "jiating": 3},
    )


def _seed_citations() -> list[tuple[str, int, str]]:
    books = default_books()
    citations = [c for rule in books.national.values() for c in rule.citations]
    for overlay in books.overlays.values():
        citations += [c for override in overlay.overrides for c in override.citations]
        citations += [c for rule in overlay.rules for c in rule.citations]
    return [(c.seed.file, c.seed.line, c.quote or "") for c in citations
            if c.confidence is Confidence.SEED and c.seed is not None]


@pytest.mark.skipif(not SEEDS.is_dir() and os.environ.get("CI") != "true", reason="seed files are not on this machine")
@pytest.mark.parametrize(("file", "line", "quote"), _seed_citations())
def test_seed_quote_is_on_its_cited_line(file: str, line: int, quote: str) -> None:
    text = (SEEDS / file).read_text(encoding="utf-8").split("\n")[line - 1]
    # Seed 002 annotates every character with pinyin; seed-clauses.md quotes it with those removed.
    assert quote and quote in re.sub(r"[(（][a-z]{1,8}[)）]", "", text)


def test_minimal_book_with_overlay_loads(tmp_path: Path) -> None:
    books = load_books(write_book(tmp_path, overlay=OVERLAY))
    assert books.overlays["test-region"].overrides[0].values == {"max_children": 12}


def test_unknown_rule_field_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace("    configurable: false\n", "    configurable: false\n    severity: high\n", 1)
    error = refusal(write_book(tmp_path, bad))
    assert "national.yaml: rule class_size.tuoxiaoban: unknown field 'rule.severity'" in str(error)


def test_unknown_parameter_field_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace("direction: max}\n", "direction: max, limit: 3}\n", 1)
    assert codes(refusal(write_book(tmp_path, bad))) == {"unknown_field"}


def test_missing_citation_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace(
        "    citations:\n      - {document: 托育机构设置标准（试行）, article: 班级设置, confidence: S}\n", "", 1
    )
    assert codes(refusal(write_book(tmp_path, bad))) == {"missing_citation"}


def test_citation_without_article_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace("article: 班级设置, ", "", 1)
    assert codes(refusal(write_book(tmp_path, bad))) == {"citation_incomplete"}


def test_seed_citation_without_line_is_refused(tmp_path: Path) -> None:
    bad_overlay = OVERLAY.replace(", line: 190", "")
    assert codes(refusal(write_book(tmp_path, overlay=bad_overlay))) == {"citation_incomplete"}


def test_unknown_confidence_mark_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace("confidence: S}", "confidence: maybe}", 1)
    assert codes(refusal(write_book(tmp_path, bad))) == {"bad_confidence"}


def test_unknown_unit_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace("unit: child,", "unit: kids,", 1)
    assert codes(refusal(write_book(tmp_path, bad))) == {"unknown_unit"}


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace("inspection_areas: [operations]", "inspection_areas: [parking]", 1)
    assert codes(refusal(write_book(tmp_path, bad))) == {"bad_section"}


def test_duplicate_rule_id_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace("id: care.nap_patrol", "id: class_size.tuoxiaoban")
    error = refusal(write_book(tmp_path, bad))
    assert [(p.code, p.rule_id) for p in error.problems] == [("duplicate_id", "class_size.tuoxiaoban")]


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace("    configurable: false\n", "    configurable: false\n    configurable: true\n", 1)
    assert codes(refusal(write_book(tmp_path, bad))) == {"yaml_error"}


def test_malformed_date_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace("{from: 2019-10-08}", "{from: 2019-13-45}", 1)
    assert codes(refusal(write_book(tmp_path, bad))) == {"bad_date"}


def test_effective_end_before_start_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace("{from: 2019-10-08}", "{from: 2019-10-08, to: 2018-01-01}", 1)
    assert codes(refusal(write_book(tmp_path, bad))) == {"bad_date"}


def test_allowed_range_on_a_non_configurable_rule_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace("direction: max}\n", "direction: max, allowed: {min: 12, max: 15}}\n", 1)
    assert codes(refusal(write_book(tmp_path, bad))) == {"allowed_without_configurable"}


def test_configurable_rule_without_allowed_range_is_refused(tmp_path: Path) -> None:
    bad = NATIONAL.replace(", allowed: {min: 10, max: 15}", "")
    assert codes(refusal(write_book(tmp_path, bad))) == {"configurable_without_range"}


def test_overlay_unit_mismatch_is_refused(tmp_path: Path) -> None:
    bad_overlay = OVERLAY.replace("{value: 12, unit: child}", "{value: 12, unit: \"%\"}")
    error = refusal(write_book(tmp_path, overlay=bad_overlay))
    assert [(p.file, p.rule_id, p.code) for p in error.problems] == [
        ("test-region.yaml", "class_size.tuoxiaoban", "unit_mismatch")
    ]


def test_overlay_unknown_parameter_is_refused(tmp_path: Path) -> None:
    bad_overlay = OVERLAY.replace("max_children: {value: 12", "max_kids: {value: 12")
    assert codes(refusal(write_book(tmp_path, overlay=bad_overlay))) == {"unknown_parameter"}


def test_overlay_of_an_unknown_rule_is_refused(tmp_path: Path) -> None:
    bad_overlay = OVERLAY.replace("id: class_size.tuoxiaoban", "id: class_size.unknown")
    assert codes(refusal(write_book(tmp_path, overlay=bad_overlay))) == {"unknown_rule"}


def test_overlay_loosening_a_non_configurable_rule_is_refused(tmp_path: Path) -> None:
    bad_overlay = OVERLAY.replace("{value: 12, unit: child}", "{value: 16, unit: child}")
    assert codes(refusal(write_book(tmp_path, overlay=bad_overlay))) == {"loosens_rule"}


def test_overlay_equal_to_national_is_accepted(tmp_path: Path) -> None:
    overlay = OVERLAY.replace("{value: 12, unit: child}", "{value: 15, unit: child}")
    assert load_books(write_book(tmp_path, overlay=overlay)).overlays["test-region"].overrides


def test_overlay_beyond_a_configurable_rules_range_is_refused(tmp_path: Path) -> None:
    overlay = OVERLAY.replace("class_size.tuoxiaoban", "care.nap_patrol").replace(
        "max_children: {value: 12, unit: child}", "max_interval: {value: 20, unit: min}"
    )
    assert codes(refusal(write_book(tmp_path, overlay=overlay))) == {"outside_allowed_range"}


def test_overlay_rule_reusing_a_national_id_is_refused(tmp_path: Path) -> None:
    national_rule = NATIONAL.split("rules:\n", 1)[1].split("  - id: care.nap_patrol", 1)[0]
    overlay = OVERLAY + "rules:\n" + national_rule
    assert codes(refusal(write_book(tmp_path, overlay=overlay))) == {"duplicate_id"}


def test_overlay_region_must_match_its_file_name(tmp_path: Path) -> None:
    overlay = OVERLAY.replace("region: test-region", "region: other-region")
    assert codes(refusal(write_book(tmp_path, overlay=overlay))) == {"region_mismatch"}


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    bad = NATIONAL.replace("unit: child,", "unit: kids,", 1).replace("{from: 2024-01-01}", "{from: someday}")
    assert [p.rule_id for p in refusal(write_book(tmp_path, bad)).problems] == [
        "class_size.tuoxiaoban", "care.nap_patrol"
    ]


DOMAIN_FIGURES = [
    ("health.morning_check", "min_checks", "1"),
    ("hygiene.ventilation", "min_times", "2"),
    ("hygiene.ventilation", "min_minutes_each", "10"),
    ("hygiene.uv_lamp", "min_minutes", "60"),
    ("hygiene.tableware", "min_boil_minutes", "15"),
    ("hygiene.tableware", "min_steam_minutes", "10"),
    ("environment.temperature_summer", "lower", "22"),
    ("environment.temperature_summer", "upper", "28"),
    ("environment.temperature_winter", "lower", "16"),
    ("environment.temperature_winter", "upper", "24"),
    ("environment.humidity_summer", "lower", "40"),
    ("environment.humidity_summer", "upper", "80"),
    ("environment.humidity_winter", "lower", "30"),
    ("environment.humidity_winter", "upper", "60"),
    ("environment.co2", "upper", "1000"),
    ("environment.co2", "averaging_window", "1"),
    ("environment.pm25", "upper", "50"),
    ("environment.pm25", "averaging_window", "24"),
    ("environment.formaldehyde", "upper", "0.08"),
    ("environment.formaldehyde", "averaging_window", "1"),
    ("environment.fridge", "lower", "0"),
    ("environment.fridge", "upper", "8"),
    ("food.sample", "min_weight", "125"),
    ("food.sample", "min_hours", "48"),
    ("security.cctv_retention", "min_days", "90"),
    ("care.nap_patrol", "max_interval", "10"),
    ("care.outdoor_time", "min_hours", "2"),
    ("staff.health_certificate", "max_validity", "12"),
    ("staff.certified_share", "min_share", "90"),
    ("region.puhui_share", "min_share", "30"),
    ("region.slots_per_1000", "min_places", "4.5"),
]


@pytest.mark.parametrize(("rule_id", "parameter", "value"), DOMAIN_FIGURES)
def test_national_book_carries_the_domain_figure(rule_id: str, parameter: str, value: str) -> None:
    assert str(default_books().national[rule_id].value(parameter)) == value


def test_empty_national_book_is_refused(tmp_path: Path) -> None:
    assert codes(refusal(write_book(tmp_path, ""))) == {"yaml_error"}
