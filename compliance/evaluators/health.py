"""Health: 晨检, follow-ups, exclusion, outbreaks, sick absences, the entry exam, growth / 卫生保健.

Judged: 晨检 for every child present, abnormal checks followed up, no child present while excluded, outbreak
alerts, sick absences with the disease name, the entry exam, growth screened.

Reads ``inputs.health`` (a :class:`HealthEvidence`) and the 出勤登记 lines of ``inputs.attendance``; without
health records there is nothing to judge. The judgements are the ones the server asks live (``compliance.health``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from compliance.evaluators.care import child_text, class_text
from compliance.findings import Finding, Severity, finding_for
from compliance.health import (
    GrowthStatus,
    HealthEvidence,
    assess,
    disease_key,
    follow_up_overdue,
    is_excluded,
    morning_check_of,
    needs_new_entry_exam,
    outbreaks,
)
from compliance.health.records import GrowthMeasurementRecord, Id, IllnessCaseRecord
from compliance.period import Period
from compliance.records import AttendanceRecord, ComplianceInputs
from compliance.rulebook.model import Rulebook

MORNING_RULE = "health.morning_check"
FOLLOW_UP_RULE = "health.follow_up"
EXCLUSION_RULE = "health.exclusion"
OUTBREAK_RULE = "health.outbreak"
SICK_RULE = "records.sick_absence"
ENTRY_RULE = "health.entry_exam"
GROWTH_RULE = "health.growth_screening"
SICK = "sick"


def _present(inputs: ComplianceInputs, period: Period) -> list[AttendanceRecord]:
    return sorted((a for a in inputs.attendance if a.present and a.on in period), key=lambda a: (a.on, str(a.child_id)))


def _names(inputs: ComplianceInputs, ids: Iterable[Id], sep: str, language: str) -> str:
    """Each child once, by name, in order of first appearance."""
    return sep.join(getattr(child_text(inputs, i), language) for i in dict.fromkeys(ids))


def _morning_findings(inputs: ComplianceInputs, evidence: HealthEvidence, rules: Rulebook, period: Period) -> list[Finding]:
    """Per class: the child-days present without a 晨检 that day."""
    rule = rules.get(MORNING_RULE)
    if rule is None:
        return []
    missed: dict[str, list[AttendanceRecord]] = {}
    for line in _present(inputs, period):
        if morning_check_of(evidence.checks, line.child_id, line.on) is None:
            missed.setdefault(str(line.class_id), []).append(line)
    findings = []
    for _, lines in sorted(missed.items()):
        where, first = class_text(inputs, lines[0].class_id), lines[0]
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, tuple(dict.fromkeys(f"child:{a.child_id}" for a in lines)),
            f"{where.zh}有 {len(lines)} 人次到园未做晨检（首次 {first.on.isoformat()} {child_text(inputs, first.child_id).zh}；"
            f"{_names(inputs, (a.child_id for a in lines), '、', 'zh')}）。",
            f"{where.en}: {len(lines)} child-day(s) present without a morning check (first {first.on.isoformat()}, "
            f"{child_text(inputs, first.child_id).en}; {_names(inputs, (a.child_id for a in lines), ', ', 'en')}).",
        ))
    return findings


def _now(inputs: ComplianceInputs, period: Period, at: datetime) -> datetime:
    """When follow-ups are judged: the reading time, else the end of the period's last day (in ``at``'s zone)."""
    if inputs.as_of is not None:
        return inputs.as_of
    return datetime.combine(period.end + timedelta(days=1), time(), at.tzinfo)


def _follow_up_findings(inputs: ComplianceInputs, evidence: HealthEvidence, rules: Rulebook, period: Period) -> list[Finding]:
    rule = rules.get(FOLLOW_UP_RULE)
    if rule is None:
        return []
    limit = rule.value("max_days")
    findings = []
    for check in sorted(evidence.checks, key=lambda c: c.at):
        now = _now(inputs, period, check.at)
        if check.on not in period or not follow_up_overdue(check, now, rules):
            continue
        closed = check.follow_up_closed_at is not None and check.follow_up_closed_at <= now
        zh = "跟踪处理超过时限才闭环" if closed else "至今未闭环"
        en = "was closed late" if closed else "is still open"
        findings.append(finding_for(
            rule, Severity.WARNING if closed else Severity.VIOLATION, period,
            (f"health_check:{check.id}", f"child:{check.child_id}"),
            f"{child_text(inputs, check.child_id).zh} {check.on.isoformat()} {check.kind.zh}异常（{check.findings or '未写明'}），{zh}"
            f"（时限 {limit} 天）。",
            f"{child_text(inputs, check.child_id).en}'s abnormal {check.kind.value} check on {check.on.isoformat()} "
            f"({check.findings or 'not described'}): the follow-up {en} (limit {limit} day(s)).",
        ))
    return findings


def _exclusion_findings(inputs: ComplianceInputs, evidence: HealthEvidence, rules: Rulebook, period: Period) -> list[Finding]:
    """A child present while excluded; an infectious case registered without an exclusion."""
    rule = rules.get(EXCLUSION_RULE)
    if rule is None:
        return []
    ignored: dict[str, tuple[IllnessCaseRecord, list[date]]] = {}
    for line in _present(inputs, period):
        case = is_excluded(evidence.cases, line.child_id, line.on)
        if case is not None:
            ignored.setdefault(str(case.id), (case, []))[1].append(line.on)
    findings = []
    for case, days in (ignored[k] for k in sorted(ignored)):
        findings.append(finding_for(
            rule, Severity.CRITICAL, period, (f"illness:{case.id}", f"child:{case.child_id}"),
            f"{child_text(inputs, case.child_id).zh} 因{case.disease}隔离期间（自 {case.excluded_from}，未登记返园证明）有 {len(days)} 天到园"
            f"（首日 {days[0].isoformat()}）。",
            f"{child_text(inputs, case.child_id).en} was present on {len(days)} day(s) while excluded for {case.disease} "
            f"(since {case.excluded_from}, no return certificate; first {days[0].isoformat()}).",
        ))
    for case in sorted(evidence.cases, key=lambda c: c.onset_on):
        if case.infectious and case.excluded_from is None and case.reported_on in period:
            findings.append(finding_for(
                rule, Severity.VIOLATION, period, (f"illness:{case.id}", f"child:{case.child_id}"),
                f"{child_text(inputs, case.child_id).zh} 登记传染病{case.disease}（{case.onset_on.isoformat()} 发病），未登记隔离。",
                f"{child_text(inputs, case.child_id).en} has an infectious disease ({case.disease}, onset {case.onset_on.isoformat()}) "
                f"registered without an exclusion.",
            ))
    return findings


def _outbreak_findings(inputs: ComplianceInputs, evidence: HealthEvidence, rules: Rulebook, period: Period) -> list[Finding]:
    """One warning per class and disease with an outbreak standing on any day of the period."""
    rule = rules.get(OUTBREAK_RULE)
    if rule is None:
        return []
    seen: dict[tuple[str, str], tuple[date, dict[str, IllnessCaseRecord]]] = {}
    for day in period.each_day():
        for outbreak in outbreaks(evidence.cases, day, rules):
            key = (str(outbreak.class_id), disease_key(outbreak.disease))
            first, cases = seen.setdefault(key, (day, {}))
            cases.update({str(c.id): c for c in outbreak.cases})
    findings = []
    for _, (first, cases) in sorted(seen.items()):
        some = next(iter(cases.values()))
        where = class_text(inputs, some.class_id)
        children = {str(c.child_id) for c in cases.values()}
        findings.append(finding_for(
            rule, Severity.WARNING, period, tuple(f"illness:{k}" for k in sorted(cases)),
            f"{where.zh}出现{some.disease}聚集性病例：{len(children)} 名幼儿（{first.isoformat()} 达到预警），"
            f"请上报并加强晨午检与消毒。",
            f"{where.en}: an outbreak of {some.disease}, {len(children)} children (alert from {first.isoformat()}); "
            f"report it and step up checks and disinfection.",
        ))
    return findings


def _sick_findings(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Per class: 因病缺勤 lines without the disease name."""
    rule = rules.get(SICK_RULE)
    if rule is None:
        return []
    nameless: dict[str, list[AttendanceRecord]] = {}
    for line in inputs.attendance:
        if line.on in period and not line.present and line.absence_reason == SICK and not (line.disease or "").strip():
            nameless.setdefault(str(line.class_id), []).append(line)
    findings = []
    for _, lines in sorted(nameless.items()):
        lines.sort(key=lambda a: (a.on, str(a.child_id)))
        where, first = class_text(inputs, lines[0].class_id), lines[0]
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, tuple(dict.fromkeys(f"child:{a.child_id}" for a in lines)),
            f"{where.zh}有 {len(lines)} 条因病缺勤未登记病名（首条 {first.on.isoformat()} {child_text(inputs, first.child_id).zh}）。",
            f"{where.en}: {len(lines)} sick absence(s) without the disease name "
            f"(first {first.on.isoformat()}, {child_text(inputs, first.child_id).en}).",
        ))
    return findings


