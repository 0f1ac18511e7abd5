"""The data-validity rule of environment means (GB 3095—2012 表4) as rulebook data: figures, citation, strictness."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from compliance import effective_rulebook
from compliance.rulebook.load import default_books
from compliance.rulebook.model import Confidence, Direction

RULE = "environment.data_validity"
DAY = date(2026, 9, 7)


def test_the_national_book_asks_45_minutes_an_hour_and_20_hourly_means_a_day():
    rule = default_books().national[RULE]
    assert {name: (p.value, p.unit, p.direction) for name, p in rule.parameters.items()} == {
        "min_minutes_per_hour": (Decimal(45), "min", Direction.MIN),
        "min_hours_per_day": (Decimal(20), "h", Direction.MIN),
    }


def test_the_rule_cites_table_4_of_gb_3095_as_checked_national_text():
    [citation] = default_books().national[RULE].citations
    assert citation.document == "GB 3095—2012 环境空气质量标准"
    assert "表4" in citation.article and "45分钟" in citation.article and "20个小时平均浓度值" in citation.article
    assert citation.confidence is Confidence.NATIONAL


def test_a_centre_may_ask_more_data_but_never_less():
    looser = effective_rulebook(None, {RULE: {"min_minutes_per_hour": 30}}, DAY)
    stricter = effective_rulebook(None, {RULE: {"min_minutes_per_hour": 50}}, DAY)
    assert looser[RULE].value("min_minutes_per_hour") == 45 and [n.rule_id for n in looser.policy_notes] == [RULE]
    assert stricter[RULE].value("min_minutes_per_hour") == 50


def test_the_rule_is_in_force_before_any_environment_limit():
    books = default_books().national
    limits = [rule for rule in books.values() if "averaging_window" in rule.parameters]
    assert limits and all(books[RULE].effective_from <= rule.effective_from for rule in limits)
