"""Staff files: certificates in force, nobody uncertified on duty, 持证上岗率, expiry warnings, emergency training.

Reads ``inputs.staff`` (a :class:`StaffEvidence`) and ``inputs.staff_check_ins``; without staff files there is
nothing to judge. What each role needs comes from ``compliance/staffing/credentials.yaml``; a credential counts on
a day from its issue date through its effective expiry (``compliance.staffing.status``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from compliance.evaluators.ratios import days_en
from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rulebook, Text, format_number
from compliance.staffing import (
    CertifiedShare,
    CredentialCatalogue,
    CredentialKind,
    StaffEvidence,
    StaffMemberRecord,
    StaffStatus,
    TrainingCategory,
    add_months,
    default_catalogue,
    on_duty_by_day,
    staff_status,
    warning_stage,
)

RULE_BY_KIND = {
    CredentialKind.HEALTH: "staff.health_certificate",
    CredentialKind.BACKGROUND: "staff.background_check",
    CredentialKind.QUALIFICATION: "staff.qualification",
}
ON_DUTY_RULE = "staff.uncertified_on_duty"
SHARE_RULE = "staff.certified_share"
WARNING_RULE = "staff.credential_expiry_warning"
EMERGENCY_RULE = "staff.emergency_training"

StatusOf = Callable[[StaffMemberRecord, date], StaffStatus]


def _status_cache(evidence: StaffEvidence, catalogue: CredentialCatalogue, rules: Rulebook) -> StatusOf:
    """One status per person and day, computed once for every finding that needs it."""
    cache: dict[tuple[int, date], StaffStatus] = {}

    def status_of(member: StaffMemberRecord, day: date) -> StaffStatus:
        key = (member.staff_id, day)
        if key not in cache:
            creds = evidence.credentials_of(member.staff_id)
            cache[key] = staff_status(member.staff_id, member.role, creds, day, catalogue, rules)
        return cache[key]

    return status_of


def _who(member: StaffMemberRecord, catalogue: CredentialCatalogue) -> Text:
    role = catalogue.role_title(member.role)
    return Text(f"{member.name}（{role.zh}）", f"{member.name} ({role.en})")


def _judged(evidence: StaffEvidence, catalogue: CredentialCatalogue) -> list[StaffMemberRecord]:
    """Members in a role the catalogue knows (a role it does not know has no requirements to judge)."""
    return [m for m in evidence.members if m.role in catalogue.roles]


def _requirement_findings(
    evidence: StaffEvidence, rules: Rulebook, period: Period, catalogue: CredentialCatalogue, status_of: StatusOf
) -> list[Finding]:
    """Per person and requirement: the days employed in the period without a credential in force."""
    findings = []
    for member in _judged(evidence, catalogue):
        gaps: dict[int, list[tuple[date, Text, StaffStatus]]] = {}
        for day in period.each_day():
            if not member.is_employed_on(day):
                continue
            status = status_of(member, day)
            for requirement, reason in zip(status.missing, status.reasons(catalogue), strict=True):
                index = catalogue.requirements(member.role).index(requirement)
                gaps.setdefault(index, []).append((day, reason, status))
        for index, days in sorted(gaps.items()):
            requirement = catalogue.requirements(member.role)[index]
            rule = rules.get(RULE_BY_KIND[catalogue.kind_of(requirement)])
            if rule is None:
                continue
            first, reason, status = days[0]
            title, who = catalogue.title_of(requirement), _who(member, catalogue)
            lapsed = [f"credential:{c.credential_id}" for c in status.expired if c.type_code in requirement.codes]
            findings.append(finding_for(
                rule, Severity.VIOLATION, period, (f"staff:{member.staff_id}", *lapsed),
                f"{who.zh}有 {len(days)} 天没有有效的{title.zh}（首日 {first.isoformat()}：{reason.zh}）。",
                f"{who.en} had no valid {title.en} on {days_en(len(days))} "
                f"(first {first.isoformat()}: {reason.en}).",
            ))
    return findings


Uncertified = dict[int, list[tuple[date, StaffStatus | None]]]


def _duty_days(
    inputs: ComplianceInputs, evidence: StaffEvidence, period: Period, catalogue: CredentialCatalogue,
    status_of: StatusOf,
) -> tuple[Uncertified, CertifiedShare]:
    """Each uncertified person's duty days (status None: no judgeable staff record), and the period's person-days."""
    members = {m.staff_id: m for m in evidence.members}
    uncertified: Uncertified = {}
    total = CertifiedShare(0, 0)
    for day, people in sorted(on_duty_by_day(evidence, inputs.staff_check_ins, period).items()):
        certified = 0
        for staff_id in sorted(people):
            member = members.get(staff_id)
            status = status_of(member, day) if member is not None and member.role in catalogue.roles else None
            if status is not None and status.certified:
                certified += 1
            else:
                uncertified.setdefault(staff_id, []).append((day, status))
        total += CertifiedShare(len(people), certified)
    return uncertified, total


def _uncertified_findings(
    uncertified: Uncertified, evidence: StaffEvidence, rules: Rulebook, period: Period, catalogue: CredentialCatalogue
) -> list[Finding]:
    """One violation per person on duty on days they were not certified: first day, count and why."""
    rule = rules.get(ON_DUTY_RULE)
    if rule is None:
        return []
    members = {m.staff_id: m for m in evidence.members}
    findings = []
    for staff_id, days in sorted(uncertified.items()):
        first, status = days[0]
        member = members.get(staff_id)
        if member is None:
            who = Text(f"工作人员 {staff_id}", f"Staff member {staff_id}")
            why = Text("不在工作人员档案中", "not in the staff records")
        elif status is None:
            who = Text(member.name, member.name)
            why = Text(f"岗位「{member.role}」无资质要求记录", f"no requirements recorded for role '{member.role}'")
        else:
            who, reasons = _who(member, catalogue), status.reasons(catalogue)
            why = Text("；".join(r.zh for r in reasons), "; ".join(r.en for r in reasons))
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, (f"staff:{staff_id}",),
            f"{who.zh}未持有效证件上岗 {len(days)} 天（首日 {first.isoformat()}：{why.zh}）。",
            f"{who.en} was on duty without valid certificates on {days_en(len(days))} "
            f"(first {first.isoformat()}: {why.en}).",
        ))
    return findings


def _share_findings(inputs: ComplianceInputs, total: CertifiedShare, rules: Rulebook, period: Period) -> list[Finding]:
    """The period's 持证上岗率 (person-days) against the region's figure."""
    rule, share = rules.get(SHARE_RULE), total.share
    if rule is None or share is None or share >= rule.value("min_share"):
        return []
    least = format_number(rule.value("min_share"))
    return [finding_for(
        rule, Severity.VIOLATION, period, (f"centre:{inputs.centre.code}",),
        f"{period.label()} 从业人员持证上岗率 {share}%（持证上岗 {total.certified} 人日 / 上岗 {total.on_duty} 人日），"
        f"低于 {least}%。",
        f"Share of staff on duty with valid certificates in {period.label()} was {share} % "
        f"({total.certified} of {total.on_duty} person-days on duty), below {least} %.",
    )]


def _reference_day(inputs: ComplianceInputs, period: Period) -> date:
    """The day warnings look ahead from: the period's end, or the reading time if that is earlier."""
    if inputs.as_of is None:
        return period.end
    local = inputs.as_of.astimezone(ZoneInfo(inputs.centre.timezone)).date()  # 06:00 in Shanghai is the day before in UTC
    return max(period.start, min(period.end, local))