def _entry_findings(inputs: ComplianceInputs, evidence: HealthEvidence, rules: Rulebook, period: Period) -> list[Finding]:
    """Children present without an entry exam and vaccination check, or back after a long absence without a new exam."""
    rule = rules.get(ENTRY_RULE)
    if rule is None:
        return []
    days: dict[str, list[AttendanceRecord]] = {}
    for line in _present(inputs, period):
        days.setdefault(str(line.child_id), []).append(line)
    findings = []
    for key, lines in sorted(days.items()):
        child, first = lines[0].child_id, lines[0].on
        exams = sorted((e for e in evidence.entry_exams if str(e.child_id) == key), key=lambda e: e.examined_on)
        done = [e for e in exams if e.examined_on <= first]
        if not done or not any(e.vaccination_checked for e in exams if e.examined_on <= lines[-1].on):
            what = ("入园体检", "an entry exam") if not done else ("预防接种证查验", "a vaccination certificate check")
            findings.append(finding_for(
                rule, Severity.VIOLATION, period, (f"child:{child}",),
                f"{child_text(inputs, child).zh} 在园（{first.isoformat()} 起）但无{what[0]}记录。",
                f"{child_text(inputs, child).en} attended (from {first.isoformat()}) without {what[1]} on file.",
            ))
            continue
        for before, after in zip(lines, lines[1:], strict=False):
            last = max((e.examined_on for e in exams if e.examined_on <= after.on), default=None)
            if needs_new_entry_exam(before.on, after.on, last, rules):
                findings.append(finding_for(
                    rule, Severity.VIOLATION, period, (f"child:{child}",),
                    f"{child_text(inputs, child).zh} 自 {before.on.isoformat()} 离园超过 {rule.value('max_absence')} 个月，"
                    f"{after.on.isoformat()} 返园前未重新体检。",
                    f"{child_text(inputs, child).en} was away from {before.on.isoformat()} for more than "
                    f"{rule.value('max_absence')} months and came back on {after.on.isoformat()} without a new exam.",
                ))
    return findings


