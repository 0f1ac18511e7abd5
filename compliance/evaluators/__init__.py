"""Evaluators: pure functions from records and rules to findings / 评估器.

Each evaluator has the signature ``(inputs, rules, period) -> list[Finding]``
and returns nothing for a rule that is not in force. The tuple below is the
whole wiring: a new evaluator is one module plus one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from compliance.evaluators.capacity import evaluate_class_capacity, evaluate_enrolment
from compliance.evaluators.care import evaluate_care
from compliance.evaluators.consent import evaluate_consent
from compliance.evaluators.emergency_preparedness import evaluate_emergency_preparedness
from compliance.evaluators.emergency_response import evaluate_emergency_response
from compliance.evaluators.environment import evaluate_environment
from compliance.evaluators.feedback import evaluate_feedback
from compliance.evaluators.filing import evaluate_filing
from compliance.evaluators.food_samples import evaluate_food_samples
from compliance.evaluators.health import evaluate_health
from compliance.evaluators.hygiene import evaluate_hygiene
from compliance.evaluators.incidents import evaluate_incidents
from compliance.evaluators.meals import evaluate_meals
from compliance.evaluators.notices import evaluate_notices
from compliance.evaluators.ratios import evaluate_ratio_violations
from compliance.evaluators.safeguarding import evaluate_safeguarding
from compliance.evaluators.staff import evaluate_staff
from compliance.evaluators.uv_lamp import evaluate_uv_lamp
from compliance.findings import Finding
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rulebook

Evaluator = Callable[[ComplianceInputs, Rulebook, Period], list[Finding]]

EVALUATORS: tuple[Evaluator, ...] = (
    evaluate_filing,
    evaluate_class_capacity,
    evaluate_enrolment,
    evaluate_consent,
    evaluate_ratio_violations,
    evaluate_environment,
    evaluate_staff,
    evaluate_care,
    evaluate_health,
    evaluate_notices,
    evaluate_feedback,
    evaluate_emergency_preparedness,
    evaluate_incidents,
    evaluate_safeguarding,
    evaluate_emergency_response,
    evaluate_hygiene,
    evaluate_uv_lamp,
    evaluate_meals,
    evaluate_food_samples,
)


def evaluate(
    inputs: ComplianceInputs,
    rules: Rulebook,
    period: Period,
    *,
    evaluators: Sequence[Evaluator] = EVALUATORS,
) -> list[Finding]:
    """Run every registered evaluator; findings sorted most serious first, then by rule id."""
    findings = [finding for evaluator in evaluators for finding in evaluator(inputs, rules, period)]
    # Stable sort: within one rule the evaluator's order (the input order) is kept.
    findings.sort(key=lambda f: (-f.severity.rank, f.rule_id))
    return findings


__all__ = [
    "EVALUATORS",
    "Evaluator",
    "evaluate",
    "evaluate_class_capacity",
    "evaluate_care",
    "evaluate_consent",
    "evaluate_emergency_preparedness",
    "evaluate_emergency_response",
    "evaluate_enrolment",
    "evaluate_feedback",
    "evaluate_filing",
    "evaluate_food_samples",
    "evaluate_health",
    "evaluate_hygiene",
    "evaluate_uv_lamp",
    "evaluate_incidents",
    "evaluate_meals",
    "evaluate_notices",
    "evaluate_staff",
]
