"""The credential catalogue: the shipped file loads and cites its sources; every kind of mistake is refused."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.rulebook import Confidence, default_books
from compliance.staffing import (
    CATALOGUE_FILE,
    STAFF_ROLES,
    CatalogueError,
    CredentialKind,
    Requirement,
    default_catalogue,
    load_catalogue,
)

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def shipped() -> dict[str, Any]:
    return yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))


def refusal(tmp_path: Path, data: dict[str, Any]) -> CatalogueError:
    path = tmp_path / "credentials.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    return caught.value


def codes(error: CatalogueError) -> set[str]:
    return {problem.code for problem in error.problems}


def test_shipped_catalogue_names_every_staff_role() -> None:
    assert set(default_catalogue().roles) == set(STAFF_ROLES)


def test_child_facing_roles_leave_out_kitchen_and_security() -> None:
    assert default_catalogue().child_facing_roles == {"director", "caregiver", "teacher", "health"}


def test_every_role_needs_the_health_certificate_and_the_background_check() -> None:
    catalogue = default_catalogue()
    for role in STAFF_ROLES:
        needs = catalogue.requirements(role)
        assert Requirement(("health_certificate",)) in needs
        assert Requirement(("criminal_record_check",)) in needs


def test_role_certificates_are_any_one_of_their_alternatives() -> None:
    catalogue = default_catalogue()
    assert catalogue.requirements("caregiver")[2] == Requirement(("childcare_worker", "infant_carer"))
    assert catalogue.requirements("health")[2] == Requirement(("health_care_training", "physician_licence", "nurse_licence"))
    assert catalogue.requirements("kitchen")[2] == Requirement(("food_handler_health",))
    assert catalogue.requirements("security")[2] == Requirement(("security_guard",))
    assert catalogue.requirements("director")[2] == Requirement(("director_training",))


def test_yearly_certificates_are_capped_by_a_twelve_month_rule() -> None:
    catalogue, national = default_catalogue(), default_books().national
    for code in ("health_certificate", "food_handler_health"):
        rule = national[catalogue.types[code].validity_rule or ""]
        assert (rule.value("max_validity"), rule.parameters["max_validity"].unit) == (12, "month")


def test_skill_certificates_have_levels_and_kinds() -> None:
    types = default_catalogue().types
    assert types["childcare_worker"].has_level and types["childcare_worker"].levels[0] == "五级"
    assert not types["security_guard"].has_level
    assert types["criminal_record_check"].kind is CredentialKind.BACKGROUND
    assert types["food_handler_health"].kind is CredentialKind.HEALTH


def test_requirement_title_joins_alternatives_in_both_languages() -> None:
    catalogue = default_catalogue()
    title = catalogue.title_of(Requirement(("childcare_worker", "infant_carer")))
    assert title.zh == "保育师职业技能等级证书或育婴员职业技能等级证书"
    assert title.en == "Childcare worker (保育师) skill certificate or Infant carer (育婴员) skill certificate"


def test_unknown_role_has_no_requirements() -> None:
    with pytest.raises(KeyError):
        default_catalogue().requirements("driver")


def _seed_citations() -> list[tuple[str, int, str]]:
    return [(c.seed.file, c.seed.line, c.quote or "") for t in default_catalogue().types.values() for c in t.citations
            if c.confidence is Confidence.SEED and c.seed is not None]


def test_catalogue_cites_seed_lines() -> None:
    assert len(_seed_citations()) >= 5


@pytest.mark.skipif(not SEEDS.is_dir() and os.environ.get("CI") != "true", reason="seed files are not on this machine")
@pytest.mark.parametrize(("file", "line", "quote"), _seed_citations())
def test_catalogue_seed_quote_is_on_its_cited_line(file: str, line: int, quote: str) -> None:
    text = (SEEDS / file).read_text(encoding="utf-8").split("\n")[line - 1]
    assert quote and quote in re.sub(r"[(（][a-z]{1,8}[)）]", "", text)


def test_unknown_type_code_in_a_role_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["roles"]["caregiver"]["requires"].append(["first_aid"])
    error = refusal(tmp_path, data)
    assert codes(error) == {"unknown_type"} and "first_aid" in str(error)


def test_role_that_is_not_a_staff_role_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["roles"]["driver"] = {"child_facing": False, "requires": [["health_certificate"]]}
    assert codes(refusal(tmp_path, data)) == {"unknown_role"}


def test_staff_role_without_an_entry_is_refused(tmp_path: Path) -> None:
    data = shipped()
    del data["roles"]["security"]
    assert codes(refusal(tmp_path, data)) == {"missing_role"}


def test_type_without_citation_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["types"]["security_guard"]["citations"] = []
    error = refusal(tmp_path, data)
    assert codes(error) == {"missing_citation"} and error.problems[0].rule_id == "security_guard"


def test_incomplete_citation_is_refused_by_the_rulebook_parser(tmp_path: Path) -> None:
    data = shipped()
    del data["types"]["security_guard"]["citations"][0]["article"]
    assert codes(refusal(tmp_path, data)) == {"citation_incomplete"}


def test_validity_rule_that_is_not_a_rule_id_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["types"]["health_certificate"]["validity_rule"] = "staff.health_certificat"
    assert codes(refusal(tmp_path, data)) == {"unknown_rule"}


def test_validity_rule_without_max_validity_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["types"]["health_certificate"]["validity_rule"] = "staff.certified_share"
    assert codes(refusal(tmp_path, data)) == {"bad_validity_rule"}


def test_requirement_mixing_kinds_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["roles"]["kitchen"]["requires"].append(["food_handler_health", "criminal_record_check"])
    assert codes(refusal(tmp_path, data)) == {"mixed_kinds"}


def test_unknown_kind_and_unknown_field_are_refused(tmp_path: Path) -> None:
    data = shipped()
    data["types"]["nurse_licence"]["kind"] = "licence"
    data["types"]["nurse_licence"]["renewal"] = 5
    assert codes(refusal(tmp_path, data)) == {"bad_kind", "unknown_field"}


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = shipped()
    data["roles"]["caregiver"]["requires"].append(["first_aid"])
    data["roles"]["driver"] = {"child_facing": False, "requires": []}
    data["types"]["security_guard"]["citations"] = []
    data["types"]["health_certificate"]["validity_rule"] = "staff.nothing"
    error = refusal(tmp_path, data)
    assert codes(error) == {"unknown_type", "unknown_role", "missing_citation", "unknown_rule"}
    assert "credentials.yaml" in str(error)
