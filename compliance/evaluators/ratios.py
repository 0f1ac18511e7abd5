"""Ratio and class-size violations of the period, each one longer than the grace / 师幼比与班额违规."""

from __future__ import annotations

from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rulebook

GRACE_RULE_ID = "ratio.violation_grace"


def days_en(count: int) -> str:
    """"1 day", "5 days"."""
    return f"{count} day" if count == 1 else f"{count} days"


def minutes_en(count: int) -> str:
    """"1 minute", "5 minutes"."""
    return f"{count} minute" if count == 1 else f"{count} minutes"


def evaluate_ratio_violations(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """One finding per interval that opened in the period and lasted longer than the grace."""
    grace_rule = rules.get(GRACE_RULE_ID)
    grace_minutes = float(grace_rule.value("grace_minutes")) if grace_rule is not None else 0.0
    findings: list[Finding] = []
    for violation in inputs.ratio_violations:
        rule = rules.get(violation.rule_id)
        end = violation.closed_at or inputs.as_of
        if rule is None or violation.day not in period or end is None:
            continue
        minutes = (end - violation.opened_at).total_seconds() / 60
        if minutes <= grace_minutes:
            continue
        what_zh, what_en = ("师幼比不足", "out of ratio") if violation.kind == "ratio" else ("超班额", "over its class size")
        ongoing_zh, ongoing_en = ("（仍在持续）", " (still open)") if violation.closed_at is None else ("", "")
        whole = round(minutes)
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, (f"class:{violation.class_id}", f"ratio_violation:{violation.id}"),
            f"「{violation.class_name}」{violation.day.isoformat()} {what_zh} {whole} 分钟{ongoing_zh}。",
            f"{violation.class_name} was {what_en} for {minutes_en(whole)} on {violation.day.isoformat()}{ongoing_en}.",
        ))
    return findings
