"""Exclusion until a return certificate, outbreaks from the rulebook's figures, the entry exam after an absence."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from care_health_factories import RULES, case
from hypothesis import given
from hypothesis import strategies as st

from compliance.health import is_excluded, needs_new_entry_exam, outbreak_figures, outbreaks
from compliance.rulebook import effective_rulebook

ONSET = date(2025, 6, 2)


def test_excluded_from_the_first_day_until_the_certificate_day() -> None:
    sick = case(1, ONSET, certificate=date(2025, 6, 9))
    assert is_excluded([sick], 1, ONSET - timedelta(days=1)) is None
    assert is_excluded([sick], 1, ONSET) == sick
    assert is_excluded([sick], 1, date(2025, 6, 8)) == sick
    assert is_excluded([sick], 1, date(2025, 6, 9)) is None
    assert is_excluded([sick], 2, ONSET) is None


def test_the_expected_return_date_does_not_end_an_exclusion() -> None:
    sick = case(1, ONSET)
    sick = replace(sick, excluded_until=date(2025, 6, 5))
    assert is_excluded([sick], 1, date(2025, 6, 20)) == sick


def test_a_case_without_exclusion_keeps_nobody_out() -> None:
    assert is_excluded([case(1, ONSET, excluded=False)], 1, ONSET) is None


def test_outbreak_figures_come_from_the_rulebook() -> None:
    assert outbreak_figures(RULES) == (2, 7)


def test_two_children_of_one_class_within_seven_days_are_an_outbreak() -> None:
    cases = [case(1, ONSET), case(2, ONSET + timedelta(days=6))]
    [found] = outbreaks(cases, ONSET + timedelta(days=6), RULES)
    assert (found.class_id, found.disease, found.first_onset, found.last_onset) == (10, "手足口病", ONSET,
                                                                                   ONSET + timedelta(days=6))
    # Eight days apart: the window of 7 days holds one case only.
    assert outbreaks([case(1, ONSET), case(2, ONSET + timedelta(days=7))], ONSET + timedelta(days=7), RULES) == []


def test_other_classes_other_diseases_one_child_twice_and_non_infectious_cases_do_not_add_up() -> None:
    assert outbreaks([case(1, ONSET), case(2, ONSET, klass=11)], ONSET, RULES) == []
    assert outbreaks([case(1, ONSET), case(2, ONSET, "水痘")], ONSET, RULES) == []
    assert outbreaks([case(1, ONSET), case(1, ONSET + timedelta(days=1))], ONSET + timedelta(days=1), RULES) == []
    assert outbreaks([case(1, ONSET), case(2, ONSET, infectious=False)], ONSET, RULES) == []


def test_disease_names_compare_without_spaces_or_case() -> None:
    assert len(outbreaks([case(1, ONSET, "Hand foot mouth"), case(2, ONSET, "hand  foot mouth")], ONSET, RULES)) == 1


@given(st.lists(st.tuples(st.integers(1, 6), st.integers(0, 20)), max_size=12))
def test_an_outbreak_stands_exactly_when_enough_children_fell_ill_in_the_window(onsets: list[tuple[int, int]]) -> None:
    day = ONSET + timedelta(days=20)
    cases = [case(child, ONSET + timedelta(days=offset)) for child, offset in onsets]
    children = {child for child, offset in onsets if 14 <= offset <= 20}
    assert bool(outbreaks(cases, day, RULES)) == (len(children) >= 2)


def test_a_new_entry_exam_after_more_than_three_months_away() -> None:
    exam = date(2025, 1, 2)
    assert needs_new_entry_exam(date(2025, 2, 28), date(2025, 5, 28), exam, RULES) is False
    assert needs_new_entry_exam(date(2025, 2, 28), date(2025, 5, 29), exam, RULES) is True
    # An exam after the last day present is the new exam.
    assert needs_new_entry_exam(date(2025, 2, 28), date(2025, 6, 30), date(2025, 6, 20), RULES) is False
    assert needs_new_entry_exam(None, date(2025, 6, 30), None, RULES) is True


def test_no_entry_exam_judgement_before_the_rule_is_in_force() -> None:
    before = effective_rulebook(None, None, date(2011, 1, 1))
    assert needs_new_entry_exam(None, date(2011, 1, 1), None, before) is False
