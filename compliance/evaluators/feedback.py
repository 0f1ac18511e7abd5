"""Complaints answered and closed in time / 家长投诉的答复与办结时限.

Reads ``inputs.feedback`` (a :class:`compliance.feedback.FeedbackEvidence`). Judged at the period's end (or when
the inputs were read, if earlier): one finding per complaint whose answer came late or is still missing past its
deadline, and one per complaint whose closing came late or is still missing past its deadline. Each step counts
when the complaint was received in the period, or before it and the step was still not done when the period
began (an old complaint left open is reported in every later period until it is handled; a step done late before
the period is not reported again). The parents' ratings are aggregates and raise no finding.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from compliance.feedback import (
    COMPLAINT_RULE,
    ComplaintRecord,
    complaint_limits,
    complaint_timing,
    rating_items,
)
from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rule, Rulebook


def judged_at(inputs: ComplianceInputs, period: Period) -> datetime:
    """The end of the period's last centre-local day, or when the inputs were read if that is earlier."""
    zone = ZoneInfo(inputs.centre.timezone)
    end = datetime.combine(period.end + timedelta(days=1), time(), zone)
    return min(end, inputs.as_of) if inputs.as_of is not None else end


def _in_scope(complaint: ComplaintRecord, done_at: datetime | None, period: Period, zone: ZoneInfo) -> bool:
    """Whether one step (answer or closing) of a complaint is judged in this period.

    Received in the period; or received before it and the step not done before the period began.
    """
    received_on = complaint.received_at.astimezone(zone).date()
    if received_on > period.end:
        return False
    return received_on >= period.start or done_at is None or done_at >= datetime.combine(period.start, time(), zone)


def _category(key: str) -> tuple[str, str]:
    item = next((i for i in rating_items() if i.key == key), None)
    return (item.zh, item.en) if item is not None else ("其他", "other")


def _finding(rule: Rule, period: Period, complaint: ComplaintRecord, zone: ZoneInfo, *, step: str, late: bool,
             due: datetime, days: str) -> Finding:
    received = complaint.received_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    due_text = due.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    zh_cat, en_cat = _category(complaint.category)
    zh_step, en_step = ("答复", "answer") if step == "answer" else ("办结", "closing")
    if late:
        zh = f"家长投诉 {complaint.id}（{zh_cat}，{received} 收到）逾期{zh_step}：应于 {due_text} 前{zh_step}（时限 {days} 天）。"
        en = (f"Complaint {complaint.id} ({en_cat}, received {received}): the {en_step} came after its deadline "
              f"{due_text} (limit {days} day(s)).")
    else:
        zh = f"家长投诉 {complaint.id}（{zh_cat}，{received} 收到）至期末仍未{zh_step}，已超过时限 {due_text}（{days} 天）。"
        en = (f"Complaint {complaint.id} ({en_cat}, received {received}): still without its {en_step} at the period's "
              f"end, past its deadline {due_text} (limit {days} day(s)).")
    return finding_for(rule, Severity.WARNING if late else Severity.VIOLATION, period,
                       (f"complaint:{complaint.id}",), zh, en)


def evaluate_feedback(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """A finding per complaint answered late or not at all in time, and per complaint closed late or not at all."""
    rule, limits, evidence = rules.get(COMPLAINT_RULE), complaint_limits(rules), inputs.feedback
    if rule is None or limits is None or evidence is None:
        return []
    zone, now = ZoneInfo(inputs.centre.timezone), judged_at(inputs, period)
    answer_days = f"{rule.value('answer_within_days'):f}".rstrip("0").rstrip(".")
    close_days = f"{rule.value('close_within_days'):f}".rstrip("0").rstrip(".")
    findings = []
    for complaint in sorted(evidence.complaints, key=lambda c: (c.received_at, str(c.id))):
        timing = complaint_timing(complaint, limits, now)
        if _in_scope(complaint, complaint.answered_at, period, zone) and not timing.answered_in_time:
            findings.append(_finding(rule, period, complaint, zone, step="answer", late=timing.answered_late,
                                     due=timing.answer_due, days=answer_days))
        if _in_scope(complaint, complaint.closed_at, period, zone) and not timing.closed_in_time:
            findings.append(_finding(rule, period, complaint, zone, step="close", late=timing.closed_late,
                                     due=timing.close_due, days=close_days))
    return findings
