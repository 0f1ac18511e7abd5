"""Emergency preparedness: plans read, drills held, fire checks done, isolation kept / 应急准备与消防安全.

Reads ``inputs.preparedness`` (a :class:`PreparednessEvidence`, the server's plain records). Judged at the end of
the period's last centre-local day, or when the inputs were read if that is earlier:

* ``emergency.plans_read`` — a finding when no plan at all is published (nothing to read); a finding per plan
  version whose reading deadline (publication, or the person's hiring if later, plus ``read_within_days``) fell in
  the period, or fell before it while still unread at its start, listing the active staff who had not confirmed;
* drills and fire checks count from the day they were written down (``recorded_on``), not the day typed: a drill
  recorded late closes a gap only from then, and a check typed afterwards for a past month does not cover it;
* ``emergency.drills`` — a finding when a drill was due (``max_interval`` months after the one before) in the
  period and none was held by then; a finding per corrective action past its due date and not done;
* ``emergency.plan_and_drills`` (where in force) — a finding per scenario without a published plan;
* ``fire.equipment_check`` — a finding per calendar month of the period (ended by the judging day) without a check;
* ``fire.safety_inspection`` — a finding when no certificate is valid on the judging day, or one claims more
  validity than ``max_validity`` months;
* ``health.isolation_supplies`` — a finding when the centre has no isolation room on record, and one per supply
  below its minimum for more than ``max_days_below_minimum`` days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from compliance.findings import Finding, Severity, finding_for
from compliance.period import Period, add_months
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rulebook
from compliance.staffing.records import StaffMemberRecord

PLANS_READ_RULE = "emergency.plans_read"
DRILLS_RULE = "emergency.drills"
PLAN_AND_DRILLS_RULE = "emergency.plan_and_drills"
FIRE_CHECK_RULE = "fire.equipment_check"
FIRE_CERTIFICATE_RULE = "fire.safety_inspection"
ISOLATION_RULE = "health.isolation_supplies"


@dataclass(frozen=True)
class PlanVersionRecord:
    """One published version of a plan, and when each member of staff confirmed reading it."""

    version_id: int
    scenario: str
    scenario_zh: str
    version_no: int
    published_at: datetime
    superseded_at: datetime | None = None
    reads: Sequence[tuple[int, datetime]] = ()  # (staff id, read at)


@dataclass(frozen=True)
class DrillRecord:
    """A drill held on `held_on` as typed; `recorded_on`: the local day it was written (None: the same day)."""

    drill_id: int
    held_on: date
    scenario: str
    recorded_on: date | None = None

    @property
    def counts_from(self) -> date:
        """From when it is on record: a drill written down late closes a gap only from the day it was written."""
        return max(self.held_on, self.recorded_on or self.held_on)


@dataclass(frozen=True)
class DrillActionRecord:
    action_id: int
    drill_id: int
    action: str
    due_on: date
    done_on: date | None = None


@dataclass(frozen=True)
class FireCheckRecord:
    """A monthly check done on `checked_on` as typed; `recorded_on`: the local day it was written (None: same)."""

    check_id: int
    checked_on: date
    faults: int = 0
    recorded_on: date | None = None

    @property
    def counts_from(self) -> date:
        return max(self.checked_on, self.recorded_on or self.checked_on)


@dataclass(frozen=True)
class FireCertificateRecord:
    certificate_id: int
    issued_on: date
    valid_until: date
    issuer: str = ""


@dataclass(frozen=True)
class IsolationRecord:
    has_room: bool
    location: str = ""
    checked_on: date | None = None


@dataclass(frozen=True)
class SupplyLevelRecord:
    """One supply's stock at the judging time, and since when it has been below its minimum (None: it is not)."""

    kind: str
    name_zh: str
    name_en: str
    minimum: int
    balance: int
    below_since: datetime | None = None


