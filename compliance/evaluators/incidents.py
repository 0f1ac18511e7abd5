"""Injury reports signed, reviewed and acknowledged in time; CCTV kept long enough / 伤害登记时限与录像保存期.

Reads ``inputs.incidents`` (a :class:`compliance.incidents.IncidentEvidence`). Judged at the period's end (or when
the inputs were read, if earlier):

- ``incidents.report_deadline``: a report signed by its reporter after the deadline (warning), or still unsigned
  past it (violation);
- ``incidents.signatures_and_acknowledgement``: a warning per report and step — the witness's signature, the
  director's review, the guardian's acknowledgement — still missing past its deadline, or done after it;
- ``security.cctv_retention``: the retention recorded by the centre below the rule's minimum (violation) or never
  recorded (warning).

A step counts when the event happened in the period, or before it and the step was still not done when the period
began (an old report left unsigned is reported in every later period until it is done).
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from compliance.evaluators.feedback import judged_at
from compliance.findings import Finding, Severity, finding_for
from compliance.incidents import (
    CCTV_RULE,
    DEADLINE_RULE,
    SIGNATURES_RULE,
    IncidentRecord,
    incident_limits,
    incident_timing,
    injury_type,
)
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rulebook


def _child(record: IncidentRecord) -> tuple[str, str]:
    name = record.child_name
    return (f"幼儿{name}", name) if name else (f"幼儿 {record.child_id}", f"Child {record.child_id}")


def _in_scope(record: IncidentRecord, done_at: datetime | None, period: Period, zone: ZoneInfo) -> bool:
    on = record.occurred_at.astimezone(zone).date()
    if on > period.end:
        return False
    return on >= period.start or done_at is None or done_at >= datetime.combine(period.start, time(), zone)


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _what(record: IncidentRecord, zone: ZoneInfo) -> tuple[str, str]:
    kind = injury_type(record.injury_type)
    zh_kind, en_kind = (kind.zh, kind.en) if kind else ("伤害", "injury")
    child_zh, child_en = _child(record)
    when = _local(record.occurred_at, zone)
    return f"{child_zh}{when}的{zh_kind}登记（编号 {record.id}）", f"{child_en}'s {en_kind.lower()} report {record.id} ({when})"


def _cctv(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    rule, evidence = rules.get(CCTV_RULE), inputs.incidents
    if rule is None or evidence is None or not evidence.cctv_recorded:
        return []
    minimum = int(rule.value("min_days"))
    days = evidence.cctv_retention_days
    if days is None:
        return [finding_for(rule, Severity.WARNING, period, ("cctv_retention:none",),
                            f"未登记视频监控录像的保存天数（应不少于 {minimum} 天）。",
                            f"The CCTV footage retention is not recorded (it must be at least {minimum} days).")]
    if days < minimum:
        return [finding_for(rule, Severity.VIOLATION, period, (f"cctv_retention:{days}",),
                            f"视频监控录像保存 {days} 天，少于规定的 {minimum} 天。",
                            f"CCTV footage is kept {days} days, less than the required {minimum} days.")]
    return []


def evaluate_incidents(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Findings per report signed late or not at all, per missing witness, review or acknowledgement, and CCTV."""
    evidence = inputs.incidents
    if evidence is None:
        return []
    findings = _cctv(inputs, rules, period)
    limits = incident_limits(rules)
    deadline, signatures = rules.get(DEADLINE_RULE), rules.get(SIGNATURES_RULE)
    if limits is None or deadline is None:
        return findings
    zone, now = ZoneInfo(inputs.centre.timezone), judged_at(inputs, period)
    hours = f"{deadline.value('max_hours'):f}".rstrip("0").rstrip(".")
    for record in sorted(evidence.incidents, key=lambda r: (r.occurred_at, str(r.id))):
        timing = incident_timing(record, limits, now)
        zh, en = _what(record, zone)
        ref = (f"incident:{record.id}",)
        due = _local(timing.report_due, zone)
        if timing.report_late and _in_scope(record, record.reporter_signed_at, period, zone):
            assert record.reporter_signed_at is not None
            signed = _local(record.reporter_signed_at, zone)
            findings.append(finding_for(deadline, Severity.WARNING, period, ref,
                                        f"{zh}于 {signed} 才由报告人签署，超过时限 {due}（事发后 {hours} 小时）。",
                                        f"{en} was signed by its reporter at {signed}, after its deadline {due} "
                                        f"({hours} h after the event)."))
        elif timing.report_overdue and _in_scope(record, None, period, zone):
            findings.append(finding_for(deadline, Severity.VIOLATION, period, ref,
                                        f"{zh}至期末仍未由报告人签署，已超过时限 {due}（事发后 {hours} 小时）。",
                                        f"{en} is still not signed by its reporter, past its deadline {due} "
                                        f"({hours} h after the event)."))
        if signatures is None:
            continue
        steps = (("witness", timing.witness_overdue, timing.witness_due, record.witness_signed_at, "见证人签字",
                  "the witness's signature"),
                 ("review", timing.review_overdue, timing.review_due, record.reviewed_at, "负责人审核",
                  "the director's review"),
                 ("acknowledgement", timing.acknowledge_overdue, timing.acknowledge_due, record.acknowledged_at,
                  "家长确认", "the guardian's acknowledgement"))
        for key, overdue, step_due, done_at, step_zh, step_en in steps:
            if step_due is None or not _in_scope(record, done_at, period, zone):
                continue
            if overdue:
                findings.append(finding_for(signatures, Severity.WARNING, period, (*ref, key),
                                            f"{zh}缺{step_zh}，已超过时限 {_local(step_due, zone)}。",
                                            f"{en} is missing {step_en}, past its deadline {_local(step_due, zone)}."))
            elif done_at is not None and step_due < done_at <= now:  # done, but late: a late step stays on record
                findings.append(finding_for(
                    signatures, Severity.WARNING, period, (*ref, key),
                    f"{zh}的{step_zh}于 {_local(done_at, zone)} 才完成，晚于时限 {_local(step_due, zone)}。",
                    f"{en} got {step_en} only at {_local(done_at, zone)}, after its deadline "
                    f"{_local(step_due, zone)}."))
    return findings
