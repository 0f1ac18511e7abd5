"""备案 status is present / 备案状态."""

from __future__ import annotations

from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period
from compliance.records import ComplianceInputs, FilingStatus
from compliance.rulebook.model import Rulebook

RULE_ID = "registration.filing"


def evaluate_filing(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """A centre without a 备案 in force on the period's last day is in violation of 备案承诺."""
    rule = rules.get(RULE_ID)
    if rule is None:
        return []
    centre = inputs.centre
    evidence = (f"centre:{centre.code}",)
    if centre.filing_status is not FilingStatus.FILED:
        return [
            finding_for(
                rule, Severity.VIOLATION, period, evidence,
                f"机构「{centre.name}」备案状态为「{centre.filing_status.zh}」，未完成向卫生健康部门的备案。",
                f"Centre {centre.name} has filing status '{centre.filing_status.value}': "
                "it is not filed with the health authority.",
            )
        ]
    if centre.filed_on is None:
        return [
            finding_for(
                rule, Severity.WARNING, period, evidence,
                f"机构「{centre.name}」标记为已备案，但未记录备案日期。",
                f"Centre {centre.name} is marked as filed but no filing date is recorded.",
            )
        ]
    if centre.filed_on > period.end:
        return [
            finding_for(
                rule, Severity.VIOLATION, period, evidence,
                f"机构「{centre.name}」于 {centre.filed_on.isoformat()} 备案，晚于报告期末 {period.end.isoformat()}。",
                f"Centre {centre.name} was filed on {centre.filed_on.isoformat()}, "
                f"after the end of the period ({period.end.isoformat()}).",
            )
        ]
    return []
