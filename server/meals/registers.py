"""The pack registers 带量食谱, 膳食费公示 and 膳食月报, and the meals evaluator's evidence.

带量食谱 holds every dish of every published version of the weeks touching the period (so a change after
publication is read beside what it replaced); 膳食费公示 every published version of the period's months; 膳食月报
one line a month: weeks with children, menus on time / late / missing, allergy warnings, the month's account.
Local times of the centre.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.food.meals import MealFeeRecord, MealsEvidence, MenuPublicationRecord, monday_of
from compliance.period import add_months
from server.centre.models import Centre
from server.centre.registers import centre_of, count_rows
from server.centre.timezones import centre_zone
from server.database import db
from server.meals.models import MEAL_LABELS, MealFeePublication, MenuDish, MenuVersion
from server.meals.operations import FEE_CATEGORY_LABELS, allergy_warnings, dishes_of
from server.people.models import Child


def _instants(centre: Centre, period: Period) -> tuple[datetime, datetime]:
    zone = centre_zone(centre)
    return (datetime.combine(period.start, time(), zone),
            datetime.combine(period.end + timedelta(days=1), time(), zone))


def _local(centre: Centre, at: datetime | None) -> str:
    return "" if at is None else at.astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M")


def _published(centre_id: int, first: date, last: date) -> list[MenuVersion]:
    return list(db.session.execute(select(MenuVersion).where(
        MenuVersion.centre_id == centre_id, MenuVersion.published_at.is_not(None), MenuVersion.week_of >= first,
        MenuVersion.week_of <= last).order_by(MenuVersion.week_of, MenuVersion.version_no)).scalars())


def _ingredients(dish: MenuDish) -> str:
    return "、".join(f"{i.get('name')} {i.get('grams')}克" for i in dish.ingredients)


def _menu_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    versions = _published(centre.id, monday_of(period.start), period.end)
    latest = {v.week_of: v.version_no for v in versions}
    dishes: dict[int, list[MenuDish]] = {}
    for dish in dishes_of([v.id for v in versions]):
        dishes.setdefault(dish.version_id, []).append(dish)
    for version in versions:
        rows = dishes.get(version.id, [])
        flagged: dict[tuple[object, ...], list[str]] = {}
        for w in allergy_warnings(centre.id, rows):
            key = (w.day, w.meal, w.dish)
            text = f"{w.label_zh}（{len(w.children)}名幼儿）"
            if text not in flagged.setdefault(key, []):
                flagged[key].append(text)
        status = "现行" if latest[version.week_of] == version.version_no else "已被更新"
        for dish in rows:
            yield (version.week_of.isoformat(), version.version_no, status, dish.day.isoformat(),
                   MEAL_LABELS[dish.meal][0], dish.name, _ingredients(dish),
                   "；".join(flagged.get((dish.day, dish.meal, dish.name), [])),
                   _local(centre, version.published_at), version.publisher_name or "", version.change_note or "")


MENU_REGISTER = RegisterSource(
    "带量食谱",
    (Column("week_of", "周（周一）", "week (Monday)"), Column("version", "版本", "version"),
     Column("status", "状态", "status"), Column("day", "日期", "day"), Column("meal", "餐次", "meal"),
     Column("dish", "菜品", "dish"), Column("ingredients", "食材及每人用量", "ingredients, grams per child"),
     Column("allergy", "过敏提示", "allergy warnings"), Column("published_at", "公布时间", "published at"),
     Column("published_by", "公布人", "published by"), Column("change_note", "修改说明", "what changed")),
    Responsibility.SERVICE, InspectionArea.FOOD, _menu_rows, "Weekly menus with quantities, every published version",
    count=lambda r, p: count_rows(MenuDish, r),
)


def _fees_in(centre_id: int, first: date, last: date) -> list[MealFeePublication]:
    return list(db.session.execute(select(MealFeePublication).where(
        MealFeePublication.centre_id == centre_id, MealFeePublication.month >= first,
        MealFeePublication.month <= last).order_by(MealFeePublication.month, MealFeePublication.version_no))
        .scalars())


def _fee_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    rows = _fees_in(centre.id, period.start.replace(day=1), period.end)
    latest = {r.month: r.version_no for r in rows}
    for row in rows:
        balance = row.income_fen - row.spending_fen
        share = f"{abs(balance) * 100 / row.income_fen:.2f}%" if row.income_fen else ""
        parts = "、".join(f"{FEE_CATEGORY_LABELS[k][0]} {v / 100:.2f}" for k, v in (row.categories or {}).items()
                         if k in FEE_CATEGORY_LABELS)
        yield (f"{row.month:%Y-%m}", row.version_no, "现行" if latest[row.month] == row.version_no else "已更正",
               f"{row.income_fen / 100:.2f}", f"{row.spending_fen / 100:.2f}", f"{balance / 100:.2f}", share, parts,
               _local(centre, row.published_at), row.publisher_name, row.note or "")


FEE_REGISTER = RegisterSource(
    "膳食费公示",
    (Column("month", "月份", "month"), Column("version", "版本", "version"), Column("status", "状态", "status"),
     Column("income", "膳食费收入（元）", "income (yuan)"), Column("spending", "膳食支出（元）", "spending (yuan)"),
     Column("balance", "结余（元，负数为亏损）", "balance (yuan, negative: deficit)"),
     Column("share", "盈亏占收入比例", "balance share of income"), Column("categories", "支出分类（元）", "spending by category"),
     Column("published_at", "公布时间", "published at"), Column("published_by", "公布人", "published by"),
     Column("note", "说明", "note")),
    Responsibility.SERVICE, InspectionArea.PRICES, _fee_rows, "Monthly meal-fee accounts as published to families",
    count=lambda r, p: count_rows(MealFeePublication, r),
)


def _children_spans(centre_id: int) -> list[tuple[date, date | None]]:
    return [(a, b) for a, b in db.session.execute(
        select(Child.enrolled_on, Child.left_on).where(Child.centre_id == centre_id)).all()]


def _any_enrolled(spans: list[tuple[date, date | None]], first: date, last: date) -> bool:
    return any(start <= last and (left is None or left >= first) for start, left in spans)


def _weeks_with_children(spans: list[tuple[date, date | None]], first: date, last: date) -> frozenset[date]:
    weeks = set()
    monday = monday_of(first)
    while monday <= last:
        if _any_enrolled(spans, monday, monday + timedelta(days=4)):
            weeks.add(monday)
        monday += timedelta(days=7)
    return frozenset(weeks)


def _months_with_children(spans: list[tuple[date, date | None]], first: date, last: date) -> frozenset[date]:
    months = set()
    month = first.replace(day=1)
    while month <= last:
        if _any_enrolled(spans, month, add_months(month, 1) - timedelta(days=1)):
            months.add(month)
        month = add_months(month, 1)
    return frozenset(months)


def meals_evidence(centre: Centre, period: Period) -> MealsEvidence:
    """Published menus and accounts touching the period (and its terms), and when the centre had children.

    A centre with children and nothing recorded still gets (empty) evidence: its silence is what is judged.
    """
    spans = _children_spans(centre.id)
    first_month = add_months(period.start.replace(day=1), -12)  # enough to cover the term the period starts in
    menus = tuple(MenuPublicationRecord(v.week_of, v.version_no, v.published_at, 0)
                  for v in _published(centre.id, monday_of(period.start), period.end) if v.published_at is not None)
    fees = tuple(MealFeeRecord(r.month, r.version_no, r.income_fen, r.spending_fen, r.published_at)
                 for r in _fees_in(centre.id, first_month, period.end))
    return MealsEvidence(menus=menus, fees=fees,
                         weeks_with_children=_weeks_with_children(spans, period.start, period.end),
                         months_with_children=_months_with_children(spans, period.start, period.end))


def _summary_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    zone = centre_zone(centre)
    spans = _children_spans(centre.id)
    month = period.start.replace(day=1)
    fees = {}
    for row in _fees_in(centre.id, month, period.end):
        fees[row.month] = row  # the latest version wins (ordered by version)
    while month <= period.end:
        last = min(add_months(month, 1) - timedelta(days=1), period.end)
        weeks = sorted(w for w in _weeks_with_children(spans, max(month, period.start), last) if w >= month)
        on_time = late = 0
        dishes = warnings = 0
        for monday in weeks:
            versions = _published(centre.id, monday, monday)
            if not versions:
                continue
            first = min(v.published_at for v in versions if v.published_at is not None)
            if first < datetime.combine(monday, time(), zone):
                on_time += 1
            else:
                late += 1
            rows = dishes_of([versions[-1].id])
            dishes += len(rows)
            warnings += len(allergy_warnings(centre.id, rows))
        fee = fees.get(month)
        balance = fee.income_fen - fee.spending_fen if fee else None
        yield (f"{month:%Y-%m}", len(weeks), on_time, late, len(weeks) - on_time - late, dishes, warnings,
               f"{fee.income_fen / 100:.2f}" if fee else "", f"{fee.spending_fen / 100:.2f}" if fee else "",
               f"{balance / 100:.2f}" if balance is not None else "",
               f"{abs(balance) * 100 / fee.income_fen:.2f}%" if fee and balance is not None and fee.income_fen else "",
               _local(centre, fee.published_at) if fee else "未公布")
        month = add_months(month, 1)


MONTHLY_SUMMARY = RegisterSource(
    "膳食月报",
    (Column("month", "月份", "month"), Column("weeks", "有幼儿的周数", "weeks with children"),
     Column("on_time", "按时公布食谱周数", "menus on time"), Column("late", "逾期公布周数", "menus late"),
     Column("missing", "未公布周数", "menus missing"), Column("dishes", "菜品数", "dishes"),
     Column("warnings", "过敏提示数", "allergy warnings"), Column("income", "膳食费收入（元）", "income (yuan)"),
     Column("spending", "膳食支出（元）", "spending (yuan)"), Column("balance", "结余（元）", "balance (yuan)"),
     Column("share", "盈亏比例", "balance share"), Column("fee_published_at", "收支公布时间", "account published")),
    Responsibility.SERVICE, InspectionArea.FOOD, _summary_rows, "Monthly meals summary",
)

REGISTERS = (MENU_REGISTER, FEE_REGISTER, MONTHLY_SUMMARY)
