"""Class capacity against the class-type cap, and enrolment against approved 托位 / 班额与托位."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rulebook, format_number

ENROLMENT_RULE_ID = "capacity.approved_places"


def evaluate_class_capacity(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Each class's approved capacity must not exceed the cap of its class type (班额)."""
    findings: list[Finding] = []
    for klass in inputs.classes:
        rule = rules.get(f"class_size.{klass.class_type.value}")
        if rule is None:
            continue
        cap = rule.value("max_children")
        if klass.capacity > cap:
            findings.append(
                finding_for(
                    rule, Severity.VIOLATION, period, (f"class:{klass.id}",),
                    f"{klass.class_type.zh}「{klass.name}」核定容量 {klass.capacity} 人，"
                    f"超过班型上限 {format_number(cap)} 人。",
                    f"Class {klass.name} ({klass.class_type.zh}) has capacity {klass.capacity}, "
                    f"above the class-type cap of {format_number(cap)}.",
                )
            )
    return findings


def evaluate_enrolment(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Children enrolled on the period's last day must not exceed the approved 托位."""
    rule = rules.get(ENROLMENT_RULE_ID)
    if rule is None:
        return []
    centre = inputs.centre
    enrolled = [child for child in inputs.children if child.is_enrolled_on(period.end)]
    share = rule.value("max_enrolment_share")
    # Whole children only: a 100 % limit on 40 places is 40, a 95 % limit is 38.
    limit = int((Decimal(centre.approved_places) * share / 100).to_integral_value(rounding=ROUND_FLOOR))
    if len(enrolled) <= limit:
        return []
    return [
        finding_for(
            rule, Severity.VIOLATION, period,
            [f"centre:{centre.code}"] + [f"child:{child.id}" for child in enrolled],
            f"{period.end.isoformat()} 在托 {len(enrolled)} 人，超过核定托位 {centre.approved_places} 个"
            f"（上限 {limit} 人）。",
            f"{len(enrolled)} children enrolled on {period.end.isoformat()}, above the "
            f"{centre.approved_places} approved places (limit {limit}).",
        )
    ]
