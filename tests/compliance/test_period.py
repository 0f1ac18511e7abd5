"""The report period: cut at month ends for monthly summaries."""

from __future__ import annotations

from datetime import date

from compliance.period import Period


def test_a_period_is_cut_at_month_ends_and_clipped_at_both_ends() -> None:
    months = list(Period(date(2026, 1, 20), date(2026, 3, 5)).months())
    assert months == [Period(date(2026, 1, 20), date(2026, 1, 31)), Period(date(2026, 2, 1), date(2026, 2, 28)),
                      Period(date(2026, 3, 1), date(2026, 3, 5))]


def test_a_period_inside_one_month_is_one_month_and_december_rolls_into_january() -> None:
    assert list(Period(date(2026, 9, 3), date(2026, 9, 3)).months()) == [Period(date(2026, 9, 3), date(2026, 9, 3))]
    assert [m.start for m in Period(date(2026, 12, 31), date(2027, 1, 1)).months()] == [date(2026, 12, 31),
                                                                                         date(2027, 1, 1)]
