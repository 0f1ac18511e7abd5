"""The UV lamp, judged against its relay / 紫外线灯消毒 (rule ``hygiene.uv_lamp``).

Reads ``inputs.hygiene`` (:class:`compliance.hygiene.records.HygieneEvidence`) and ``inputs.attendance``. Each class
is judged on each local day of the period that had a child present in it, once that day has ended (by the period's
end or when the inputs were read).

- In a room with a UV relay (``rooms_with_uv_relay``), the relay-proven minutes are the minutes of the day's
  sessions with a known start and end, nobody present while they ran (the interlock guarantees it: a session cut
  off when a child checked in or movement was seen counts only the minutes before the cut). Fewer than
  ``min_minutes`` → a finding (a violation with none at all, else a warning that names the cut-offs).
- A 表6 UV tick recorded before the day ended (A1's checklist item ``uv_lamp``) of more minutes than the relay
  shows is a mismatch (a warning: "ticked 60, relay 20") — the register says what the lamp did not do.
- A room without a relay is judged on the tick alone: no tick, or fewer ticked minutes than ``min_minutes``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from compliance.evaluators.feedback import judged_at
from compliance.findings import Finding, Severity, finding_for
from compliance.hygiene.records import UvSessionRecord
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rule, Rulebook

RULE_ID = "hygiene.uv_lamp"
COUNTED_ENDS = frozenset({"done", "stopped", "children_present", "motion", "presence_stale"})
"""Ends after which the minutes that ran count (nobody was present until the cut). A relay fault proves nothing, and
neither does an agent restart: its off is stamped when the agent came back (perhaps hours after a power cut), not
when the lamp went dark."""
REASON_ZH = {"children_present": "有幼儿入室", "motion": "检测到人员活动", "presence_stale": "服务器无应答",
             "agent_restart": "设备重启", "fault": "继电器故障"}
REASON_EN = {"children_present": "a child checked in", "motion": "movement seen",
             "presence_stale": "server unreachable", "agent_restart": "agent restarted", "fault": "relay fault"}


def _day_end(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), zone)


def _session_minutes(session: UvSessionRecord) -> int:
    if session.ended_at is None or session.end_reason not in COUNTED_ENDS:
        return 0
    ran = max(0, int((session.ended_at - session.started_at).total_seconds() // 60))
    # Never more than was asked for: a late off (an outbox delayed) proves no minutes the agent would not have run.
    return ran if session.minutes_requested is None else min(ran, session.minutes_requested)


def _judge_day(rule: Rule, period: Period, name: str, class_id: str, day: date, need: int, has_relay: bool,
               sessions: list[UvSessionRecord], ticked: int | None) -> list[Finding]:
    where = f"hygiene:{class_id}:{day.isoformat()}:uv_lamp"
    findings: list[Finding] = []
    if not has_relay:
        if ticked is None:
            findings.append(finding_for(rule, Severity.VIOLATION, period, (where,),
                                        f"{name} {day.isoformat()} 未登记紫外线灯消毒（要求每日{need}分钟）。",
                                        f"{name} on {day.isoformat()}: no UV lamp disinfection recorded "
                                        f"({need} min a day required)."))
        elif ticked < need:
            findings.append(finding_for(rule, Severity.WARNING, period, (where,),
                                        f"{name} {day.isoformat()} 紫外线灯消毒仅登记{ticked}分钟（要求{need}分钟）。",
                                        f"{name} on {day.isoformat()}: UV lamp ticked for {ticked} min "
                                        f"({need} min required)."))
        return findings
    relay = sum(_session_minutes(s) for s in sessions)
    cuts = [s.end_reason for s in sessions if s.end_reason not in (None, "done", "stopped")]
    if relay < need:
        why_zh = f"（中断：{'、'.join(REASON_ZH.get(c, c) for c in cuts if c)}）" if cuts else ""
        why_en = f" (cut off: {', '.join(REASON_EN.get(c, c) for c in cuts if c)})" if cuts else ""
        severity = Severity.VIOLATION if relay == 0 else Severity.WARNING
        findings.append(finding_for(rule, severity, period, (where,),
                                    f"{name} {day.isoformat()} 紫外线灯继电器记录{relay}分钟，不足{need}分钟{why_zh}。",
                                    f"{name} on {day.isoformat()}: the UV relay shows {relay} min, "
                                    f"less than {need} min{why_en}."))
    if ticked is not None and ticked > relay:
        findings.append(finding_for(rule, Severity.WARNING, period, (f"{where}:mismatch",),
                                    f"{name} {day.isoformat()} 表6登记紫外线{ticked}分钟，继电器仅记录{relay}分钟。",
                                    f"{name} on {day.isoformat()}: ticked {ticked} min of UV on 表6, "
                                    f"the relay shows {relay} min."))
    return findings


def evaluate_uv_lamp(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Per class and day with children: the relay's minutes, the 表6 tick against the relay, or the tick alone."""
    rule = rules.get(RULE_ID)
    if inputs.hygiene is None or rule is None or not rule.is_effective_on(period.end):
        return []
    evidence = inputs.hygiene
    zone = ZoneInfo(inputs.centre.timezone)
    until = judged_at(inputs, period)
    need = int(rule.value("min_minutes"))
    todo = sorted({(str(r.class_id), r.on) for r in inputs.attendance
                   if r.present and r.on in period and _day_end(r.on, zone) <= until}, key=lambda x: (x[1], x[0]))
    relay_rooms = {str(room) for room in evidence.rooms_with_uv_relay}
    by_day: dict[tuple[str, date], list[UvSessionRecord]] = defaultdict(list)
    for session in evidence.uv_sessions:
        by_day[(str(session.class_id), session.started_at.astimezone(zone).date())].append(session)
    ticks: dict[tuple[str, date], int] = {}
    for checklist in evidence.checklists:
        end = _day_end(checklist.day, zone)
        minutes = [sum(item.minutes) for item in checklist.items
                   if item.item == "uv_lamp" and item.done and (item.at is None or item.at <= end)]
        if minutes:
            ticks[(str(checklist.class_id), checklist.day)] = sum(minutes)
    names = {str(c.id): c.name for c in inputs.classes}
    findings: list[Finding] = []
    for class_id, day in todo:
        findings += _judge_day(rule, period, names.get(class_id, class_id), class_id, day, need,
                               class_id in relay_rooms, by_day.get((class_id, day), []), ticks.get((class_id, day)))
    return findings
