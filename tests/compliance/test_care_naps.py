"""Nap patrols: the due time of the next check, the gaps longer than the interval, the interval from the rules."""

from __future__ import annotations

from datetime import date, timedelta

from care_health_factories import RULES, at, check, every, nap
from hypothesis import given
from hypothesis import strategies as st

from compliance.care import checks_without_action, nap_check_due, patrol_gaps, patrol_interval
from compliance.care.records import SleepPosition
from compliance.rulebook import effective_rulebook

DAY = date(2025, 6, 3)


def test_interval_is_the_rulebook_default_and_a_centre_may_loosen_within_the_allowed_range() -> None:
    assert patrol_interval(RULES) == timedelta(minutes=10)
    loose = effective_rulebook(None, {"care.nap_patrol": {"max_interval": 15}}, DAY)
    assert patrol_interval(loose) == timedelta(minutes=15)


def test_first_check_is_due_one_interval_after_the_start() -> None:
    sleeping = nap(DAY, end=None)
    assert nap_check_due(sleeping, [], at(DAY, 12, 35), RULES) == (at(DAY, 12, 40), False)
    assert nap_check_due(sleeping, [], at(DAY, 12, 41), RULES) == (at(DAY, 12, 40), True)


def test_a_check_moves_the_due_time_and_a_later_check_does_not_count_yet() -> None:
    sleeping = nap(DAY, end=None)
    checks = [check(sleeping, 8), check(sleeping, 30)]
    # At 12:45 the 13:00 check has not happened: due is 12:38 + 10 min.
    assert nap_check_due(sleeping, checks, at(DAY, 12, 45), RULES) == (at(DAY, 12, 48), False)
    assert nap_check_due(sleeping, checks, at(DAY, 12, 49), RULES)[1] is True


def test_due_exactly_at_the_interval_is_not_overdue() -> None:
    sleeping = nap(DAY, end=None)
    assert nap_check_due(sleeping, [], at(DAY, 12, 40), RULES) == (at(DAY, 12, 40), False)


def test_an_ended_nap_is_never_due() -> None:
    assert nap_check_due(nap(DAY), [], at(DAY, 15), RULES) == (None, False)


def test_checks_every_interval_leave_no_gap_and_one_missed_leaves_one() -> None:
    done = nap(DAY)
    assert patrol_gaps(done, every(done, 10, 120), at(DAY, 16), RULES) == []
    checks = [c for c in every(done, 10, 120) if c.at != done.started_at + timedelta(minutes=50)]
    [gap] = patrol_gaps(done, checks, at(DAY, 16), RULES)
    assert (gap.since, gap.until, gap.minutes) == (at(DAY, 13, 10), at(DAY, 13, 30), 20)


def test_the_end_of_a_nap_counts_as_the_last_point() -> None:
    done = nap(DAY, end=(13, 0))
    [gap] = patrol_gaps(done, every(done, 10, 10), at(DAY, 16), RULES)
    assert (gap.since, gap.until) == (at(DAY, 12, 40), at(DAY, 13, 0))


def test_a_stomach_position_without_an_action_is_listed() -> None:
    sleeping = nap(DAY)
    bad = check(sleeping, 10, SleepPosition.STOMACH)
    fixed = check(sleeping, 20, SleepPosition.STOMACH, action="翻为仰卧")
    pale = check(sleeping, 30, colour_ok=False)
    assert checks_without_action([bad, fixed, pale, check(sleeping, 40)]) == [bad, pale]


@given(st.lists(st.integers(min_value=1, max_value=119), unique=True, max_size=30))
def test_gaps_are_exactly_the_stretches_longer_than_the_interval(minutes: list[int]) -> None:
    done = nap(DAY)
    checks = [check(done, m) for m in minutes]
    points = [0, *sorted(minutes), 120]
    expected = [(a, b) for a, b in zip(points, points[1:], strict=False) if b - a > 10]
    gaps = patrol_gaps(done, checks, at(DAY, 16), RULES)
    start = done.started_at
    assert [((g.since - start).seconds // 60, (g.until - start).seconds // 60) for g in gaps] == expected