@dataclass(frozen=True)
class PreparednessEvidence:
    staff: Sequence[StaffMemberRecord] = ()
    plan_versions: Sequence[PlanVersionRecord] = ()
    scenarios: Sequence[tuple[str, str]] = ()  # every scenario a centre should cover: (key, zh)
    drills: Sequence[DrillRecord] = ()
    actions: Sequence[DrillActionRecord] = ()
    fire_checks: Sequence[FireCheckRecord] = ()
    certificates: Sequence[FireCertificateRecord] = ()
    isolation: IsolationRecord | None = None
    supplies: Sequence[SupplyLevelRecord] = field(default_factory=tuple)


def _judged_at(inputs: ComplianceInputs, period: Period, zone: ZoneInfo) -> datetime:
    end = datetime.combine(period.end + timedelta(days=1), time(), zone)
    return min(end, inputs.as_of) if inputs.as_of is not None else end


def _days(value: object) -> str:
    return f"{value:f}".rstrip("0").rstrip(".") if value is not None else ""


def _plans_read(evidence: PreparednessEvidence, rules: Rulebook, period: Period, zone: ZoneInfo,
                now: datetime) -> list[Finding]:
    rule = rules.get(PLANS_READ_RULE)
    if rule is None:
        return []
    window = timedelta(days=int(rule.value("read_within_days")))
    start = datetime.combine(period.start, time(), zone)
    findings = []
    if evidence.staff and not any(v.published_at <= now for v in evidence.plan_versions):
        # Nothing to read is not "everything read": a centre with no plan at all is told so.
        findings.append(finding_for(rule, Severity.VIOLATION, period, ["plan_version:none"],
                                    "未发布任何应急预案，工作人员无预案可阅读。",
                                    "No emergency plan is published: the staff have no plan to read."))
    for version in sorted(evidence.plan_versions, key=lambda v: (v.published_at, v.version_id)):
        reads = dict(version.reads)
        missing = []
        for member in evidence.staff:
            begins = max(version.published_at, datetime.combine(member.hired_on, time(), zone))
            due = begins + window
            if due > now or not member.is_employed_on(due.astimezone(zone).date()):
                continue
            if version.superseded_at is not None and version.superseded_at <= due:
                continue  # replaced before anyone had to have read it: the new version counts
            read_at = reads.get(member.staff_id)
            if read_at is not None and read_at <= due:
                continue
            in_scope = due >= start or read_at is None or read_at >= start
            if in_scope and (version.superseded_at is None or version.superseded_at >= start):
                missing.append(member)
        if missing:
            names = "、".join(m.name for m in missing)
            published = version.published_at.astimezone(zone).strftime("%Y-%m-%d")
            zh = (f"应急预案“{version.scenario_zh}”第{version.version_no}版（{published} 发布）："
                  f"{len(missing)}名工作人员未在{_days(rule.value('read_within_days'))}天内确认已阅读：{names}。")
            en = (f"Emergency plan '{version.scenario}' version {version.version_no} (published {published}): "
                  f"{len(missing)} member(s) of staff did not confirm reading it within "
                  f"{_days(rule.value('read_within_days'))} days: {names}.")
            evidence_ids = [f"plan_version:{version.version_id}"] + [f"staff:{m.staff_id}" for m in missing]
            findings.append(finding_for(rule, Severity.WARNING, period, evidence_ids, zh, en))
    return findings


