"""Notices to guardians acknowledged in time / 家长通知确认.

Reads ``inputs.notices`` (a :class:`NoticeEvidence`). At the end of the period (or when the inputs were read, if
earlier), each notice past its acknowledgement deadline and still unacknowledged is a finding of the rule
``families.notice_acknowledgement``: a warning when the notice reached the family (they have not confirmed), a
violation when no channel ever delivered it (the family was not told, which the 晨检 and exclusion rules require).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rulebook

RULE_ID = "families.notice_acknowledgement"


def period_cutoff(inputs: ComplianceInputs, period: Period) -> datetime:
    """The end of the period's last local day, or the moment the inputs were read if that is earlier."""
    zone = ZoneInfo(inputs.centre.timezone or "Asia/Shanghai")
    end = datetime.combine(period.end + timedelta(days=1), time(), tzinfo=zone)
    return min(end, inputs.as_of) if inputs.as_of is not None else end


def _child(inputs: ComplianceInputs, child_id: object) -> tuple[str, str]:
    name = next((c.name for c in inputs.children if str(c.id) == str(child_id) and c.name), None)
    return (f"幼儿{name}", name) if name else (f"幼儿 {child_id}", f"Child {child_id}")


def evaluate_notices(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """One finding per notice past its deadline and unacknowledged at the period's end."""
    rule = rules.get(RULE_ID)
    evidence = inputs.notices
    if rule is None or evidence is None:
        return []
    cutoff = period_cutoff(inputs, period)
    zone = ZoneInfo(inputs.centre.timezone or "Asia/Shanghai")
    findings = []
    for notice in evidence.notices:
        if notice.queued_at > cutoff or not notice.overdue_at(cutoff):
            continue
        assert notice.deadline_at is not None
        child_zh, child_en = _child(inputs, notice.child_id)
        due = notice.deadline_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        delivered = notice.delivered_at is not None and notice.delivered_at <= cutoff
        if delivered:
            severity = Severity.WARNING
            zh = f"通知 {notice.id}（{notice.kind_zh}，{child_zh}）：确认期限 {due} 已过，监护人尚未确认。"
            en = (f"Notice {notice.id} ({notice.kind_en}, {child_en}): the guardians have not acknowledged it; "
                  f"it was due by {due}.")
        else:
            severity = Severity.VIOLATION
            zh = f"通知 {notice.id}（{notice.kind_zh}，{child_zh}）：至今未能送达监护人，确认期限 {due} 已过。"
            en = (f"Notice {notice.id} ({notice.kind_en}, {child_en}) never reached the guardians; "
                  f"it was due to be acknowledged by {due}.")
        findings.append(finding_for(rule, severity, period, (f"notice:{notice.id}", f"child:{notice.child_id}"),
                                    zh, en))
    return findings
