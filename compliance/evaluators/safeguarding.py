"""The duty to report a suspected harm to a child in time / 强制报告时限.

Reads ``inputs.safeguarding`` (a :class:`SafeguardingEvidence`). Judged at the period's end (or when the inputs
were read, if earlier): one finding per concern whose first report to the police or an authority came after the
rule's deadline (counted from when the concern was recorded), or is still missing past it. A concern counts when it
was recorded in the period, or before it and was still unreported when the period began.

A finding names the concern by its number only (``SG-12``): no child, no category, no account, so that packs
built without the safeguarding scope hold nothing more than that a concern was reported late.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period
from compliance.rulebook.model import Rulebook

if TYPE_CHECKING:
    from compliance.records import ComplianceInputs

MANDATORY_REPORT_RULE = "safeguarding.mandatory_report"


@dataclass(frozen=True)
class ConcernRecord:
    """One concern: its number, when it was recorded, first reported (police or authority) and noticed.

    The deadline runs from when it was noticed: the law says "immediately" on discovery, and recording late must
    not buy time. Without a noticed time the recording is the start.
    """

    id: int | str
    recorded_at: datetime
    first_reported_at: datetime | None = None
    noticed_at: datetime | None = None

    @property
    def clock_starts_at(self) -> datetime:
        return min(self.noticed_at, self.recorded_at) if self.noticed_at is not None else self.recorded_at


@dataclass(frozen=True)
class SafeguardingEvidence:
    """The centre's concerns recorded up to the period's end."""

    concerns: tuple[ConcernRecord, ...] = field(default_factory=tuple)


def concern_number(concern_id: int | str) -> str:
    """The neutral subject a concern goes by outside the restricted pages: SG-<id>."""
    return f"SG-{concern_id}"


def report_deadline(rules: Rulebook) -> timedelta | None:
    """How long after noticing a concern it must be reported; None when the rule is not in force."""
    rule = rules.get(MANDATORY_REPORT_RULE)
    return timedelta(hours=float(rule.value("report_within_hours"))) if rule is not None else None


def _judged_at(inputs: ComplianceInputs, period: Period) -> datetime:
    end = datetime.combine(period.end + timedelta(days=1), time(), ZoneInfo(inputs.centre.timezone))
    return min(end, inputs.as_of) if inputs.as_of is not None else end


def _in_scope(concern: ConcernRecord, period: Period, zone: ZoneInfo) -> bool:
    recorded_on = concern.recorded_at.astimezone(zone).date()
    if recorded_on > period.end:
        return False
    started = datetime.combine(period.start, time(), zone)
    return recorded_on >= period.start or concern.first_reported_at is None or concern.first_reported_at >= started


def evaluate_safeguarding(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """A finding per concern reported after its deadline (warning) or still unreported past it (violation)."""
    rule, limit = rules.get(MANDATORY_REPORT_RULE), report_deadline(rules)
    evidence = inputs.safeguarding
    if rule is None or limit is None or evidence is None:
        return []
    zone, now = ZoneInfo(inputs.centre.timezone), _judged_at(inputs, period)
    hours = f"{rule.value('report_within_hours'):f}".rstrip("0").rstrip(".")
    findings = []
    for concern in sorted(evidence.concerns, key=lambda c: (c.recorded_at, str(c.id))):
        if not _in_scope(concern, period, zone):
            continue
        due = concern.clock_starts_at + limit
        number = concern_number(concern.id)
        recorded = concern.clock_starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        due_text = due.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        reported = concern.first_reported_at
        if reported is not None and reported <= due:
            continue
        if reported is not None and reported <= now:
            at = reported.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            zh = (f"儿童保护事件 {number}（{recorded} 发现）于 {at} 才向公安机关或主管部门报告，"
                  f"晚于时限 {due_text}（{hours} 小时）。")
            en = (f"Safeguarding concern {number} (noticed {recorded}) was reported to the police or an authority "
                  f"at {at}, after its deadline {due_text} ({hours} h).")
            findings.append(finding_for(rule, Severity.WARNING, period, (f"safeguarding_concern:{concern.id}",), zh, en))
        elif now > due:
            zh = f"儿童保护事件 {number}（{recorded} 发现）至期末仍未向公安机关或主管部门报告，已超过时限 {due_text}（{hours} 小时）。"
            en = (f"Safeguarding concern {number} (noticed {recorded}) is still not reported to the police or an "
                  f"authority at the period's end, past its deadline {due_text} ({hours} h).")
            findings.append(finding_for(rule, Severity.VIOLATION, period, (f"safeguarding_concern:{concern.id}",), zh,
                                        en))
    return findings
