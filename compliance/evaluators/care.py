"""Care: nap patrols, sleeping positions, doses against consent, outdoor time / 保育照护.

Judged: nap patrols in time, a stomach position acted on, doses only against a valid consent with a witness,
outdoor time of full-day classes.

Reads ``inputs.care`` (a :class:`CareEvidence`) and, for the days a class met, ``inputs.attendance``; without care
records there is nothing to judge. The judgements are the ones the server asks live (``compliance.care``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from compliance.care import (
    CareEvidence,
    CareType,
    checks_without_action,
    dose_allowed,
    exemption_for,
    outdoor_minutes,
    patrol_gaps,
    patrol_interval,
    required_minutes,
)
from compliance.care.records import Id, NapRecord
from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rulebook, Text

PATROL_RULE = "care.nap_patrol"
POSITION_RULE = "care.nap_position"
MEDICATION_RULE = "care.medication_consent"
OUTDOOR_RULE = "care.outdoor_time"


def class_text(inputs: ComplianceInputs, class_id: Id) -> Text:
    """A class as people know it: its name, its id only when the records hold none."""
    name = next((k.name for k in inputs.classes if str(k.id) == str(class_id)), None)
    return Text(f"班级「{name}」", f"Class {name}") if name else Text(f"班级 {class_id}", f"Class {class_id}")


def child_text(inputs: ComplianceInputs, child_id: Id) -> Text:
    """A child as the director knows them: the name from the enrolment records, the id only without one."""
    name = next((c.name for c in inputs.children if str(c.id) == str(child_id) and c.name), None)
    return Text(f"幼儿{name}", name) if name else Text(f"幼儿 {child_id}", f"Child {child_id}")


def _hm(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%H:%M")


def _until(inputs: ComplianceInputs, evidence: CareEvidence, nap: NapRecord) -> datetime:
    """What has happened of a nap: to ``as_of`` when known, else to its end or its last check."""
    if inputs.as_of is not None:
        return inputs.as_of
    if nap.ended_at is not None:
        return nap.ended_at
    checks = evidence.checks_of(nap.id)
    return checks[-1].at if checks else nap.started_at


def _patrol_findings(inputs: ComplianceInputs, evidence: CareEvidence, rules: Rulebook, period: Period) -> list[Finding]:
    rule, interval = rules.get(PATROL_RULE), patrol_interval(rules)
    if rule is None or interval is None:
        return []
    zone, limit = ZoneInfo(evidence.zone), int(interval.total_seconds() // 60)
    findings = []
    for nap in sorted(evidence.naps, key=lambda n: n.started_at):
        if nap.on not in period:
            continue
        gaps = patrol_gaps(nap, evidence.checks_of(nap.id), _until(inputs, evidence, nap), rules)
        if not gaps:
            continue
        longest, first = max(g.minutes for g in gaps), gaps[0]
        where, who = class_text(inputs, nap.class_id), child_text(inputs, nap.child_id)
        span = f"{_hm(first.since, zone)}–{_hm(first.until, zone)}"
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, (f"nap:{nap.id}", f"child:{nap.child_id}"),
            f"{where.zh}{who.zh} {nap.on.isoformat()} 午睡有 {len(gaps)} 段超过 {limit} 分钟未巡查"
            f"（最长 {longest} 分钟，首段 {span}）。",
            f"{where.en}: {who.en}'s nap on {nap.on.isoformat()} went {len(gaps)} time(s) more than "
            f"{limit} min without a check (longest {longest} min, first {span}).",
        ))
    return findings


def _position_findings(inputs: ComplianceInputs, evidence: CareEvidence, rules: Rulebook, period: Period) -> list[Finding]:
    rule = rules.get(POSITION_RULE)
    if rule is None:
        return []
    zone = ZoneInfo(evidence.zone)
    naps = {str(n.id): n for n in evidence.naps if n.on in period}
    findings = []
    for check in sorted(checks_without_action(evidence.nap_checks), key=lambda c: c.at):
        nap = naps.get(str(check.nap_id))
        if nap is None:
            continue
        seen = [Text(check.position.zh, f"a {check.position.value} position")] if check.position.value == "stomach" else []
        seen += [Text("呼吸异常", "abnormal breathing")] if not check.breathing_ok else []
        seen += [Text("面色异常", "abnormal colour")] if not check.colour_ok else []
        where, at = class_text(inputs, nap.class_id), f"{nap.on.isoformat()} {_hm(check.at, zone)}"
        who = child_text(inputs, nap.child_id)
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, (f"nap_check:{check.id}", f"child:{nap.child_id}"),
            f"{where.zh}{who.zh} 午睡巡查（{at}）发现{'、'.join(t.zh for t in seen)}，未记录处理。",
            f"{where.en}: the nap check of {who.en} at {at} found {', '.join(t.en for t in seen)} "
            f"and records no action.",
        ))
    return findings


def _dose_findings(inputs: ComplianceInputs, evidence: CareEvidence, rules: Rulebook, period: Period) -> list[Finding]:
    rule = rules.get(MEDICATION_RULE)
    if rule is None:
        return []
    zone = ZoneInfo(evidence.zone)
    consents = {str(c.id): c for c in evidence.consents}
    findings = []
    for dose in sorted(evidence.doses, key=lambda d: d.at):
        local = dose.at.astimezone(zone)
        if local.date() not in period:
            continue
        consent = consents.get(str(dose.consent_id)) if dose.consent_id is not None else None
        reasons = dose_allowed(consent, evidence.doses, dose.at, dose, tz=zone)
        if not reasons:
            continue
        at = local.strftime("%Y-%m-%d %H:%M")
        ids = (f"dose:{dose.id}", f"child:{dose.child_id}") + ((f"consent:{consent.id}",) if consent else ())
        who = child_text(inputs, dose.child_id)
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, ids,
            f"{who.zh} 于 {at} 服用{dose.drug} {dose.dose}{dose.dose_unit}：{'；'.join(r.zh for r in reasons)}。",
            f"{who.en} was given {dose.drug} {dose.dose} {dose.dose_unit} at {at}: "
            f"{'; '.join(r.en for r in reasons)}.",
        ))
    return findings


def _today(inputs: ComplianceInputs, evidence: CareEvidence) -> date:
    """The centre's day at reading time: outdoor time is judged for days that are over, never the one in progress."""
    return inputs.as_of.astimezone(ZoneInfo(evidence.zone)).date() if inputs.as_of is not None else date.max


