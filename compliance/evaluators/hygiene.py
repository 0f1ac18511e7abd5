"""The 表6 class checklist: ventilation, the daily cleaning items and tableware / 班级卫生消毒.

Reads ``inputs.hygiene`` (a :class:`compliance.hygiene.records.HygieneEvidence`) and ``inputs.attendance``: a
class is judged on each local day of the period that had a child present in it, once that day has ended (by the
period's end or when the inputs were read). An entry counts only if it was recorded (``recorded_at``) before its
day ended: a tick back-dated later does not erase a finding.

- ``hygiene.ventilation``: fewer than ``min_times`` airings of at least ``min_minutes_each`` minutes (the ticked
  airings plus the window contacts' open periods that no tick accounts for) — a violation with none, a warning
  with too few. In a room with window contacts an airing ticked that the contacts don't show (no open period of at
  least ``min_minutes_each`` minutes near the ticked time, or that day when no time was typed) is "ticked but
  unproven" (a warning).
- ``hygiene.tableware``: no disinfection of the tableware that day — no cabinet cycle (the kitchen's or the
  class's) and no tick boiled ≥ ``min_boil_minutes`` or steamed ≥ ``min_steam_minutes``; a tick "cabinet" counts
  when a cycle was recorded that day, or when the centre reports no cabinet cycles at all (violation).
- ``hygiene.class_cleaning``: one of the daily items (surfaces, toys, towels and cups, toilets) not ticked
  (warning).

The UV lamp's minutes are judged by ``compliance.evaluators.uv_lamp`` against the relay.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from compliance.evaluators.feedback import judged_at
from compliance.findings import Finding, Severity, finding_for
from compliance.hygiene.checklist import (
    CLEANING_ITEMS,
    CLEANING_RULE,
    LINES,
    METHODS,
    TABLEWARE_RULE,
    VENTILATION_RULE,
)
from compliance.hygiene.records import ChecklistDayRecord, ChecklistItemRecord, HygieneEvidence
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rule, Rulebook

NEAR = timedelta(minutes=30)  # how far a window period may lie from a ticked airing's typed time and still prove it


def _days_with_children(inputs: ComplianceInputs, period: Period, until: datetime, zone: ZoneInfo
                        ) -> list[tuple[str, date]]:
    seen = {(str(r.class_id), r.on) for r in inputs.attendance if r.present and r.on in period
            and _day_end(r.on, zone) <= until}
    return sorted(seen, key=lambda x: (x[1], x[0]))


def _day_end(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), zone)


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


def _names(inputs: ComplianceInputs) -> dict[str, str]:
    return {str(c.id): c.name for c in inputs.classes}


def _items(day: ChecklistDayRecord | None, key: str) -> list[ChecklistItemRecord]:
    return [] if day is None else [i for i in day.items if i.item == key and i.done]


def _in_time(item: ChecklistItemRecord, end: datetime) -> bool:
    return item.at is None or item.at <= end


def _airings(day: ChecklistDayRecord | None, end: datetime) -> tuple[list[tuple[int, datetime | None]], int]:
    """Each ticked airing recorded in time: (minutes, typed start); and how many were recorded after the day."""
    found: list[tuple[int, datetime | None]] = []
    late = 0
    for item in _items(day, "ventilation"):
        for n, minutes in enumerate(item.minutes):
            recorded = item.recorded[n] if n < len(item.recorded) else item.at
            start = item.starts[n] if n < len(item.starts) else None
            if recorded is None or recorded <= end:
                found.append((minutes, start))
            else:
                late += 1
    return found, late


def _periods(evidence: HygieneEvidence, class_id: str, start: datetime, end: datetime, until: datetime
             ) -> list[tuple[datetime, datetime]]:
    """The room's window open periods within the day (clipped), as (opened, closed)."""
    periods = []
    for p in evidence.ventilation:
        if str(p.class_id) != class_id:
            continue
        opened, closed = max(p.opened_at, start), min(p.closed_at or until, end)
        if closed > opened:
            periods.append((opened, closed))
    return sorted(periods)


