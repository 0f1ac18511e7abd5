"""Guardian consent for every enrolled child (个人信息保护法 第31条) / 监护人同意."""

from __future__ import annotations

from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rulebook

RULE_ID = "privacy.guardian_consent"


def evaluate_consent(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """One violation per child enrolled on the period's last day without guardian consent in force."""
    rule = rules.get(RULE_ID)
    if rule is None:
        return []
    day = period.end
    findings = []
    for child in inputs.children:
        if not child.is_enrolled_on(day) or child.has_consent_on(day):
            continue
        withdrawn = child.consent_given_on is not None and child.consent_given_on <= day
        reason_zh = "监护人已撤回同意" if withdrawn else "未记录监护人同意"
        reason_en = "guardian consent was withdrawn" if withdrawn else "no guardian consent is recorded"
        findings.append(
            finding_for(
                rule, Severity.VIOLATION, period, (f"child:{child.id}",),
                f"在托婴幼儿 {child.id}：{reason_zh}（截至 {day.isoformat()}），不得处理其个人信息。",
                f"Enrolled child {child.id}: {reason_en} as of {day.isoformat()}; "
                "their personal information may not be processed.",
            )
        )
    return findings