def _growth_findings(inputs: ComplianceInputs, evidence: HealthEvidence, rules: Rulebook, period: Period) -> list[Finding]:
    """A child whose latest measurement of the period is classified abnormal and has no open 表5 entry."""
    rule = rules.get(GROWTH_RULE)
    if rule is None:
        return []
    children = {str(c.child_id): c for c in evidence.children}
    latest: dict[str, GrowthMeasurementRecord] = {}
    for m in sorted(evidence.measurements, key=lambda m: m.measured_on):
        if m.measured_on in period and str(m.child_id) in children:
            latest[str(m.child_id)] = m
    findings = []
    for key, measurement in sorted(latest.items()):
        result = assess(children[key], measurement, rules)
        day = result.measurement.measured_on
        registered = any(
            str(c.child_id) == key and c.found_on <= max(day, period.end) and (c.closed_on is None or c.closed_on > day)
            for c in evidence.conditions
        )
        if not result.statuses or registered:
            continue
        names = [s.zh for s in result.statuses]
        values = "，".join(f"{i.zh} z={v}" for i, v in result.z.items())
        severe = {GrowthStatus.SEVERELY_UNDERWEIGHT, GrowthStatus.SEVERELY_STUNTED, GrowthStatus.SEVERELY_WASTED}
        findings.append(finding_for(
            rule, Severity.VIOLATION if severe & set(result.statuses) else Severity.WARNING, period,
            (f"growth:{result.measurement.id}", f"child:{result.measurement.child_id}"),
            f"{child_text(inputs, result.measurement.child_id).zh} {day.isoformat()} 生长发育评价为{'、'.join(names)}（{values}），"
            f"未登记于表5营养性疾病及常见疾病登记表。",
            f"{child_text(inputs, result.measurement.child_id).en} measured on {day.isoformat()} is "
            f"{', '.join(s.value for s in result.statuses)} "
            f"({', '.join(f'{i.value} z={v}' for i, v in result.z.items())}) and is not on 表5.",
        ))
    return findings


def evaluate_health(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Every health finding of the period; nothing when the centre keeps no health records here.

    Sick absences without a disease name are judged from attendance alone, so they too need health records kept
    here (a centre without them has its 出勤登记 judged by attendance's own rules).
    """
    evidence = inputs.health
    if evidence is None:
        return []
    return (
        _morning_findings(inputs, evidence, rules, period)
        + _follow_up_findings(inputs, evidence, rules, period)
        + _exclusion_findings(inputs, evidence, rules, period)
        + _outbreak_findings(inputs, evidence, rules, period)
        + _sick_findings(inputs, rules, period)
        + _entry_findings(inputs, evidence, rules, period)
        + _growth_findings(inputs, evidence, rules, period)
    )
