"""Parents' ratings and complaints (compliance.feedback): the aggregates, the deadlines and the evaluator's findings,
judged with injected instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from compliance_factories import make_centre

from compliance import EVALUATORS, ComplianceInputs, Finding, Period, Severity
from compliance.evaluators.feedback import evaluate_feedback, judged_at
from compliance.feedback import (
    ComplaintRecord,
    FeedbackEvidence,
    RatingResponseRecord,
    complaint_categories,
    complaint_limits,
    complaint_timing,
    min_responses,
    rating_items,
    scale_max,
    summarise,
)
from compliance.rulebook import effective_rulebook

RULES = effective_rulebook(None, None, date(2025, 6, 1))
JUNE = Period(date(2025, 6, 1), date(2025, 6, 30))
# 09:00 in Shanghai on 2 June.
T = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)


def run(*complaints: ComplaintRecord, as_of: datetime | None = None, period: Period = JUNE) -> list[Finding]:
    inputs = ComplianceInputs(centre=make_centre(), feedback=FeedbackEvidence(tuple(complaints)), as_of=as_of)
    return evaluate_feedback(inputs, RULES, period)


def complaint(n: int = 1, *, received: datetime = T, answered: timedelta | None = None,
              closed: timedelta | None = None) -> ComplaintRecord:
    return ComplaintRecord(n, received, "food", received + answered if answered is not None else None,
                           received + closed if closed is not None else None)


def test_the_rulebook_holds_the_scale_the_minimum_and_the_deadlines() -> None:
    limits = complaint_limits(RULES)
    assert (scale_max(RULES), min_responses(RULES), limits and (limits.answer, limits.close)) == (
        5, 3, (timedelta(days=2), timedelta(days=14)))


def test_the_items_are_data_with_both_names() -> None:
    assert [(i.key, i.zh, i.en) for i in rating_items()] == [
        ("safety", "安全", "Safety"), ("care", "保育照护", "Care"), ("food", "膳食", "Food"),
        ("communication", "家园沟通", "Communication"), ("hygiene", "卫生保健", "Hygiene")]
    assert complaint_categories()[-1] == "other"


def test_a_month_at_the_minimum_is_summarised_per_item() -> None:
    month = date(2025, 6, 1)
    answers = [{"food": 1, "safety": 5}, {"food": 4, "safety": 5}, {"food": 4, "safety": 4}]
    rows = summarise([RatingResponseRecord(month, a) for a in answers], top=5, minimum=3, items=("food", "safety"))
    assert [(r.item, r.responses, r.mean, r.counts, r.shown) for r in rows] == [
        ("food", 3, Decimal("3.00"), (1, 0, 0, 2, 0), True), ("safety", 3, Decimal("4.67"), (0, 0, 0, 1, 2), True)]


def test_a_month_below_the_minimum_shows_nothing_not_even_its_count() -> None:
    rows = summarise([RatingResponseRecord(date(2025, 6, 1), {"food": 5})] * 2, top=5, minimum=3, items=("food",))
    assert [(r.responses, r.mean, r.counts, r.shown) for r in rows] == [(0, None, (), False)]


def test_months_are_kept_apart_and_scores_off_the_scale_are_not_counted() -> None:
    responses = [RatingResponseRecord(date(2025, 5, 1), {"food": 5}), RatingResponseRecord(date(2025, 6, 1), {"food": 9}),
                 RatingResponseRecord(date(2025, 6, 1), {"food": 2})]
    rows = summarise(responses, top=5, minimum=1, items=("food",))
    assert [(r.month, r.responses, r.mean) for r in rows] == [
        (date(2025, 5, 1), 1, Decimal("5.00")), (date(2025, 6, 1), 1, Decimal("2.00"))]


def test_timing_as_seen_at_an_instant() -> None:
    limits = complaint_limits(RULES)
    assert limits is not None
    open_one = complaint()
    early, late = complaint_timing(open_one, limits, T + timedelta(days=1)), complaint_timing(
        open_one, limits, T + timedelta(days=2, seconds=1))
    assert (early.answered_in_time, late.unanswered_overdue, late.answer_due) == (True, True, T + timedelta(days=2))


def test_wired_and_silent_without_complaints() -> None:
    inputs = ComplianceInputs(centre=make_centre())
    assert evaluate_feedback in EVALUATORS
    assert (evaluate_feedback(inputs, RULES, JUNE), run()) == ([], [])


def test_a_complaint_answered_and_closed_in_time_gives_no_finding() -> None:
    assert run(complaint(answered=timedelta(hours=5), closed=timedelta(days=10))) == []


def test_a_late_answer_is_a_warning() -> None:
    findings = run(complaint(answered=timedelta(days=3), closed=timedelta(days=10)))
    assert [(f.rule_id, f.severity, f.evidence) for f in findings] == [
        ("families.complaint_handling", Severity.WARNING, ("complaint:1",))]
    assert "逾期答复" in findings[0].message_zh and "came after its deadline" in findings[0].message_en


def test_no_answer_by_the_periods_end_is_a_violation_and_so_is_no_closing() -> None:
    findings = run(complaint())
    assert [(f.severity, "答复" in f.message_zh, "办结" in f.message_zh) for f in findings] == [
        (Severity.VIOLATION, True, False), (Severity.VIOLATION, False, True)]


def test_a_complaint_not_yet_due_at_the_periods_end_gives_no_finding() -> None:
    late_june = datetime(2025, 6, 29, 1, 0, tzinfo=UTC)
    assert run(complaint(received=late_june)) == []


def test_judged_when_the_inputs_were_read_if_that_is_before_the_periods_end() -> None:
    assert run(complaint(), as_of=T + timedelta(days=1)) == []
    assert judged_at(ComplianceInputs(centre=make_centre()), JUNE) == datetime(2025, 6, 30, 16, 0, tzinfo=UTC)


def test_an_answer_after_the_periods_end_does_not_count_for_it() -> None:
    findings = run(complaint(answered=timedelta(days=40), closed=timedelta(days=41)), as_of=T + timedelta(days=60))
    assert [f.severity for f in findings] == [Severity.VIOLATION, Severity.VIOLATION]


def test_an_old_complaint_still_open_is_reported_again_but_an_old_late_answer_is_not() -> None:
    may = datetime(2025, 5, 10, 1, 0, tzinfo=UTC)
    answered_late_in_may = complaint(1, received=may, answered=timedelta(days=5))
    findings = run(answered_late_in_may)
    assert [(f.severity, "办结" in f.message_zh) for f in findings] == [(Severity.VIOLATION, True)]


def test_a_complaint_received_after_the_period_is_left_out() -> None:
    assert run(complaint(received=datetime(2025, 7, 1, 1, 0, tzinfo=UTC))) == []
