"""The pack's 紫外线消毒记录 (issue #18): every UV session and refusal, and a monthly summary per class.

A session row: class, start, end, minutes, end reason, minutes asked for, who asked. A refusal row: class, when,
why (children present, movement, no fresh presence, busy, relay fault), who asked. Times in the centre's zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from server.centre.models import Centre, Room
from server.centre.registers import centre_of
from server.centre.rules import effective_rules
from server.centre.timezones import centre_zone, period_bounds
from server.database import db
from server.hygiene.uv_log import sessions_and_refusals
from server.hygiene.uv_ops import RULE_ID
from server.hygiene.uv_read import reason_text

REGISTER_NAME = "紫外线消毒记录"
SUMMARY_NAME = "紫外线消毒月度汇总"


def _stamp(at: datetime | None, centre: Centre) -> str:
    return "" if at is None else at.astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M")


def _rooms(centre: Centre) -> dict[int, str]:
    return {r.id: r.name for r in db.session.execute(select(Room).where(Room.centre_id == centre.id)).scalars()}


def _rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    rooms = _rooms(centre)
    start, end = period_bounds(centre, period.start, period.end)
    sessions, refusals = sessions_and_refusals(None, start, end, centre_id=centre.id)
    lines: list[tuple[datetime, tuple[object, ...]]] = []
    for s in sessions:
        at = s.started_at or s.ended_at
        assert at is not None
        minutes = s.minutes(s.ended_at) if s.ended_at is not None else ""
        lines.append((at, (rooms.get(s.room_id, str(s.room_id)), "开启", _stamp(s.started_at, centre),
                           _stamp(s.ended_at, centre) or "（运行中）", minutes,
                           reason_text(s.end_reason) if s.end_reason else "", s.minutes_requested or "",
                           s.requested_by or "", s.children_at_end if s.children_at_end is not None else "")))
    for r in refusals:
        lines.append((r.at, (rooms.get(r.room_id, str(r.room_id)), "拒绝开启", _stamp(r.at, centre), "", "",
                             reason_text(r.reason), "", r.requested_by or "",
                             r.children_present if r.children_present is not None else "")))
    lines.sort(key=lambda line: line[0])
    for _at, row in lines:
        yield row


REGISTER = RegisterSource(
    REGISTER_NAME,
    (Column("class", "班级", "class"), Column("kind", "类型", "kind"), Column("start", "开始时间", "start"),
     Column("end", "结束时间", "end"), Column("minutes", "照射分钟", "minutes"),
     Column("reason", "结束或拒绝原因", "end or refusal reason"), Column("asked", "申请分钟", "minutes asked"),
     Column("by", "申请人", "requested by"), Column("children", "当时在室幼儿数", "children present then")),
    Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, _rows, "UV lamp disinfection log (relay)",
)


def _summary_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    rooms = _rooms(centre)
    zone = centre_zone(centre)
    for month in period.months():
        first, last = month.start, month.end
        rule = effective_rules(centre, last).get(RULE_ID)
        need = int(rule.value("min_minutes")) if rule is not None else None
        start, end = period_bounds(centre, first, last)
        sessions, refusals = sessions_and_refusals(None, start, end, centre_id=centre.id)
        minutes: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        cut: dict[int, int] = defaultdict(int)
        for s in sessions:
            if s.started_at is None or s.ended_at is None:
                continue
            minutes[s.room_id][s.started_at.astimezone(zone).date()] += s.minutes(s.ended_at)
            cut[s.room_id] += s.cut_off
        refused: dict[int, int] = defaultdict(int)
        for r in refusals:
            refused[r.room_id] += 1
        for room_id in sorted(set(minutes) | set(refused)):
            days = minutes.get(room_id, {})
            yield (first.strftime("%Y-%m"), rooms.get(room_id, str(room_id)), len(days),
                   "" if need is None else sum(1 for m in days.values() if m >= need), sum(days.values()), cut.get(room_id, 0),
                   refused.get(room_id, 0))


MONTHLY_SUMMARY = RegisterSource(
    SUMMARY_NAME,
    (Column("month", "月份", "month"), Column("class", "班级", "class"),
     Column("days", "有照射记录天数", "days with UV"), Column("full_days", "照射达标天数（规则分钟数）", "days reaching the rule's minutes"),
     Column("minutes", "照射总分钟", "total minutes"), Column("cut_offs", "联锁切断次数", "cut off by the interlock"),
     Column("refusals", "拒绝开启次数", "refusals")),
    Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, _summary_rows, "Monthly UV lamp summary",
)
REGISTERS = (REGISTER, MONTHLY_SUMMARY)
