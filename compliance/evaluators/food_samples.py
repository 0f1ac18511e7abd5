"""Food samples kept: every served dish sampled, heavy enough, kept long enough in a cold fridge / 食品留样.

Reads ``inputs.food_samples`` (a :class:`compliance.food.samples.FoodSampleEvidence`). Each sample is judged as it
stood at the period's end (or when the inputs were read, if earlier): a correction or a disposal recorded later
does not count, so a record changed afterwards cannot erase a finding.

- ``food.sample`` (violations):
  - a dish of the published menu of a day in the period without a sample recorded that day ("missing dish");
  - a sample lighter than ``min_weight`` (default 125 g; a centre may set 100–125 g);
  - a sample disposed of before ``min_hours`` (48 h) after it was sealed (the API refuses it; judged anyway);
  - the fridge outside ``environment.fridge``'s limits while samples were kept (one finding per excursion, naming
    the samples kept through it);
  - no fridge reading at all while samples were kept, where the centre monitors that fridge (one per fridge).
- ``staff.food_handler_certificate`` (violation, food area): a kitchen worker employed on a day of the period
  without a food-handler health certificate in force that day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from compliance.evaluators.feedback import judged_at
from compliance.findings import Finding, Severity, finding_for
from compliance.food.samples import (
    CERTIFICATE_RULE,
    RULE_ID,
    FoodSampleEvidence,
    FoodSampleRecord,
    FridgeExcursion,
    dish_key,
    meal_label,
)
from compliance.period import Period
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rule, Rulebook, format_number


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _what(s: FoodSampleRecord) -> tuple[str, str]:
    zh, en = meal_label(s.meal)
    return f"{s.day.isoformat()}{zh}「{s.dish}」的留样（编号 {s.id}）", f"the {en.lower()} sample of {s.dish} on {s.day} ({s.id})"


def _missing(evidence: FoodSampleEvidence, samples: list[FoodSampleRecord], rule: Rule, period: Period,
             zone: ZoneInfo) -> list[Finding]:
    """Served dishes of the period without a sample recorded on the day they were served."""
    taken = {(s.day, s.meal, dish_key(s.dish)) for s in samples if s.recorded_at.astimezone(zone).date() <= s.day}
    findings = []
    seen: set[tuple[date, str, str]] = set()
    for dish in sorted(evidence.served, key=lambda d: (d.day, d.meal, d.dish)):
        key = (dish.day, dish.meal, dish_key(dish.dish))
        if dish.day not in period or key in seen or key in taken:
            continue
        seen.add(key)
        zh, en = meal_label(dish.meal)
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, (f"menu:{dish.day.isoformat()}:{dish.meal}:{dish.dish}",),
            f"{dish.day.isoformat()}{zh}的「{dish.dish}」没有留样。",
            f"No sample was kept of {dish.dish} ({en.lower()}) on {dish.day.isoformat()}."))
    return findings


def _sample_findings(s: FoodSampleRecord, rule: Rule, period: Period, zone: ZoneInfo) -> list[Finding]:
    findings = []
    what_zh, what_en = _what(s)
    evidence = (f"food_sample:{s.id}",)
    least = rule.value("min_weight")
    if s.weight_g < least:
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, evidence,
            f"{what_zh}只有 {s.weight_g} 克，少于 {format_number(least)} 克。",
            f"{what_en[0].upper()}{what_en[1:]} weighed {s.weight_g} g, less than {format_number(least)} g."))
    hours = rule.value("min_hours")
    if s.disposed_at is not None and s.disposed_at - s.sealed_at < timedelta(hours=float(hours)):
        kept = (s.disposed_at - s.sealed_at) / timedelta(hours=1)
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, evidence,
            f"{what_zh}封存 {kept:.1f} 小时后即于 {_local(s.disposed_at, zone)} 处理，不足 {format_number(hours)} 小时。",
            f"{what_en[0].upper()}{what_en[1:]} was disposed of at {_local(s.disposed_at, zone)}, "
            f"{kept:.1f} h after sealing, before {format_number(hours)} h."))
    return findings


def _fridge_findings(samples: list[FoodSampleRecord], rule: Rule, period: Period, zone: ZoneInfo,
                     monitored: frozenset[str]) -> list[Finding]:
    """One finding per fridge excursion with the samples kept through it, and one per silent fridge.

    A silent fridge: samples kept in it with no reading at all, where the centre monitors that fridge.
    """
    through: dict[tuple[str, datetime], tuple[FridgeExcursion, list[FoodSampleRecord]]] = {}
    silent: dict[str, list[FoodSampleRecord]] = {}
    for s in samples:
        stats = s.fridge_stats
        for x in stats.excursions if stats is not None else ():
            through.setdefault((s.fridge, x.started_at), (x, []))[1].append(s)
        if s.fridge in monitored and (stats is None or stats.readings == 0):
            silent.setdefault(s.fridge, []).append(s)
    findings = []
    for (fridge, _), (x, kept) in sorted(through.items(), key=lambda item: (item[0][1], item[0][0])):
        until = _local(x.ended_at, zone) if x.ended_at else "—"
        word_zh, word_en = ("最高", "highest") if x.bound == "upper" else ("最低", "lowest")
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, tuple(f"food_sample:{s.id}" for s in kept),
            f"冰箱（{fridge}）{_local(x.started_at, zone)}至{until}温度超出 {x.limit_c:g} °C 的限值"
            f"（{word_zh} {x.worst_c:.1f} °C），期间留存的 {len(kept)} 份留样受影响（首份：{_what(kept[0])[0]}）。",
            f"The fridge ({fridge}) left its {x.limit_c:g} °C limit from {_local(x.started_at, zone)} to {until} "
            f"({word_en} {x.worst_c:.1f} °C) while {len(kept)} sample(s) were kept in it (first: {_what(kept[0])[1]})."))
    for fridge, kept in sorted(silent.items()):
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, tuple(f"food_sample:{s.id}" for s in kept),
            f"冰箱（{fridge}）在 {len(kept)} 份留样留存期间没有任何温度记录（首份：{_what(kept[0])[0]}）。",
            f"The fridge ({fridge}) recorded no temperature while {len(kept)} sample(s) were kept "
            f"(first: {_what(kept[0])[1]})."))
    return findings


def _certificate_findings(evidence: FoodSampleEvidence, rules: Rulebook, period: Period) -> list[Finding]:
    rule = rules.get(CERTIFICATE_RULE)
    if rule is None:
        return []
    findings = []
    for cert in sorted(evidence.kitchen_certificates, key=lambda c: c.staff_id):
        days = [d for d in period.each_day() if cert.employed_from <= d
                and (cert.employed_until is None or d <= cert.employed_until)
                and (not cert.held or (cert.expires_on is not None and cert.expires_on < d))]
        if not days:
            continue
        why_zh = "没有食品从业人员健康证明" if not cert.held else f"健康证明已于 {cert.expires_on} 过期"
        why_en = "no food-handler health certificate" if not cert.held else (
            f"the health certificate expired on {cert.expires_on}")
        findings.append(finding_for(
            rule, Severity.VIOLATION, period, (f"staff:{cert.staff_id}",),
            f"厨房工作人员{cert.name}有 {len(days)} 天{why_zh}（首日 {days[0].isoformat()}）。",
            f"Kitchen worker {cert.name}: {why_en} on {len(days)} day(s) (first {days[0].isoformat()})."))
    return findings


def _as_judged(sample: FoodSampleRecord, at: datetime, zone: ZoneInfo) -> FoodSampleRecord:
    """The sample as judged at ``at``: weight and sealing as corrected by the end of its own day, disposal at ``at``.

    A slip fixed at the scale counts; a correction written later (110 g "was a typo", the sealing moved back two
    days) never erases a finding.
    """
    day_end = datetime.combine(sample.day + timedelta(days=1), time(), zone)
    measured, later = sample.as_of(min(at, day_end)), sample.as_of(at)
    return replace(measured, disposed_at=later.disposed_at, disposed_by=later.disposed_by)


def evaluate_food_samples(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """Findings about the period's food samples and kitchen health certificates (none when nothing is kept here)."""
    evidence = inputs.food_samples
    if evidence is None:
        return []
    findings = _certificate_findings(evidence, rules, period)
    rule = rules.get(RULE_ID)
    if rule is None:
        return findings
    zone, at = ZoneInfo(inputs.centre.timezone), judged_at(inputs, period)
    samples = [_as_judged(s, at, zone) for s in evidence.samples if s.recorded_at <= at]
    findings += _missing(evidence, samples, rule, period, zone)
    judged = [s for s in sorted(samples, key=lambda x: (x.day, x.sealed_at, str(x.id))) if s.day in period]
    for s in judged:
        findings += _sample_findings(s, rule, period, zone)
    return findings + _fridge_findings(judged, rule, period, zone, evidence.monitored_fridges)
