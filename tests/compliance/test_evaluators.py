"""Evaluators: each passes at the boundary and reports one step beyond it."""

from __future__ import annotations

from datetime import date

from compliance_factories import PERIOD, make_centre, make_child, make_class

from compliance import (
    ClassType,
    ComplianceInputs,
    FilingStatus,
    Period,
    Severity,
    effective_rulebook,
    evaluate,
)
from compliance.evaluators import (
    evaluate_class_capacity,
    evaluate_consent,
    evaluate_enrolment,
    evaluate_filing,
)
from compliance.sections import InspectionArea, Responsibility

RULES = effective_rulebook("hunan-shaoyang", None, PERIOD.end)


def inputs(**kwargs: object) -> ComplianceInputs:
    centre = kwargs.pop("centre", make_centre())
    return ComplianceInputs(centre=centre, **kwargs)  # type: ignore[arg-type]


def test_filed_centre_has_no_filing_finding() -> None:
    assert evaluate_filing(inputs(), RULES, PERIOD) == []


def test_unfiled_centre_is_a_violation_of_the_filing_commitment() -> None:
    centre = make_centre(filing_status=FilingStatus.NOT_FILED, filed_on=None)
    [finding] = evaluate_filing(inputs(centre=centre), RULES, PERIOD)
    assert (finding.severity, finding.responsibility, finding.evidence) == (
        Severity.VIOLATION, Responsibility.FILING, ("centre:SY-0001",)
    )


def test_filing_after_the_period_is_a_violation() -> None:
    centre = make_centre(filed_on=date(2025, 4, 1))
    [finding] = evaluate_filing(inputs(centre=centre), RULES, PERIOD)
    assert finding.severity is Severity.VIOLATION


def test_filed_status_without_a_date_is_a_warning() -> None:
    [finding] = evaluate_filing(inputs(centre=make_centre(filed_on=None)), RULES, PERIOD)
    assert finding.severity is Severity.WARNING


def test_toddler_class_of_fifteen_passes() -> None:
    assert evaluate_class_capacity(inputs(classes=[make_class(15)]), RULES, PERIOD) == []


def test_toddler_class_of_sixteen_is_a_violation_with_both_numbers() -> None:
    [finding] = evaluate_class_capacity(inputs(classes=[make_class(16)]), RULES, PERIOD)
    assert ("16" in finding.message_zh, "15" in finding.message_zh, finding.evidence) == (True, True, ("class:1",))


def test_mixed_class_of_eighteen_passes() -> None:
    assert evaluate_class_capacity(inputs(classes=[make_class(18, ClassType.HUNHEBAN)]), RULES, PERIOD) == []


def test_home_point_of_six_is_a_violation() -> None:
    findings = evaluate_class_capacity(inputs(classes=[make_class(6, ClassType.JIATING)]), RULES, PERIOD)
    assert [f.rule_id for f in findings] == ["class_size.jiating"]


def test_enrolment_equal_to_approved_places_passes() -> None:
    children = [make_child(i) for i in range(40)]
    assert evaluate_enrolment(inputs(children=children), RULES, PERIOD) == []


def test_enrolment_above_approved_places_is_a_violation() -> None:
    children = [make_child(i) for i in range(41)]
    [finding] = evaluate_enrolment(inputs(children=children), RULES, PERIOD)
    assert (finding.rule_id, len(finding.evidence), "41" in finding.message_en) == (
        "capacity.approved_places", 42, True
    )


def test_child_who_left_before_the_last_day_is_not_counted() -> None:
    children = [make_child(i) for i in range(40)] + [make_child(40, left_on=date(2025, 3, 30))]
    assert evaluate_enrolment(inputs(children=children), RULES, PERIOD) == []


def test_child_enrolled_after_the_period_is_not_counted() -> None:
    children = [make_child(i) for i in range(40)] + [make_child(40, enrolled_on=date(2025, 4, 1))]
    assert evaluate_enrolment(inputs(children=children), RULES, PERIOD) == []