def _minutes(a: datetime, b: datetime) -> float:
    return (b - a) / timedelta(minutes=1)


def _ventilation(inputs: ComplianceInputs, rule: Rule, period: Period, until: datetime, zone: ZoneInfo,
                 days: dict[tuple[str, date], ChecklistDayRecord], todo: list[tuple[str, date]]) -> list[Finding]:
    evidence = inputs.hygiene
    assert evidence is not None
    times, each = int(rule.value("min_times")), int(rule.value("min_minutes_each"))
    contacts = {str(r) for r in evidence.rooms_with_window_contacts}
    names = _names(inputs)
    findings: list[Finding] = []
    for class_id, day in todo:
        start, end = _day_start(day, zone), _day_end(day, zone)
        name = names.get(class_id, class_id)
        airings, late = _airings(days.get((class_id, day)), end)
        valid = [(m, s) for m, s in airings if m >= each]
        short = [m for m, _s in airings if m < each]
        periods = [p for p in _periods(evidence, class_id, start, end, until) if _minutes(*p) >= each]
        unmatched = list(periods)
        unproven: list[tuple[int, datetime | None]] = []
        if class_id in contacts:
            for minutes, typed in sorted(valid, key=lambda a: a[1] is None):
                match = next((p for p in unmatched if typed is None or (
                    p[0] <= typed + timedelta(minutes=minutes) + NEAR and p[1] >= typed - NEAR)), None)
                if match is None:
                    unproven.append((minutes, typed))
                else:
                    unmatched.remove(match)
        count = len(valid) + len(unmatched)
        key = f"hygiene:{class_id}:{day.isoformat()}:ventilation"
        if count < times:
            extra_zh = f"（另有不足 {each} 分钟的通风：{'、'.join(f'{m} 分钟' for m in short)}）" if short else ""
            extra_en = f" (too short: {', '.join(f'{m} min' for m in short)})" if short else ""
            if late:
                extra_zh += f"（另有 {late} 次在当日结束后才补登，不计）"
                extra_en += f" ({late} more recorded after the day ended: not counted)"
            findings.append(finding_for(
                rule, Severity.VIOLATION if count == 0 else Severity.WARNING, period, (key,),
                f"{name} {day.isoformat()} 开窗通风 {count} 次（每次不少于 {each} 分钟），少于每日 {times} 次{extra_zh}。",
                f"{name} on {day.isoformat()}: aired {count} time(s) of at least {each} min, fewer than {times} a day"
                f"{extra_en}."))
        for minutes, typed in unproven:
            when = f" {typed.astimezone(zone).strftime('%H:%M')}" if typed else ""
            findings.append(finding_for(
                rule, Severity.WARNING, period, (f"{key}:unproven:{when.strip()}",),
                f"{name} {day.isoformat()}{when} 登记开窗通风 {minutes} 分钟，但窗磁未记录相应的开窗（登记但无法证实）。",
                f"{name} on {day.isoformat()}{when}: an airing of {minutes} min is ticked but the window contacts "
                f"show no such opening (ticked but unproven)."))
    return findings


def _tableware_ok(item: ChecklistItemRecord, boil: int, steam: int, trust_cabinet: bool) -> bool:
    """A tick that disinfects enough by itself: boiled or steamed long enough, or a cabinet nobody logs."""
    minutes = max(item.minutes, default=0)
    return ((item.method == "boil" and minutes >= boil) or (item.method == "steam" and minutes >= steam)
            or (item.method == "cabinet" and trust_cabinet))