def _drills(evidence: PreparednessEvidence, rules: Rulebook, period: Period, today: date) -> list[Finding]:
    rule = rules.get(DRILLS_RULE)
    if rule is None:
        return []
    months = int(rule.value("max_interval"))
    findings = []
    # A drill closes a gap from the day it was written down (`counts_from`): typing an earlier date afterwards
    # does not erase the gap; the next one is due `months` after the day it was held.
    held = sorted((d.counts_from, d.held_on) for d in evidence.drills if d.counts_from < today)
    earlier = [d for d in held if d[0] < period.start]
    previous = max((h for _, h in earlier), default=None)
    later = [d for d in held if d[0] >= period.start]
    # Walk the period: each drill resets the clock; a due date passed before the next drill is a finding. A drill
    # already overdue when the period starts is one of this period's too, until a drill is held.
    for nxt, nxt_held in [*later, (None, None)]:
        if previous is not None:
            due = add_months(previous, months)
            if due <= period.end and due < today and (nxt is None or nxt > due):
                when = f"{nxt.isoformat()} 才开展" if nxt is not None else "至今未开展"
                if nxt is not None and nxt_held != nxt:
                    when = f"{nxt.isoformat()} 才记录（记为 {nxt_held.isoformat()} 开展）"
                zh = (f"上次应急演练为 {previous.isoformat()}，应于 {due.isoformat()} 前再次演练（间隔不超过{months}个月），"
                      f"{when}。")
                en_nxt = "has not been held." if nxt is None else (
                    f"was held only on {nxt.isoformat()}." if nxt_held == nxt else
                    f"was recorded only on {nxt.isoformat()} (dated {nxt_held.isoformat()}).")
                en = (f"The last drill was on {previous.isoformat()}; the next was due by {due.isoformat()} "
                      f"(at most {months} months apart) and " + en_nxt)
                findings.append(finding_for(rule, Severity.VIOLATION, period, [f"drill_due:{due.isoformat()}"],
                                            zh, en))
        if nxt_held is not None:
            previous = max(previous, nxt_held) if previous is not None else nxt_held
    if not evidence.drills and period.end < today:
        findings.append(finding_for(rule, Severity.VIOLATION, period, ["drills:none"], "未记录任何应急演练。",
                                    "No emergency drill is on record."))
    for action in sorted(evidence.actions, key=lambda a: (a.due_on, a.action_id)):
        late = action.done_on is None or action.done_on > action.due_on
        if not late or action.due_on >= today or action.due_on > period.end:
            continue
        if action.due_on < period.start and action.done_on is not None and action.done_on < period.start:
            continue  # done late before the period: reported in its own period
        done = f"于 {action.done_on.isoformat()} 完成" if action.done_on else "仍未完成"
        zh = f"演练整改措施“{action.action}”应于 {action.due_on.isoformat()} 前完成，{done}。"
        en = (f"Drill corrective action '{action.action}' was due by {action.due_on.isoformat()} and "
              + (f"was done only on {action.done_on.isoformat()}." if action.done_on else "is still open."))
        findings.append(finding_for(rule, Severity.WARNING, period,
                                    [f"drill:{action.drill_id}", f"drill_action:{action.action_id}"], zh, en))
    return findings


def _plan_coverage(evidence: PreparednessEvidence, rules: Rulebook, period: Period, now: datetime) -> list[Finding]:
    rule = rules.get(PLAN_AND_DRILLS_RULE)
    if rule is None:
        return []
    covered = {v.scenario for v in evidence.plan_versions if v.published_at <= now}
    return [finding_for(rule, Severity.WARNING, period, [f"plan_scenario:{key}"], f"缺少“{zh}”应急预案。",
                        f"No published emergency plan for '{key}'.")
            for key, zh in evidence.scenarios if key not in covered]


def _fire_checks(evidence: PreparednessEvidence, rules: Rulebook, period: Period, today: date) -> list[Finding]:
    rule = rules.get(FIRE_CHECK_RULE)
    if rule is None:
        return []
    # A month is covered by a check done in it and written down in it: one typed afterwards for a past day does not
    # cover that month.
    checked = {(c.checked_on.year, c.checked_on.month) for c in evidence.fire_checks
               if (c.counts_from.year, c.counts_from.month) == (c.checked_on.year, c.checked_on.month)}
    findings = []
    month = period.start.replace(day=1)
    while month <= period.end:
        month_end = add_months(month, 1) - timedelta(days=1)
        if month_end < today and (month.year, month.month) not in checked:
            label = month.strftime("%Y-%m")
            findings.append(finding_for(rule, Severity.VIOLATION, period, [f"fire_check_month:{label}"],
                                        f"{label} 未进行消防设施器材月度检查。",
                                        f"No monthly fire-equipment check in {label}."))
        month = add_months(month, 1)
    return findings


