"""The pack's 食品留样记录 and 食品留样月报, and the evidence the food.sample evaluator reads.

食品留样记录 has one row per sample, with its fridge's readings while kept.
The keeping period of a sample runs from its sealing to its disposal, or to when the register is read (the end of
the period at the latest). Values are shown as they stand after corrections; the corrections are listed in their
own column (field: old → new, reason, who, when). Local times of the centre.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.food.samples import (
    FoodSampleEvidence,
    FoodSampleRecord,
    FridgeStats,
    SampleAmendmentRecord,
    dish_key,
    meal_label,
)
from server.centre.models import Centre
from server.centre.registers import centre_of, count_rows
from server.centre.rules import effective_rules
from server.centre.timezones import centre_zone
from server.clock import utcnow
from server.food.fridge import FridgeReader, gap_after, monitored_fridges
from server.food.kitchen_staff import kitchen_certificates
from server.food.menu_source import menu_dishes
from server.food.models import FoodSample
from server.food.operations import SampleLine, sample_lines, samples_between

FIELD_NAMES = {"meal": "餐次", "dish": "菜品", "weight_g": "重量（克）", "sealed_at": "封存时间", "fridge": "冰箱"}


@dataclass
class KeptSample:
    """A sample line with its fridge's readings over its keeping period."""

    line: SampleLine
    stats: FridgeStats
    monitored: bool


def _end(centre: Centre, day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), centre_zone(centre))


def kept_samples(centre: Centre, samples: list[FoodSample], now: datetime) -> list[KeptSample]:
    """Each sample as it stands, with its fridge's readings from sealing to disposal (or `now`)."""
    lines = sample_lines(samples)
    spans = []
    for line in lines:
        end = line.disposal.disposed_at if line.disposal else now
        spans.append((line.values["fridge"], line.values["sealed_at"], max(end, line.values["sealed_at"])))
    reader = FridgeReader(centre.id, spans, gap_after(effective_rules(centre, now.date())))
    monitored = set(monitored_fridges(centre.id))
    return [KeptSample(line, reader.stats(*span), span[0] in monitored) for line, span in zip(lines, spans,
                                                                                            strict=True)]


def _record(kept: KeptSample) -> FoodSampleRecord:
    s, line = kept.line.sample, kept.line
    return FoodSampleRecord(
        id=s.id, day=s.day, meal=s.meal.value, dish=s.dish, weight_g=s.weight_g, sealed_at=s.sealed_at,
        fridge=s.fridge, recorded_at=s.recorded_at, sampled_by=s.sampled_by,
        disposed_at=line.disposal.disposed_at if line.disposal else None,
        disposed_by=line.disposal.disposed_by if line.disposal else None,
        amendments=tuple(SampleAmendmentRecord(a.field, a.old_value, a.new_value, a.reason, a.amended_at,
                                               a.amended_by) for a in line.amendments),
        fridge_monitored=kept.monitored, fridge_stats=kept.stats)


def food_sample_evidence(centre: Centre, period: Period) -> FoodSampleEvidence:
    """The period's samples (with fridge readings), the published menus' dishes and the kitchen's certificates."""
    now = min(utcnow(), _end(centre, period.end))
    kept = kept_samples(centre, samples_between(centre.id, period.start, period.end), now)
    served = tuple(menu_dishes(centre.id, period.start, period.end))
    return FoodSampleEvidence(
        samples=tuple(_record(k) for k in kept), served=served,
        monitored_fridges=frozenset(monitored_fridges(centre.id)), has_menu=bool(served),
        kitchen_certificates=tuple(kitchen_certificates(centre.id, period.start, period.end,
                                                        effective_rules(centre, period.end))))


def _local(at: datetime | None, centre: Centre) -> str:
    return "" if at is None else at.astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def amendment_text(centre: Centre, field: str, old: object, new: object) -> tuple[str, str]:
    """(old, new) of a correction as the register shows them."""
    def show(value: object) -> str:
        if value is None:
            return ""
        if field == "sealed_at":
            return _local(datetime.fromisoformat(str(value)), centre)
        if field == "meal":
            return meal_label(str(value))[0]
        return str(value)
    return show(old), show(new)