def _expiry_findings(
    inputs: ComplianceInputs, evidence: StaffEvidence, rules: Rulebook, period: Period,
    catalogue: CredentialCatalogue, status_of: StatusOf,
) -> list[Finding]:
    """A warning per credential a person relies on that expires within the first warning figure."""
    rule = rules.get(WARNING_RULE)
    if rule is None:
        return []
    day = _reference_day(inputs, period)
    findings = []
    for member in _judged(evidence, catalogue):
        if not member.is_employed_on(day):
            continue
        status = status_of(member, day)
        for cred in status.expiring:
            expiry, stage = status.expiry_of(cred), warning_stage(cred, day, catalogue, rules)
            if expiry is None or not stage:
                continue
            left, title, who = (expiry - day).days, catalogue.types[cred.type_code].title, _who(member, catalogue)
            findings.append(finding_for(
                rule, Severity.WARNING, period, (f"staff:{member.staff_id}", f"credential:{cred.credential_id}"),
                f"{who.zh}的{title.zh}将于 {expiry.isoformat()} 到期（截至 {day.isoformat()} 剩 {left} 天，"
                f"{stage} 天提醒），请及时换证。",
                f"{who.en}: {title.en} expires on {expiry.isoformat()} ({days_en(left)} left on "
                f"{day.isoformat()}, {stage}-day warning); renew it in time.",
            ))
    return findings


def _emergency_findings(
    evidence: StaffEvidence, rules: Rulebook, period: Period, catalogue: CredentialCatalogue
) -> list[Finding]:
    """Child-facing members employed at the period's end with too little emergency training in the 12 months to it."""
    rule = rules.get(EMERGENCY_RULE)
    if rule is None:
        return []
    least = int(rule.value("min_times"))
    start = add_months(period.end, -12) + timedelta(days=1)
    findings = []
    for member in _judged(evidence, catalogue):
        if member.role not in catalogue.child_facing_roles or not member.is_employed_on(period.end):
            continue
        count = sum(
            1 for t in evidence.trainings
            if t.staff_id == member.staff_id and t.category == TrainingCategory.EMERGENCY and start <= t.held_on <= period.end
        )
        if count >= least:
            continue
        who = _who(member, catalogue)
        findings.append(finding_for(
            rule, Severity.WARNING, period, (f"staff:{member.staff_id}",),
            f"{who.zh}在 {start.isoformat()} 至 {period.end.isoformat()} 期间参加应急知识培训 {count} 次，"
            f"少于每年 {least} 次。",
            f"{who.en} had {count} emergency training session(s) from {start.isoformat()} to "
            f"{period.end.isoformat()}; at least {least} a year are required.",
        ))
    return findings


def evaluate_staff(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Every staff finding of the period; nothing when the centre keeps no staff files here."""
    evidence = inputs.staff
    if evidence is None:
        return []
    catalogue = default_catalogue()
    status_of = _status_cache(evidence, catalogue, rules)
    uncertified, total = _duty_days(inputs, evidence, period, catalogue, status_of)
    return (
        _requirement_findings(evidence, rules, period, catalogue, status_of)
        + _uncertified_findings(uncertified, evidence, rules, period, catalogue)
        + _share_findings(inputs, total, rules, period)
        + _expiry_findings(inputs, evidence, rules, period, catalogue, status_of)
        + _emergency_findings(evidence, rules, period, catalogue)
    )
