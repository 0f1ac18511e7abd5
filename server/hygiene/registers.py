"""The pack's 表6 registers: one row per class, day and line, and a monthly summary per class.

A row holds the manual value, the device evidence (window contacts for ventilation, cabinet cycles for tableware),
who recorded it and when, the amendments with their reasons, and the day's signature.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.hygiene.checklist import LINES, METHODS
from server.centre.models import Centre, Room
from server.centre.registers import centre_of
from server.centre.timezones import centre_zone, period_bounds
from server.database import db
from server.hygiene.checklist import Entry, entries_by_day, signatures
from server.hygiene.devices import KITCHEN, cabinet_periods, window_periods
from server.hygiene.devices import Period as DevicePeriod
from server.hygiene.models import CheckItem, HygieneCheck

REGISTER_NAME = "表6_班级卫生消毒检查记录表"
SUMMARY_NAME = "表6_班级卫生消毒月度汇总"


def _hm(at: datetime | None, centre: Centre) -> str:
    return "" if at is None else at.astimezone(centre_zone(centre)).strftime("%H:%M")


def _stamp(at: datetime | None, centre: Centre) -> str:
    return "" if at is None else at.astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M")


def value_text(row: HygieneCheck, centre: Centre) -> str:
    """An entry's value as the register writes it: 15 分钟（09:00 起）, 煮沸 15 分钟, ✓, or 撤销."""
    if not row.done:
        return "撤销"
    parts = []
    if row.method is not None:
        parts.append(METHODS[row.method.value][0])
    if row.minutes is not None:
        parts.append(f"{row.minutes} 分钟")
    text = " ".join(parts) or "✓"
    return f"{text}（{_hm(row.started_at, centre)} 起）" if row.started_at else text


def period_text(p: DevicePeriod, centre: Centre, label: str) -> str:
    """窗磁 09:02–09:17 15 分钟."""
    if p.ended_at is None:
        return f"{label} {_hm(p.started_at, centre)}–（未关）"
    minutes = round((p.ended_at - p.started_at) / timedelta(minutes=1))
    return f"{label} {_hm(p.started_at, centre)}–{_hm(p.ended_at, centre)} {minutes} 分钟"


def amendment_text(row: HygieneCheck, centre: Centre) -> str:
    return f"{_stamp(row.recorded_at, centre)} {row.by_name} 改为 {value_text(row, centre)}（{row.reason or ''}）"


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    rooms = {r.id: r.name for r in db.session.execute(select(Room).where(Room.centre_id == centre.id)).scalars()}
    entries = entries_by_day(centre.id, period.start, period.end)
    signed = signatures(centre.id, period.start, period.end)
    start, end = period_bounds(centre, period.start, period.end)
    zone = centre_zone(centre)
    windows: dict[tuple[int, date], list[DevicePeriod]] = {}
    for p in window_periods(centre.id, start, end):
        windows.setdefault((int(p.key), p.started_at.astimezone(zone).date()), []).append(p)
    cabinets: dict[tuple[str, date], list[DevicePeriod]] = {}
    for p in cabinet_periods(centre.id, start, end):
        cabinets.setdefault((str(p.key), p.started_at.astimezone(zone).date()), []).append(p)
    keys = set(entries) | set(signed) | set(windows)
    for day in _days(period.start, period.end):
        for room_id in sorted(r for r, d in keys if d == day):
            day_entries = entries.get((room_id, day), [])
            signature = signed.get((room_id, day))
            for line in LINES:
                of_line: list[Entry] = [e for e in day_entries if e.original.item.value == line.key]
                device = ""
                if line.key == CheckItem.VENTILATION.value:
                    device = "；".join(period_text(p, centre, "窗磁") for p in windows.get((room_id, day), []))
                elif line.key == CheckItem.TABLEWARE.value:
                    device = "；".join(period_text(p, centre, "消毒柜") for key in (KITCHEN, f"room:{room_id}")
                                      for p in cabinets.get((key, day), []))
                yield (day.isoformat(), rooms.get(room_id, str(room_id)), line.zh,
                       "；".join(value_text(e.current, centre) for e in of_line),
                       device,
                       "、".join(dict.fromkeys(e.original.by_name for e in of_line)),
                       "；".join(_stamp(e.original.recorded_at, centre) for e in of_line),
                       "；".join(amendment_text(a, centre) for e in of_line for a in e.amendments),
                       f"{signature.by_name} {_stamp(signature.signed_at, centre)}" if signature else "")


REGISTER = RegisterSource(
    REGISTER_NAME,
    (Column("day", "日期", "day"), Column("class", "班级", "class"), Column("item", "项目", "item"),
     Column("recorded", "登记内容", "recorded"), Column("device", "设备记录", "device evidence"),
     Column("by", "登记人", "by"), Column("recorded_at", "登记时间", "recorded at"),
     Column("amendments", "更正记录", "amendments"), Column("signed", "签名", "signed")),
    Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, _rows, "Class hygiene and disinfection checklist (表6)",
)


def _summary_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    rooms = {r.id: r.name for r in db.session.execute(select(Room).where(Room.centre_id == centre.id)).scalars()}
    for month in period.months():
        first, last = month.start, month.end
        entries = entries_by_day(centre.id, first, last)
        signed = signatures(centre.id, first, last)
        by_room: dict[int, list[tuple[date, list[Entry]]]] = {}
        for (room_id, day), day_entries in entries.items():
            by_room.setdefault(room_id, []).append((day, day_entries))
        for room_id in sorted(by_room):
            days = by_room[room_id]
            airings = [sum(1 for e in es if e.original.item is CheckItem.VENTILATION and e.current.done)
                       for _d, es in days]
            yield (first.strftime("%Y-%m"), rooms.get(room_id, str(room_id)), len(days),
                   sum(1 for d, _es in days if (room_id, d) in signed), sum(1 for n in airings if n >= 2),
                   sum(1 for _d, es in days if any(e.original.item is CheckItem.TABLEWARE and e.current.done
                                                    for e in es)),
                   sum(len(e.amendments) for _d, es in days for e in es))


MONTHLY_SUMMARY = RegisterSource(
    SUMMARY_NAME,
    (Column("month", "月份", "month"), Column("class", "班级", "class"), Column("days", "有记录天数", "days recorded"),
     Column("signed", "已签名天数", "days signed"), Column("aired_twice", "通风两次及以上天数", "days aired twice or more"),
     Column("tableware", "有餐具消毒记录天数", "days with tableware disinfection"),
     Column("amendments", "更正条数", "amendments")),
    Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, _summary_rows, "Monthly class hygiene summary (表6)",
)
REGISTERS = (REGISTER, MONTHLY_SUMMARY)