def _rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    now = min(utcnow(), _end(centre, period.end))
    for kept in kept_samples(centre, samples_between(centre.id, period.start, period.end), now):
        line, stats, s = kept.line, kept.stats, kept.line.sample
        v = line.values
        fixes = "；".join(
            "{}：{} → {}（{}，{} {}）".format(FIELD_NAMES.get(a.field, a.field),
                                           *amendment_text(centre, a.field, a.old_value, a.new_value), a.reason,
                                           a.amended_by, _local(a.amended_at, centre)) for a in line.amendments)
        excursions = "；".join(f"{_local(x.started_at, centre)}–{_local(x.ended_at, centre)} 最高 {x.worst_c:.1f} °C"
                               if x.bound == "upper" else
                               f"{_local(x.started_at, centre)}–{_local(x.ended_at, centre)} 最低 {x.worst_c:.1f} °C"
                               for x in stats.excursions)
        yield (s.id, s.day.isoformat(), meal_label(v["meal"].value)[0], v["dish"], v["weight_g"],
               "是" if line.underweight else "", _local(v["sealed_at"], centre), s.sampled_by, v["fridge"],
               _number(stats.min_c), _number(stats.max_c), stats.readings, stats.gaps, excursions,
               "" if kept.monitored else "未监测", _local(line.keep_until, centre),
               _local(line.disposal.disposed_at if line.disposal else None, centre),
               line.disposal.disposed_by if line.disposal else "", fixes, _local(s.recorded_at, centre))


SAMPLES_REGISTER = RegisterSource(
    "食品留样记录",
    (Column("id", "编号", "sample"), Column("day", "日期", "day"), Column("meal", "餐次", "meal"),
     Column("dish", "菜品", "dish"), Column("weight_g", "留样重量（克）", "weight (g)"),
     Column("underweight", "重量不足", "underweight"), Column("sealed_at", "封存时间", "sealed at"),
     Column("sampled_by", "留样人", "sampled by"), Column("fridge", "冰箱", "fridge"),
     Column("min_c", "留存期间最低温度（°C）", "min °C while kept"),
     Column("max_c", "留存期间最高温度（°C）", "max °C while kept"),
     Column("readings", "温度记录分钟数", "minutes with readings"), Column("gaps", "无数据时段数", "gaps"),
     Column("excursions", "温度超限", "fridge excursions"), Column("monitored", "冰箱监测", "fridge monitored"),
     Column("keep_until", "留存至", "keep until"), Column("disposed_at", "处理时间", "disposed at"),
     Column("disposed_by", "处理人", "disposed by"), Column("amendments", "更正记录", "amendments"),
     Column("recorded_at", "录入时间", "recorded at")),
    Responsibility.QUALITY_SAFETY, InspectionArea.FOOD, _rows, "Food samples kept (食品留样) with fridge evidence",
    count=lambda r, p: count_rows(FoodSample, r),
)


@dataclass(frozen=True)
class MonthFigures:
    """One month's samples at a glance (the office page and the pack's monthly summary)."""

    month: str
    samples: int
    dishes_served: int
    missing: int
    underweight: int
    disposed_early: int
    with_excursion: int
    without_fridge_data: int
    min_c: float | None
    max_c: float | None


def month_figures(centre: Centre, start: date, end: date, now: datetime,
                  kept: list[KeptSample] | None = None) -> MonthFigures:
    """The figures of days start..end."""
    kept = kept if kept is not None else kept_samples(centre, samples_between(centre.id, start, end), now)
    served = {(d.day, d.meal, dish_key(d.dish)) for d in menu_dishes(centre.id, start, end)}
    taken = {(k.line.sample.day, k.line.values["meal"].value, dish_key(k.line.values["dish"])) for k in kept}
    lows = [k.stats.min_c for k in kept if k.stats.min_c is not None]
    highs = [k.stats.max_c for k in kept if k.stats.max_c is not None]
    early = sum(1 for k in kept if k.line.disposal and k.line.keep_until and
                k.line.disposal.disposed_at < k.line.keep_until)
    return MonthFigures(start.strftime("%Y-%m"), len(kept), len(served), len(served - taken),
                        sum(1 for k in kept if k.line.underweight), early,
                        sum(1 for k in kept if k.stats.excursions),
                        sum(1 for k in kept if k.monitored and k.stats.readings == 0),
                        min(lows) if lows else None, max(highs) if highs else None)


def _summary_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    for month in period.months():
        start, end = month.start, month.end
        f = month_figures(centre, start, end, min(utcnow(), _end(centre, end)))
        yield (f.month, f.samples, f.dishes_served, f.missing, f.underweight, f.disposed_early, f.with_excursion,
               f.without_fridge_data, _number(f.min_c), _number(f.max_c))


MONTHLY_SUMMARY = RegisterSource(
    "食品留样月报",
    (Column("month", "月份", "month"), Column("samples", "留样份数", "samples"),
     Column("dishes_served", "食谱菜品数", "dishes on the published menu"),
     Column("missing", "未留样菜品数", "dishes without a sample"), Column("underweight", "重量不足份数", "underweight"),
     Column("disposed_early", "提前处理份数", "disposed of early"),
     Column("with_excursion", "冰箱超限份数", "kept through a fridge excursion"),
     Column("without_fridge_data", "无冰箱数据份数", "kept without fridge data"),
     Column("min_c", "冰箱最低温度（°C）", "fridge min °C"), Column("max_c", "冰箱最高温度（°C）", "fridge max °C")),
    Responsibility.QUALITY_SAFETY, InspectionArea.FOOD, _summary_rows, "Monthly food-sample summary",
)
