"""The meals rules: the weekly menu published before the week, the monthly 膳食费 publication, the 2 % term rule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from compliance.evaluators import evaluate
from compliance.evaluators.meals import (
    evaluate_fee_balance,
    evaluate_fee_publication,
    evaluate_weekly_menu,
    term_of,
)
from compliance.findings import Severity
from compliance.food.meals import MealFeeRecord, MealsEvidence, MenuPublicationRecord, balance_share
from compliance.period import Period
from compliance.records import CentreRecord, ComplianceInputs, FilingStatus, LegalForm
from compliance.rulebook import effective_rulebook

CENTRE = CentreRecord("A-1", "阳光托育", LegalForm.FOR_PROFIT, "市场监管局", FilingStatus.FILED, date(2024, 1, 1),
                      60, 30)
SH = ZoneInfo("Asia/Shanghai")
RULES = effective_rulebook(None, None, date(2026, 10, 1))


def _inputs(evidence: MealsEvidence, as_of: datetime | None = None) -> ComplianceInputs:
    return ComplianceInputs(centre=CENTRE, meals=evidence, as_of=as_of)


def _at(y: int, m: int, d: int, h: int = 9, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=SH).astimezone(UTC)


# -- food.weekly_menu ------------------------------------------------------------------------------------------------

MONDAY = date(2026, 10, 5)
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def _menu(published_at: datetime, version_no: int = 1) -> MenuPublicationRecord:
    return MenuPublicationRecord(MONDAY, version_no, published_at, 20)


def test_a_menu_published_the_friday_before_is_on_time() -> None:
    evidence = MealsEvidence(menus=(_menu(_at(2026, 10, 2, 16)),), weeks_with_children=frozenset({MONDAY}))
    assert evaluate_weekly_menu(_inputs(evidence), RULES, OCTOBER) == []


def test_a_menu_published_one_minute_before_midnight_is_on_time() -> None:
    evidence = MealsEvidence(menus=(_menu(_at(2026, 10, 4, 23, 59)),), weeks_with_children=frozenset({MONDAY}))
    assert evaluate_weekly_menu(_inputs(evidence), RULES, OCTOBER) == []


def test_a_menu_published_on_the_monday_is_late() -> None:
    evidence = MealsEvidence(menus=(_menu(_at(2026, 10, 5, 0, 0)),), weeks_with_children=frozenset({MONDAY}))
    [finding] = evaluate_weekly_menu(_inputs(evidence), RULES, OCTOBER)
    assert (finding.rule_id, finding.severity) == ("food.weekly_menu", Severity.WARNING)
    assert "2026-10-05 00:00" in finding.message_zh


def test_a_week_without_a_menu_is_a_violation() -> None:
    evidence = MealsEvidence(weeks_with_children=frozenset({MONDAY}))
    [finding] = evaluate_weekly_menu(_inputs(evidence), RULES, OCTOBER)
    assert finding.severity is Severity.VIOLATION
    assert finding.evidence == ("week:2026-10-05",)


def test_a_later_version_does_not_make_a_late_week_on_time_nor_an_early_one_late() -> None:
    early = MealsEvidence(menus=(_menu(_at(2026, 10, 2)), _menu(_at(2026, 10, 6), 2)),
                          weeks_with_children=frozenset({MONDAY}))
    assert evaluate_weekly_menu(_inputs(early), RULES, OCTOBER) == []


def test_a_week_without_children_needs_no_menu() -> None:
    assert evaluate_weekly_menu(_inputs(MealsEvidence()), RULES, OCTOBER) == []


def test_a_week_not_yet_begun_when_the_inputs_were_read_is_not_judged() -> None:
    evidence = MealsEvidence(weeks_with_children=frozenset({date(2026, 10, 26)}))
    assert evaluate_weekly_menu(_inputs(evidence, as_of=_at(2026, 10, 20)), RULES, OCTOBER) == []


# -- fees.meal_fee_publication ---------------------------------------------------------------------------------------

SEPTEMBER = date(2026, 9, 1)


def _fee(month: date, income: int, spending: int, published_at: datetime, version_no: int = 1) -> MealFeeRecord:
    return MealFeeRecord(month, version_no, income, spending, published_at)


def test_a_month_published_by_the_end_of_the_next_month_is_on_time() -> None:
    evidence = MealsEvidence(fees=(_fee(SEPTEMBER, 100_00, 100_00, _at(2026, 10, 31, 23, 59)),),
                             months_with_children=frozenset({SEPTEMBER}))
    assert evaluate_fee_publication(_inputs(evidence), RULES, Period(SEPTEMBER, date(2026, 11, 30))) == []


def test_a_month_published_after_the_next_month_is_late() -> None:
    evidence = MealsEvidence(fees=(_fee(SEPTEMBER, 100_00, 100_00, _at(2026, 11, 1, 0, 1)),),
                             months_with_children=frozenset({SEPTEMBER}))
    [finding] = evaluate_fee_publication(_inputs(evidence), RULES, Period(SEPTEMBER, date(2026, 11, 30)))
    assert (finding.rule_id, finding.severity) == ("fees.meal_fee_publication", Severity.WARNING)


def test_a_month_never_published_is_a_violation_once_the_next_month_is_over() -> None:
    evidence = MealsEvidence(months_with_children=frozenset({SEPTEMBER}))
    [finding] = evaluate_fee_publication(_inputs(evidence), RULES, Period(SEPTEMBER, date(2026, 11, 30)))
    assert finding.severity is Severity.VIOLATION


def test_a_month_whose_deadline_has_not_passed_is_not_judged() -> None:
    evidence = MealsEvidence(months_with_children=frozenset({SEPTEMBER}))
    assert evaluate_fee_publication(_inputs(evidence), RULES, Period(SEPTEMBER, date(2026, 10, 30))) == []
    assert evaluate_fee_publication(_inputs(evidence, as_of=_at(2026, 10, 31, 23)), RULES,
                                    Period(SEPTEMBER, date(2026, 10, 31))) == []


# -- fees.meal_fee_balance -------------------------------------------------------------------------------------------

AUTUMN = Period(date(2026, 9, 1), date(2027, 2, 28))


def _term(spending_last: int) -> MealsEvidence:
    """A whole autumn term, 1,000.00 yuan of income a month, spending 1,000.00 except the last month."""
    months = [date(2026, m, 1) for m in (9, 10, 11, 12)] + [date(2027, 1, 1), date(2027, 2, 1)]
    fees = tuple(_fee(m, 1000_00, 1000_00 if m != months[-1] else spending_last, _at(m.year, m.month, 28))
                 for m in months)
    return MealsEvidence(fees=fees, months_with_children=frozenset(months))


@pytest.mark.parametrize(("spending_last", "found"), [
    (1000_00 - 120_00, False),  # surplus 120.00 of 6,000.00 = 2.0 %: within
    (1000_00 - 126_00, True),   # surplus 126.00 = 2.1 %: exceeded
    (1000_00 + 120_00, False),  # deficit 2.0 %
    (1000_00 + 126_00, True),   # deficit 2.1 %
])
def test_the_term_balance_boundary_is_two_percent(spending_last: int, found: bool) -> None:
    findings = evaluate_fee_balance(_inputs(_term(spending_last)), RULES, AUTUMN)
    assert bool(findings) is found
    if found:
        assert findings[0].severity is Severity.VIOLATION
        assert "2.10%" in findings[0].message_zh


def test_a_running_term_over_the_limit_is_a_warning() -> None:
    evidence = MealsEvidence(fees=(_fee(SEPTEMBER, 1000_00, 950_00, _at(2026, 9, 30)),),
                             months_with_children=frozenset({SEPTEMBER}))
    [finding] = evaluate_fee_balance(_inputs(evidence), RULES, Period(SEPTEMBER, date(2026, 9, 30)))
    assert finding.severity is Severity.WARNING
    assert finding.evidence == ("term:2026-09", "month:2026-09")


def test_a_correction_replaces_the_month_it_corrects() -> None:
    evidence = MealsEvidence(fees=(_fee(SEPTEMBER, 1000_00, 950_00, _at(2026, 9, 30)),
                                   _fee(SEPTEMBER, 1000_00, 990_00, _at(2026, 10, 2), version_no=2)),
                             months_with_children=frozenset({SEPTEMBER}))
    assert evaluate_fee_balance(_inputs(evidence), RULES, Period(SEPTEMBER, date(2026, 10, 31))) == []


def test_the_limit_is_read_from_the_rulebook() -> None:
    rule = RULES["fees.meal_fee_balance"]
    assert rule.value("max_balance_share") == 2
    assert rule.citations[0].document.startswith("托儿所幼儿园卫生保健工作规范")


def test_terms_start_in_september_and_march() -> None:
    assert term_of(date(2027, 2, 1), 6) == (date(2026, 9, 1), date(2027, 3, 1))
    assert term_of(date(2027, 3, 1), 6) == (date(2027, 3, 1), date(2027, 9, 1))
    assert term_of(date(2026, 8, 1), 6) == (date(2026, 3, 1), date(2026, 9, 1))


def test_balance_share_is_exact() -> None:
    assert balance_share(6000_00, 6000_00 - 120_00) == 2
    assert balance_share(0, 10) is None


def test_the_meals_evaluator_is_registered() -> None:
    findings = evaluate(_inputs(MealsEvidence(weeks_with_children=frozenset({MONDAY}))), RULES, OCTOBER)
    assert [f.rule_id for f in findings if f.rule_id.startswith(("food.weekly", "fees."))] == ["food.weekly_menu"]
