"""Doses against the guardian's consent: every refusal, the daily count, the witness, a consent locked by a dose."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from care_health_factories import SHANGHAI, at, consent, dose
from hypothesis import given
from hypothesis import strategies as st

from compliance.care import Refusal, consent_locked, dose_allowed

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
