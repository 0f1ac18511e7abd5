"""Live emergencies reviewed and followed up / 突发事件的事后复盘与整改 (rule ``emergency.response_record``).

Reads ``inputs.emergency_response`` (an :class:`EmergencyResponseEvidence`). Judged at the period's end (or when the
inputs were read, if earlier): a finding per closed emergency whose review is missing past its deadline (the
close-out plus ``review_within_days``; a violation) or came late (a warning), and one per follow-up task not done by
its due date (a warning). An emergency or task counts when its deadline falls in the period, or before it and it was
still not done when the period began (an old one left undone is reported in every later period until it is done).
The records are kept here, beside their only reader, free of ``compliance.records`` (which names them lazily).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period
from compliance.rulebook.model import Rule, Rulebook

if TYPE_CHECKING:
    from compliance.records import ComplianceInputs

RULE_ID = "emergency.response_record"
Id = int | str


@dataclass(frozen=True)
class FollowUpRecord:
    """A task after an emergency: what, due when, done when (None: not done)."""

    id: Id
    what: str
    due_on: date
    done_at: datetime | None = None


@dataclass(frozen=True)
class EmergencyRecord:
    """One emergency: kind (Chinese and English), when it opened, closed and was reviewed, and its follow-ups."""

    id: Id
    kind_zh: str
    kind_en: str
    opened_at: datetime
    closed_at: datetime | None = None
    reviewed_at: datetime | None = None
    follow_ups: tuple[FollowUpRecord, ...] = ()


@dataclass(frozen=True)
class EmergencyResponseEvidence:
    """Every emergency opened before the period's end."""

    emergencies: tuple[EmergencyRecord, ...] = ()


def review_days(rules: Rulebook) -> int | None:
    """The rule's review deadline in days after the close-out; None when the rule is not in force."""
    rule = rules.get(RULE_ID)
    return None if rule is None else int(rule.value("review_within_days"))


def _judged_at(inputs: ComplianceInputs, period: Period, zone: ZoneInfo) -> datetime:
    end = datetime.combine(period.end + timedelta(days=1), time(), zone)
    return min(end, inputs.as_of) if inputs.as_of is not None else end


def _counts(due: datetime, done_at: datetime | None, period: Period, zone: ZoneInfo) -> bool:
    """Whether a step due at `due` is judged in this period: due in it, or before it and not done when it began."""
    if due.astimezone(zone).date() > period.end:
        return False
    begins = datetime.combine(period.start, time(), zone)
    return due >= begins or done_at is None or done_at >= begins


def _review_finding(rule: Rule, period: Period, record: EmergencyRecord, due: datetime, zone: ZoneInfo,
                    days: int, *, missing: bool) -> Finding:
    opened = record.opened_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    due_text = due.astimezone(zone).strftime("%Y-%m-%d")
    if missing:
        return finding_for(rule, Severity.VIOLATION, period, (f"emergency:{record.id}",),
                           f"突发事件 {record.id}（{record.kind_zh}，{opened}）解除后未复盘：应于 {due_text} 前完成（时限 {days} 天）。",
                           f"Emergency {record.id} ({record.kind_en}, {opened}) was closed but never reviewed: the "
                           f"review was due by {due_text} (limit {days} day(s)).")
    return finding_for(rule, Severity.WARNING, period, (f"emergency:{record.id}",),
                       f"突发事件 {record.id}（{record.kind_zh}，{opened}）复盘逾期：应于 {due_text} 前完成（时限 {days} 天）。",
                       f"Emergency {record.id} ({record.kind_en}, {opened}) was reviewed after its deadline "
                       f"{due_text} (limit {days} day(s)).")


def _follow_up_finding(rule: Rule, period: Period, record: EmergencyRecord, task: FollowUpRecord, *,
                      missing: bool) -> Finding:
    state_zh = "逾期未完成" if missing else "逾期完成"
    state_en = "is overdue and not done" if missing else "was done late"
    return finding_for(rule, Severity.WARNING, period, (f"emergency:{record.id}", f"follow_up:{task.id}"),
                       f"突发事件 {record.id}（{record.kind_zh}）的整改任务“{task.what}”{state_zh}（应于 {task.due_on} 前完成）。",
                       f"Emergency {record.id} ({record.kind_en}): the follow-up “{task.what}” {state_en} (due "
                       f"{task.due_on}).")


def evaluate_emergency_response(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """A finding per emergency not reviewed in time, and per follow-up not done by its due date."""
    rule, days = rules.get(RULE_ID), review_days(rules)
    evidence = inputs.emergency_response
    if rule is None or days is None or evidence is None:
        return []
    zone = ZoneInfo(inputs.centre.timezone)
    now = _judged_at(inputs, period, zone)
    findings: list[Finding] = []
    for record in sorted(evidence.emergencies, key=lambda e: (e.opened_at, str(e.id))):
        if record.closed_at is not None and record.closed_at < now:
            due = record.closed_at + timedelta(days=days)
            reviewed = record.reviewed_at if record.reviewed_at is not None and record.reviewed_at <= now else None
            late = reviewed > due if reviewed is not None else due <= now
            if late and _counts(due, reviewed, period, zone):
                findings.append(_review_finding(rule, period, record, due, zone, days, missing=reviewed is None))
        for task in record.follow_ups:
            due_end = datetime.combine(task.due_on + timedelta(days=1), time(), zone)  # the due day counts
            done = task.done_at if task.done_at is not None and task.done_at <= now else None
            late = done >= due_end if done is not None else due_end <= now
            if late and _counts(due_end - timedelta(microseconds=1), done, period, zone):
                findings.append(_follow_up_finding(rule, period, record, task, missing=done is None))
    return findings