def _fire_certificate(evidence: PreparednessEvidence, rules: Rulebook, period: Period, today: date) -> list[Finding]:
    rule = rules.get(FIRE_CERTIFICATE_RULE)
    if rule is None:
        return []
    months = int(rule.value("max_validity"))
    findings = []
    for cert in evidence.certificates:
        if cert.valid_until > add_months(cert.issued_on, months):
            findings.append(finding_for(
                rule, Severity.WARNING, period, [f"fire_certificate:{cert.certificate_id}"],
                f"消防安全检查合格证明（{cert.issued_on.isoformat()} 签发）有效期至 {cert.valid_until.isoformat()}，"
                f"超过{months}个月。",
                f"The fire-safety certificate issued {cert.issued_on.isoformat()} claims validity until "
                f"{cert.valid_until.isoformat()}, beyond {months} months."))
    last_day = min(period.end, today - timedelta(days=1)) if today > period.start else period.start
    valid = [c for c in evidence.certificates if c.issued_on <= last_day <= c.valid_until]
    if not valid:
        latest = max(evidence.certificates, key=lambda c: c.valid_until, default=None)
        zh_tail = f"最近一份已于 {latest.valid_until.isoformat()} 到期" if latest else "未登记任何证明"
        en_tail = f"the latest expired on {latest.valid_until.isoformat()}" if latest else "none is on record"
        findings.append(finding_for(rule, Severity.VIOLATION, period,
                                    [f"fire_certificate:{latest.certificate_id}"] if latest else ["fire_certificate:none"],
                                    f"{last_day.isoformat()} 无有效的消防安全检查合格证明（{zh_tail}）。",
                                    f"No valid fire-safety inspection certificate on {last_day.isoformat()} "
                                    f"({en_tail})."))
    return findings


def _isolation(evidence: PreparednessEvidence, rules: Rulebook, period: Period, now: datetime) -> list[Finding]:
    rule = rules.get(ISOLATION_RULE)
    if rule is None:
        return []
    findings = []
    if evidence.isolation is None or not evidence.isolation.has_room:
        findings.append(finding_for(rule, Severity.VIOLATION, period, ["isolation_room:none"],
                                    "未设置隔离室（观察室）。", "No isolation room is on record."))
    limit = timedelta(days=int(rule.value("max_days_below_minimum")))
    for supply in evidence.supplies:
        if supply.below_since is not None and now - supply.below_since > limit:
            days = _days(rule.value("max_days_below_minimum"))
            findings.append(finding_for(
                rule, Severity.WARNING, period, [f"supply:{supply.kind}"],
                f"防疫物资“{supply.name_zh}”库存 {supply.balance}，低于最低库存 {supply.minimum} 已超过{days}天。",
                f"Epidemic-prevention supply '{supply.name_en}': {supply.balance} in stock, below its minimum "
                f"{supply.minimum} for more than {days} days."))
    return findings


def evaluate_emergency_preparedness(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Findings on plans read, drills held and followed up, fire checks and certificate, isolation and supplies."""
    evidence = inputs.preparedness
    if evidence is None:
        return []
    zone = ZoneInfo(inputs.centre.timezone)
    now = _judged_at(inputs, period, zone)
    today = now.astimezone(zone).date()  # a due day before this one has passed
    return [*_plans_read(evidence, rules, period, zone, now), *_drills(evidence, rules, period, today),
            *_plan_coverage(evidence, rules, period, now), *_fire_checks(evidence, rules, period, today),
            *_fire_certificate(evidence, rules, period, today), *_isolation(evidence, rules, period, now)]