def test_child_with_consent_passes() -> None:
    assert evaluate_consent(inputs(children=[make_child(1)]), RULES, PERIOD) == []


def test_child_without_consent_is_a_violation() -> None:
    [finding] = evaluate_consent(inputs(children=[make_child(7, consent_given_on=None)]), RULES, PERIOD)
    assert (finding.evidence, finding.inspection_area) == (("child:7",), InspectionArea.OPERATIONS)


def test_consent_given_after_the_period_is_a_violation() -> None:
    child = make_child(7, consent_given_on=date(2025, 4, 2))
    assert len(evaluate_consent(inputs(children=[child]), RULES, PERIOD)) == 1


def test_withdrawn_consent_is_a_violation() -> None:
    child = make_child(7, consent_withdrawn_on=date(2025, 2, 1))
    [finding] = evaluate_consent(inputs(children=[child]), RULES, PERIOD)
    assert "withdrawn" in finding.message_en


def test_consent_given_again_after_a_withdrawal_passes() -> None:
    child = make_child(7, consent_withdrawn_on=date(2024, 10, 1), consent_given_on=date(2024, 11, 1))
    assert evaluate_consent(inputs(children=[child]), RULES, PERIOD) == []


def test_child_who_left_needs_no_consent_finding() -> None:
    child = make_child(7, consent_given_on=None, left_on=date(2024, 12, 31))
    assert evaluate_consent(inputs(children=[child]), RULES, PERIOD) == []


def test_rule_not_in_force_gives_no_finding() -> None:
    period = Period(date(2018, 1, 1), date(2018, 12, 31))
    rules = effective_rulebook(None, None, period.end)
    child = make_child(7, enrolled_on=date(2018, 1, 1), consent_given_on=None)
    assert evaluate_consent(inputs(children=[child]), rules, period) == []


def test_evaluate_runs_every_evaluator_most_serious_first() -> None:
    centre = make_centre(filed_on=None)
    children = [make_child(i, consent_given_on=None if i == 0 else date(2024, 9, 1)) for i in range(41)]
    findings = evaluate(inputs(centre=centre, classes=[make_class(16)], children=children), RULES, PERIOD)
    assert [(f.severity, f.rule_id) for f in findings] == [
        (Severity.VIOLATION, "capacity.approved_places"),
        (Severity.VIOLATION, "class_size.tuoxiaoban"),
        (Severity.VIOLATION, "privacy.guardian_consent"),
        (Severity.WARNING, "registration.filing"),
    ]


def _breach_of(minutes: int) -> list:
    from datetime import UTC, datetime, timedelta

    from compliance.evaluators.ratios import evaluate_ratio_violations
    from compliance.records import RatioViolationRecord

    opened = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    record = RatioViolationRecord(id=7, class_id=1, class_name="小一班", kind="ratio", rule_id="ratio.tuoxiaoban",
                                  opened_at=opened, closed_at=opened + timedelta(minutes=minutes), day=date(2025, 3, 3))
    return evaluate_ratio_violations(inputs(ratio_violations=[record]), RULES, PERIOD)


def test_a_one_minute_breach_says_minute_in_the_singular() -> None:
    [finding] = _breach_of(1)
    assert "for 1 minute on" in finding.message_en


def test_a_longer_breach_says_minutes() -> None:
    [finding] = _breach_of(12)
    assert "for 12 minutes on" in finding.message_en


def test_a_room_without_environment_data_is_named_by_its_class_name() -> None:
    from compliance.evaluators.environment import evaluate_monitoring_coverage
    from compliance.records import EnvironmentEvidence, MonitoredRoomRecord

    evidence = EnvironmentEvidence(monitored=True, rooms=(MonitoredRoomRecord(class_id=1),))
    [finding] = evaluate_monitoring_coverage(inputs(classes=[make_class(15)], environment=evidence), RULES, PERIOD)
    assert (finding.message_en.startswith("Class 小一班 "), "「小一班」" in finding.message_zh) == (True, True)