def _tableware(inputs: ComplianceInputs, rule: Rule, period: Period, zone: ZoneInfo,
               days: dict[tuple[str, date], ChecklistDayRecord], todo: list[tuple[str, date]]) -> list[Finding]:
    evidence = inputs.hygiene
    assert evidence is not None
    boil, steam = int(rule.value("min_boil_minutes")), int(rule.value("min_steam_minutes"))
    cycles: dict[date, set[str]] = defaultdict(set)
    for c in evidence.cabinet_cycles:
        cycles[c.started_at.astimezone(zone).date()].add("kitchen" if c.class_id is None else str(c.class_id))
    wired = set().union(*cycles.values()) if cycles else set()  # cabinets whose cycle contact reports
    names = _names(inputs)
    findings: list[Finding] = []
    for class_id, day in todo:
        end = _day_end(day, zone)
        serving = {"kitchen", class_id}  # the cabinets this class's tableware goes through
        cycle = bool(cycles[day] & serving)
        ticks = [i for i in _items(days.get((class_id, day)), "tableware") if _in_time(i, end)]
        # A "cabinet" tick proves itself only where no cabinet of this class reports its cycles (wired ones speak).
        if cycle or any(_tableware_ok(i, boil, steam, not wired & serving) for i in ticks):
            continue
        name = names.get(class_id, class_id)
        if ticks:
            told_zh = "、".join(f"{METHODS.get(i.method or '', ('', ''))[0]} {max(i.minutes, default=0)} 分钟"
                               for i in ticks)
            told_en = ", ".join(f"{METHODS.get(i.method or '', ('', ''))[1]} {max(i.minutes, default=0)} min"
                                for i in ticks)
            zh = (f"{name} {day.isoformat()} 餐具消毒不达标（{told_zh}）：应煮沸不少于 {boil} 分钟或蒸汽不少于 {steam} 分钟，"
                  f"或有消毒柜记录。")
            en = (f"{name} on {day.isoformat()}: tableware not disinfected enough ({told_en}): boil at least {boil} "
                  f"min or steam at least {steam} min, or a cabinet cycle.")
        else:
            zh = f"{name} {day.isoformat()} 无餐具消毒记录（煮沸 {boil} 分钟、蒸汽 {steam} 分钟或消毒柜）。"
            en = f"{name} on {day.isoformat()}: no tableware disinfection recorded (boil {boil} min, steam {steam} min or a cabinet)."
        findings.append(finding_for(rule, Severity.VIOLATION, period,
                                    (f"hygiene:{class_id}:{day.isoformat()}:tableware",), zh, en))
    return findings


def _cleaning(inputs: ComplianceInputs, rule: Rule, period: Period, zone: ZoneInfo,
              days: dict[tuple[str, date], ChecklistDayRecord], todo: list[tuple[str, date]]) -> list[Finding]:
    need = int(rule.value("min_times_each"))
    labels = {x.key: (x.zh, x.en) for x in LINES}
    names = _names(inputs)
    findings: list[Finding] = []
    for class_id, day in todo:
        end = _day_end(day, zone)
        checklist = days.get((class_id, day))
        missing = [k for k in CLEANING_ITEMS
                   if len([i for i in _items(checklist, k) if _in_time(i, end)]) < need]
        if not missing:
            continue
        name = names.get(class_id, class_id)
        findings.append(finding_for(
            rule, Severity.WARNING, period, (f"hygiene:{class_id}:{day.isoformat()}:cleaning",),
            f"{name} {day.isoformat()} 未登记：{'、'.join(labels[k][0] for k in missing)}。",
            f"{name} on {day.isoformat()}: not ticked: {', '.join(labels[k][1].lower() for k in missing)}."))
    return findings


def evaluate_hygiene(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Findings per class and day with children: ventilation, tableware, the daily cleaning items."""
    if inputs.hygiene is None:
        return []
    zone = ZoneInfo(inputs.centre.timezone)
    until = judged_at(inputs, period)
    todo = _days_with_children(inputs, period, until, zone)
    days = {(str(d.class_id), d.day): d for d in inputs.hygiene.checklists}
    findings: list[Finding] = []
    checks = ((VENTILATION_RULE, lambda r: _ventilation(inputs, r, period, until, zone, days, todo)),
              (TABLEWARE_RULE, lambda r: _tableware(inputs, r, period, zone, days, todo)),
              (CLEANING_RULE, lambda r: _cleaning(inputs, r, period, zone, days, todo)))
    for rule_id, check in checks:
        rule = rules.get(rule_id)
        if rule is not None and rule.is_effective_on(period.end):
            findings += check(rule)
    return findings
