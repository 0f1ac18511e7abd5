"""Doses against the guardian's consent: every refusal, the daily count, the witness, a consent locked by a dose."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from decimal import Decimal

import pytest
from care_health_factories import SHANGHAI, at, consent, dose
from hypothesis import given
from hypothesis import strategies as st

from compliance.care import Refusal, consent_locked, dose_allowed
from compliance.care.medication import CONSENT_RULE, ConsentLimits, consent_limits
from compliance.rulebook import default_books, effective_rulebook
from compliance.rulebook.model import AllowedRange

DAY = date(2025, 6, 3)


def test_a_dose_as_consented_is_allowed() -> None:
    signed = consent()
    assert dose_allowed(signed, [], at(DAY, 10, 5), dose(signed, at(DAY, 10, 5)), tz=SHANGHAI) == ()


def test_without_consent_and_without_witness_both_reasons_are_given() -> None:
    given_ = dose(None, at(DAY, 10), witness=None)
    assert dose_allowed(None, [], at(DAY, 10), given_, tz=SHANGHAI) == (Refusal.NO_CONSENT, Refusal.NO_WITNESS)


def test_the_giver_cannot_witness_their_own_dose() -> None:
    signed = consent()
    mine = dose(signed, at(DAY, 10), witness="保健员张")
    assert dose_allowed(signed, [], at(DAY, 10), mine, tz=SHANGHAI) == (Refusal.WITNESS_IS_GIVER,)


def test_days_and_times_outside_the_consent_are_refused() -> None:
    signed = consent()
    assert dose_allowed(signed, [], at(date(2025, 6, 1), 10), dose(signed, at(date(2025, 6, 1), 10)),
                        tz=SHANGHAI) == (Refusal.BEFORE_FIRST_DAY,)
    assert dose_allowed(signed, [], at(date(2025, 6, 5), 10), dose(signed, at(date(2025, 6, 5), 10)),
                        tz=SHANGHAI) == (Refusal.AFTER_LAST_DAY,)
    # The window is 60 minutes either side of 10:00 and 15:00.
    assert dose_allowed(signed, [], at(DAY, 11), dose(signed, at(DAY, 11)), tz=SHANGHAI) == ()
    assert dose_allowed(signed, [], at(DAY, 11, 1), dose(signed, at(DAY, 11, 1)),
                        tz=SHANGHAI) == (Refusal.OUTSIDE_TIMES,)


def test_the_last_day_is_read_in_the_centres_zone() -> None:
    signed = consent(times=(time(7, 30),))
    early = at(date(2025, 6, 4), 7, 30)  # 23:30 UTC on 06-03: still the consent's last local day
    assert dose_allowed(signed, [], early, dose(signed, early), tz=SHANGHAI) == ()


def test_the_daily_count_is_the_number_of_times_unless_told() -> None:
    signed = consent()
    first, second = dose(signed, at(DAY, 10)), dose(signed, at(DAY, 15))
    third = dose(signed, at(DAY, 15, 30))
    assert dose_allowed(signed, [first], at(DAY, 15), second, tz=SHANGHAI) == ()
    assert dose_allowed(signed, [first, second], at(DAY, 15, 30), third, tz=SHANGHAI) == (Refusal.DAILY_LIMIT,)
    # Yesterday's doses do not count today.
    tomorrow = dose(signed, at(date(2025, 6, 4), 10))
    assert dose_allowed(signed, [first, second], tomorrow.at, tomorrow, tz=SHANGHAI) == ()


def test_wrong_drug_dose_route_child_and_a_withdrawn_consent() -> None:
    signed = consent(withdrawn_at=at(DAY, 9))
    wrong = dose(signed, at(DAY, 10), child=2, drug="对乙酰氨基酚", amount="10", route="外用")
    assert set(dose_allowed(signed, [], wrong.at, wrong, tz=SHANGHAI)) == {
        Refusal.OTHER_CHILD, Refusal.WITHDRAWN, Refusal.WRONG_DRUG, Refusal.WRONG_DOSE, Refusal.WRONG_ROUTE}


def test_names_compare_without_case_or_spaces() -> None:
    signed = consent(drug="Ibuprofen  Suspension")
    same = dose(signed, at(DAY, 10), drug="ibuprofen suspension")
    assert dose_allowed(signed, [], same.at, same, tz=SHANGHAI) == ()


def test_every_refusal_has_both_texts() -> None:
    assert all(r.zh and r.en for r in Refusal)


def test_a_consent_is_locked_by_its_first_dose_only() -> None:
    signed, other = consent(), consent()
    assert not consent_locked(signed, [dose(other, at(DAY, 10))])
    assert consent_locked(signed, [dose(signed, at(DAY, 10))])


@given(st.integers(min_value=0, max_value=6), st.integers(min_value=1, max_value=4))
def test_never_more_doses_allowed_in_a_day_than_the_limit(already: int, limit: int) -> None:
    signed = consent(times=(time(10, 0),))
    signed = replace(signed, max_doses_per_day=limit, window_minutes=120)
    earlier = [dose(signed, at(DAY, 8, 10 + i)) for i in range(already)]
    now = dose(signed, at(DAY, 10))
    refused = Refusal.DAILY_LIMIT in dose_allowed(signed, earlier, now.at, now, tz=SHANGHAI)
    assert refused == (already >= limit)


def test_a_live_dose_counts_every_dose_of_the_day_already_stored() -> None:
    # The evaluator reads doses in order: a dose at 09:50 stored after one at 10:00 does not count that one;
    # the server, about to store it, counts every dose of the day (a tablet's queue may deliver late).
    signed = replace(consent(times=(time(10, 0),)), max_doses_per_day=1)
    later = dose(signed, at(DAY, 10))
    queued = dose(signed, at(DAY, 9, 50))
    assert dose_allowed(signed, [later], queued.at, queued, tz=SHANGHAI) == ()
    assert dose_allowed(signed, [later], queued.at, queued, tz=SHANGHAI, live=True) == (Refusal.DAILY_LIMIT,)
    # The very same instant from two tablets: the second one is refused.
    twin = dose(signed, later.at)
    assert dose_allowed(signed, [later], twin.at, twin, tz=SHANGHAI, live=True) == (Refusal.DAILY_LIMIT,)
    assert dose_allowed(signed, [later], twin.at, twin, tz=SHANGHAI, live=True) != dose_allowed(
        signed, [later], twin.at, twin, tz=SHANGHAI)


def test_consent_limits_are_the_rulebook_s() -> None:
    limits = consent_limits(effective_rulebook(None, None, DAY))
    assert limits == ConsentLimits(window_minutes=60, narrowest_window=5, max_times=6)
    assert [limits.window_allowed(m) for m in (4, 5, 60, 61)] == [False, True, True, False]


@pytest.mark.parametrize(("policy", "expected"), [
    ({"window_minutes": 180}, ConsentLimits(180, 5, 6)),  # a centre may widen within the allowed range
    ({"window_minutes": 30, "max_times_per_day": 3}, ConsentLimits(30, 5, 3)),  # or narrow
    ({"window_minutes": 3}, ConsentLimits(3, 3, 6)),  # stricter than the range: the narrowest follows
    ({"window_minutes": 181}, ConsentLimits(60, 5, 6)),  # looser than the range: the book's rule, whole
    ({"window_minutes": 120, "max_times_per_day": 8}, ConsentLimits(60, 5, 6)),
])
def test_a_centre_policy_sets_the_limits(policy: dict[str, int], expected: ConsentLimits) -> None:
    rules = effective_rulebook(None, {CONSENT_RULE: policy}, DAY)
    assert consent_limits(rules) == expected


def test_without_an_allowed_range_the_window_is_exact_and_without_the_rule_there_are_no_limits() -> None:
    book = effective_rulebook(None, None, DAY)
    rule = book[CONSENT_RULE]
    fixed = replace(rule, parameters={**rule.parameters,
                                      "window_minutes": replace(rule.parameters["window_minutes"], allowed=None)})
    assert consent_limits(replace(book, rules={CONSENT_RULE: fixed})) == ConsentLimits(60, 60, 6)
    assert consent_limits(replace(book, rules={})) is None


def test_the_rule_keeps_its_citation_and_states_its_figures() -> None:
    rule = default_books().national[CONSENT_RULE]
    assert rule.configurable and rule.citations[0].document == "托儿所幼儿园卫生保健工作规范（2012年）"
    window, times = rule.parameters["window_minutes"], rule.parameters["max_times_per_day"]
    assert (window.value, window.unit, window.direction.value, window.allowed) == (
        Decimal(60), "min", "max", AllowedRange(Decimal(5), Decimal(180)))
    assert (times.value, times.unit, times.direction.value) == (Decimal(6), "time/day", "max")
