"""Findings: what an evaluator reports about a rule over a period / 评估发现."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from compliance.period import Period
from compliance.rulebook.model import Rule
from compliance.sections import InspectionArea, Responsibility


class Severity(StrEnum):
    """严重程度 / severity, from least to most serious."""

    INFO = "info"
    WARNING = "warning"
    VIOLATION = "violation"
    CRITICAL = "critical"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return _SEVERITY_ZH[self]

    @property
    def rank(self) -> int:
        """Order for sorting: higher is more serious."""
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = (Severity.INFO, Severity.WARNING, Severity.VIOLATION, Severity.CRITICAL)
_SEVERITY_ZH = {
    Severity.INFO: "提示",
    Severity.WARNING: "警告",
    Severity.VIOLATION: "违规",
    Severity.CRITICAL: "严重违规",
}


@dataclass(frozen=True)
class Finding:
    """One finding: a rule, how bad, when, on which records, and what to tell people."""

    rule_id: str
    severity: Severity
    period: Period
    evidence: tuple[str, ...]
    message_zh: str
    message_en: str
    responsibility: Responsibility
    inspection_area: InspectionArea

    def to_json(self) -> dict[str, Any]:
        """The finding as plain JSON types."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "period": self.period.to_json(),
            "evidence": list(self.evidence),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "responsibility": self.responsibility.value,
            "inspection_area": self.inspection_area.value,
        }


def finding_for(
    rule: Rule,
    severity: Severity,
    period: Period,
    evidence: Iterable[str],
    message_zh: str,
    message_en: str,
) -> Finding:
    """A finding filed under the rule's primary responsibility and inspection area."""
    return Finding(
        rule_id=rule.id,
        severity=severity,
        period=period,
        evidence=tuple(evidence),
        message_zh=message_zh,
        message_en=message_en,
        responsibility=rule.responsibility,
        inspection_area=rule.inspection_area,
    )