def _class_days(inputs: ComplianceInputs, evidence: CareEvidence, period: Period) -> dict[str, set[date]]:
    """The days each class met: children present (出勤登记), or, without any attendance, days with outdoor records."""
    days: dict[str, set[date]] = {}
    lines = [a for a in inputs.attendance if a.present and a.on in period]
    if lines:
        for line in lines:
            days.setdefault(str(line.class_id), set()).add(line.on)
    else:
        for record in evidence.outdoor:
            if record.day in period:
                days.setdefault(str(record.class_id), set()).add(record.day)
    return days


def _outdoor_findings(inputs: ComplianceInputs, evidence: CareEvidence, rules: Rulebook, period: Period) -> list[Finding]:
    rule, needed = rules.get(OUTDOOR_RULE), required_minutes(rules)
    if rule is None or needed is None:
        return []
    ids = {str(r.class_id): r.class_id for r in evidence.outdoor} | {str(a.class_id): a.class_id for a in inputs.attendance}
    findings = []
    for key, days in sorted(_class_days(inputs, evidence, period).items()):
        class_id = ids.get(key, key)
        if evidence.care_type(class_id) != CareType.FULL_DAY.value:
            continue
        short: list[tuple[date, int]] = []
        for day in sorted(d for d in days if d < _today(inputs, evidence)):
            if exemption_for(evidence.outdoor_exemptions, class_id, day) is None:
                minutes = outdoor_minutes(evidence.outdoor, class_id, day)
                if minutes < needed:
                    short.append((day, minutes))
        if not short:
            continue
        where, (first, minutes) = class_text(inputs, class_id), short[0]
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, (f"class:{class_id}",),
            f"{where.zh}有 {len(short)} 天户外活动不足 {needed} 分钟（首日 {first.isoformat()}：{minutes} 分钟）。",
            f"{where.en} had less than {needed} min outdoors on {len(short)} day(s) "
            f"(first {first.isoformat()}: {minutes} min).",
        ))
    return findings


def evaluate_care(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Every care finding of the period; nothing when the centre keeps no care records here."""
    evidence = inputs.care
    if evidence is None:
        return []
    return (
        _patrol_findings(inputs, evidence, rules, period)
        + _position_findings(inputs, evidence, rules, period)
        + _dose_findings(inputs, evidence, rules, period)
        + _outdoor_findings(inputs, evidence, rules, period)
    )


__all__: Sequence[str] = ("class_text", "evaluate_care")
