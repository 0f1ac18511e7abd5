"""Weekly menus and the 膳食费 account / 带量食谱与膳食费公示.

Reads ``inputs.meals`` (a :class:`MealsEvidence`). Three rules:

- ``food.weekly_menu``: every week with children (its Monday in the period) has a menu published before the week
  starts (the Monday's local midnight), judged by when the publication was written. None at all is a violation;
  published after the week began is a warning.
- ``fees.meal_fee_publication``: every month with children (its first day in the period) has its account published
  by the end of the following month (``max_interval`` months after the month ends).
- ``fees.meal_fee_balance``: over a term (``term_months`` months from 1 September), the surplus or deficit of the
  published months stays within ``max_balance_share`` % of the income: 2.0 % passes, 2.1 % does not. A term still
  running is a warning (it can be corrected), a term that ended is a violation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from compliance.findings import Finding, Severity, finding_for
from compliance.food.meals import MealsEvidence, balance_share
from compliance.period import Period, add_months
from compliance.records import ComplianceInputs
from compliance.rulebook.model import Rulebook

MENU_RULE = "food.weekly_menu"
PUBLICATION_RULE = "fees.meal_fee_publication"
BALANCE_RULE = "fees.meal_fee_balance"
TERM_ALIGN_MONTH = 9  # the school year (学年) starts in September: terms are counted from 1 September


def _zone(inputs: ComplianceInputs) -> ZoneInfo:
    return ZoneInfo(inputs.centre.timezone or "Asia/Shanghai")


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _cutoff(inputs: ComplianceInputs, period: Period) -> datetime:
    end = _midnight(period.end + timedelta(days=1), _zone(inputs))
    return min(end, inputs.as_of) if inputs.as_of is not None else end


def _percent(value: Fraction) -> str:
    return f"{float(value):.2f}%"


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def term_of(month: date, term_months: int) -> tuple[date, date]:
    """The first day of the term `month` falls in and the first day after it."""
    index = month.year * 12 + month.month - 1 - (TERM_ALIGN_MONTH - 1)
    start_index = (index // term_months) * term_months + TERM_ALIGN_MONTH - 1
    start = date(start_index // 12, start_index % 12 + 1, 1)
    return start, add_months(start, term_months)


def _months(start: date, end: date) -> Iterator[date]:
    month = start.replace(day=1)
    while month <= end:
        yield month
        month = add_months(month, 1)


def evaluate_weekly_menu(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """One finding per week with children whose menu was not published before it started."""
    rule, evidence = rules.get(MENU_RULE), inputs.meals
    if rule is None or evidence is None:
        return []
    zone, cutoff = _zone(inputs), _cutoff(inputs, period)
    findings = []
    for monday in sorted(evidence.weeks_with_children):
        starts = _midnight(monday, zone)
        if monday not in period or starts > cutoff:
            continue
        first = evidence.first_menu(monday)
        if first is not None and first.published_at < starts:
            continue
        if first is None or first.published_at > cutoff:
            findings.append(finding_for(
                rule, Severity.VIOLATION, period, (f"week:{monday.isoformat()}",),
                f"{monday.isoformat()} 起的一周没有公布带量食谱。",
                f"No menu was published for the week of {monday.isoformat()}."))
            continue
        late = first.published_at.astimezone(zone)
        findings.append(finding_for(
            rule, Severity.WARNING, period, (f"week:{monday.isoformat()}", f"menu_version:{first.version_no}"),
            f"{monday.isoformat()} 起一周的带量食谱在 {late:%Y-%m-%d %H:%M} 才公布，晚于该周开始。",
            f"The menu for the week of {monday.isoformat()} was published at {late:%Y-%m-%d %H:%M}, "
            f"after the week had begun."))
    return findings


def evaluate_fee_publication(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """One finding per month with children whose account was not published by the end of the next month."""
    rule, evidence = rules.get(PUBLICATION_RULE), inputs.meals
    if rule is None or evidence is None:
        return []
    zone, cutoff = _zone(inputs), _cutoff(inputs, period)
    interval = int(rule.value("max_interval"))
    findings = []
    for month in sorted(evidence.months_with_children):
        deadline = _midnight(add_months(month, 1 + interval), zone)
        if month not in period or deadline > cutoff:
            continue
        first = evidence.first_fee(month)
        label = f"{month:%Y-%m}"
        if first is None or first.published_at > cutoff:
            findings.append(finding_for(
                rule, Severity.VIOLATION, period, (f"month:{label}",),
                f"{label} 的膳食费收支没有公布。", f"The meal-fee account of {label} was not published."))
        elif first.published_at > deadline:
            at = first.published_at.astimezone(zone)
            findings.append(finding_for(
                rule, Severity.WARNING, period, (f"month:{label}",),
                f"{label} 的膳食费收支在 {at:%Y-%m-%d} 才公布，晚于次月月底。",
                f"The meal-fee account of {label} was published on {at:%Y-%m-%d}, after the end of the next month."))
    return findings


def evaluate_fee_balance(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """One finding per term (overlapping the period) whose published balance exceeds the allowed share."""
    rule, evidence = rules.get(BALANCE_RULE), inputs.meals
    if rule is None or evidence is None:
        return []
    cutoff = _cutoff(inputs, period)
    limit = Fraction(Decimal(rule.value("max_balance_share")))
    term_months = int(rule.value("term_months"))
    findings = []
    term_start, _ = term_of(period.start.replace(day=1), term_months)
    while term_start <= period.end:
        term_end = add_months(term_start, term_months)
        findings.extend(_term_finding(inputs, evidence, rules, period, term_start, term_end, cutoff, limit))
        term_start = term_end
    return findings


def _term_finding(inputs: ComplianceInputs, evidence: MealsEvidence, rules: Rulebook, period: Period,
                  term_start: date, term_end: date, cutoff: datetime, limit: Fraction) -> list[Finding]:
    rule = rules.get(BALANCE_RULE)
    assert rule is not None
    last = min(term_end - timedelta(days=1), period.end)
    published = [f for f in (evidence.latest_fee(m, cutoff) for m in _months(term_start, last)) if f is not None]
    income = sum(f.income_fen for f in published)
    spending = sum(f.spending_fen for f in published)
    share = balance_share(income, spending)
    if share is None or share <= limit:
        return []
    ended = term_end - timedelta(days=1) <= period.end
    label = f"{term_start:%Y-%m}–{(term_end - timedelta(days=1)):%Y-%m}"
    kind_zh, kind_en = ("结余", "surplus") if income >= spending else ("亏损", "deficit")
    months = "、".join(f"{f.month:%Y-%m}" for f in published)
    scope_zh = "" if ended else "（学期进行中，截至目前）"
    scope_en = "" if ended else " (term still running, so far)"
    return [finding_for(
        rule, Severity.VIOLATION if ended else Severity.WARNING, period,
        (f"term:{term_start:%Y-%m}", *(f"month:{f.month:%Y-%m}" for f in published)),
        f"学期 {label}{scope_zh}膳食费{kind_zh} {_yuan(abs(income - spending))} 元，占收入 {_yuan(income)} 元的 "
        f"{_percent(share)}，超过 {float(limit):g}%（月份：{months}）。",
        f"Term {label}{scope_en}: meal-fee {kind_en} of {_yuan(abs(income - spending))} yuan is {_percent(share)} "
        f"of the income of {_yuan(income)} yuan, above {float(limit):g}% (months: {months}).")]


def evaluate_meals(inputs: ComplianceInputs, rules: Rulebook, period: Period) -> list[Finding]:
    """The three meals rules, in order."""
    return [*evaluate_weekly_menu(inputs, rules, period), *evaluate_fee_publication(inputs, rules, period),
            *evaluate_fee_balance(inputs, rules, period)]
