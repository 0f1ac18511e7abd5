"""Environment monitoring: alerts acknowledged in time, and data from every monitored room / 环境监测.

Reads ``inputs.environment`` (an :class:`EnvironmentEvidence`), which the server fills for centres that
monitor; without it (or for a centre with no monitoring at all) there is nothing to judge. The evidence holds no
alert of an exceedance withdrawn because a sensor fault produced it (the fault's own alert is there instead), and
no exceedance is judged on a window short of data (rule ``environment.data_validity``), so neither can count here.
"""

from __future__ import annotations

from datetime import timedelta

from compliance.evaluators.ratios import days_en
from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period
from compliance.records import ComplianceInputs, EnvironmentEvidence
from compliance.rulebook.model import Rulebook

ACK_RULE = "environment.alert_acknowledgement"
COVERAGE_RULE = "environment.monitoring_coverage"


def _evidence(inputs: ComplianceInputs) -> EnvironmentEvidence | None:
    evidence = inputs.environment
    return evidence if evidence is not None and evidence.monitored else None


def evaluate_alert_acknowledgement(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """A warning per alert acknowledged later than allowed (or never, if it stayed open past the limit)."""
    rule, evidence = rules.get(ACK_RULE), _evidence(inputs)
    if rule is None or evidence is None:
        return []
    limit = timedelta(minutes=float(rule.value("max_minutes")))
    findings = []
    for alert in evidence.alerts:
        # An alert resolved without acknowledgement (the condition passed) ended in time only if it ended quickly.
        ended = alert.acknowledged_at or alert.resolved_at
        if ended is not None and ended - alert.opened_at <= limit:
            continue
        if ended is None:
            zh, en = "至今未确认", "has not been acknowledged"
        else:
            minutes = int((ended - alert.opened_at) / timedelta(minutes=1))
            zh, en = f"{minutes} 分钟后才确认", f"was acknowledged only after {minutes} min"
        severity = Severity.VIOLATION if alert.severity == "emergency" else Severity.WARNING
        findings.append(finding_for(
            rule, severity, period, (f"alert:{alert.id}",),
            f"警报 {alert.id}（{alert.kind}，{alert.opened_at.isoformat()}）{zh}，超过 {limit // timedelta(minutes=1)} 分钟时限。",
            f"Alert {alert.id} ({alert.kind}, {alert.opened_at.isoformat()}) {en}; "
            f"the limit is {limit // timedelta(minutes=1)} min.",
        ))
    return findings


def evaluate_monitoring_coverage(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """A violation per monitored centre's room with no data in the period, a warning for too many empty days."""
    rule, evidence = rules.get(COVERAGE_RULE), _evidence(inputs)
    if rule is None or evidence is None:
        return []
    allowed = int(rule.value("max_days_without_data"))
    names = {klass.id: klass.name for klass in inputs.classes}
    findings = []
    for room in evidence.rooms:
        missing = [d for d in period.each_day() if d not in room.days_with_data]
        name = names.get(room.class_id)
        # A class is named as people know it; its id only when the records hold no name.
        zh = f"班级「{name}」" if name else f"班级 {room.class_id}"
        en = f"Class {name}" if name else f"Class {room.class_id}"
        if not room.days_with_data:
            findings.append(finding_for(
                rule, Severity.VIOLATION, period, (f"class:{room.class_id}",),
                f"{zh}在 {period.label()} 期间没有任何环境监测数据。",
                f"{en} has no environment data at all in {period.label()}.",
            ))
        elif len(missing) > allowed:
            findings.append(finding_for(
                rule, Severity.WARNING, period, (f"class:{room.class_id}",),
                f"{zh}有 {len(missing)} 天无环境监测数据（首日 {missing[0].isoformat()}），允许 {allowed} 天。",
                f"{en} has {days_en(len(missing))} without environment data "
                f"(first {missing[0].isoformat()}); {allowed} allowed.",
            ))
    return findings


def evaluate_environment(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Both environment evaluations: alert acknowledgement and monitoring coverage."""
    return evaluate_alert_acknowledgement(inputs, rules, period) + evaluate_monitoring_coverage(inputs, rules, period)
