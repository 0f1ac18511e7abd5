"""The pack register 突发事件记录 (应急管理 section) and the emergencies as the evaluator's evidence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.evaluators.emergency_response import EmergencyRecord, EmergencyResponseEvidence, FollowUpRecord
from server.auth.models import User
from server.centre.models import Centre
from server.centre.registers import centre_of, count_rows
from server.centre.timezones import centre_zone
from server.database import db
from server.emergencies.followups import follow_ups_of
from server.emergencies.live import latest_ticks
from server.emergencies.live_models import (
    CloseOut,
    Emergency,
    EmergencyNotice,
    Review,
    TickStatus,
    TimelineEntry,
    TimelineKind,
    names,
)
from server.people.models import Staff


def _period_instants(centre: Centre, period: Period) -> tuple[datetime, datetime]:
    zone = centre_zone(centre)
    return (datetime.combine(period.start, time(), zone),
            datetime.combine(period.end + timedelta(days=1), time(), zone))


def _by_emergency(model: type, ids: list[int]) -> dict[int, object]:
    rows = db.session.execute(select(model).where(model.emergency_id.in_(ids))).scalars()  # type: ignore[attr-defined]
    return {row.emergency_id: row for row in rows}


def _rollcall_text(emergency: Emergency) -> str:
    ticks = latest_ticks(emergency.id).values()
    present = sum(1 for t in ticks if t.status is TickStatus.PRESENT)
    missing = sum(1 for t in ticks if t.status is TickStatus.MISSING)
    if not present and not missing:
        return "未点名"
    complete = db.session.execute(select(TimelineEntry).where(
        TimelineEntry.emergency_id == emergency.id, TimelineEntry.kind == TimelineKind.ROLLCALL_COMPLETE)).scalar()
    text = f"确认在场 {present} 人，未到 {missing} 人"
    if complete is not None:
        seconds = int(complete.detail.get("seconds", 0))
        text += f"；应到 {complete.detail.get('expected', '')} 人全部到齐，用时 {seconds // 60} 分 {seconds % 60} 秒"
    return text


def _emergency_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    zone = centre_zone(centre)
    start, end = _period_instants(centre, period)
    emergencies = list(db.session.execute(select(Emergency).where(
        Emergency.centre_id == centre.id, Emergency.opened_at >= start, Emergency.opened_at < end)
        .order_by(Emergency.opened_at, Emergency.id)).scalars())
    ids = [e.id for e in emergencies]
    closes, reviews = _by_emergency(CloseOut, ids), _by_emergency(Review, ids)
    notices: dict[int, list[EmergencyNotice]] = {}
    for n in db.session.execute(select(EmergencyNotice).where(EmergencyNotice.emergency_id.in_(ids))
                                .order_by(EmergencyNotice.sent_at)).scalars():
        notices.setdefault(n.emergency_id, []).append(n)
    tasks: dict[int, list[str]] = {}
    owners = dict(db.session.execute(select(Staff.id, Staff.name).where(Staff.centre_id == centre.id)).all())
    for task, done in follow_ups_of(ids):
        state = f"{done.done_at.astimezone(zone):%Y-%m-%d} 完成" if done else "未完成"
        tasks.setdefault(task.emergency_id, []).append(
            f"{task.what}（{owners.get(task.owner_staff_id, '未指定')}，{task.due_on} 前，{state}）")
    users = dict(db.session.execute(select(User.id, User.display_name)).all()) if ids else {}

    def local(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at is not None else ""

    for e in emergencies:
        close, review = closes.get(e.id), reviews.get(e.id)
        sent = "；".join(f"{local(n.sent_at)} {names(n.template)[0]}{('：' + n.text) if n.text else ''}"
                        f"（{n.children} 名幼儿家长）" for n in notices.get(e.id, []))
        yield (e.id, names(e.kind)[0], names(e.source)[0], local(e.opened_at),
               users.get(e.opened_by_id, "系统") if e.opened_by_id else "系统",
               local(close.closed_at) if close else "", close.summary if close else "",
               ("是" if close.all_clear else "否") if close else "", _rollcall_text(e), sent,
               local(review.reviewed_at) if review else "",
               "；".join(x for x in (review.what_happened, review.what_worked, review.what_to_change) if x)
               if review else "", "；".join(tasks.get(e.id, [])))


EMERGENCY_REGISTER = RegisterSource(
    "突发事件记录",
    (Column("id", "编号", "id"), Column("kind", "类别", "kind"), Column("source", "启动方式", "how it opened"),
     Column("opened_at", "启动时间", "opened at"), Column("opened_by", "启动人", "opened by"),
     Column("closed_at", "解除时间", "closed at"), Column("close_summary", "解除说明", "close-out summary"),
     Column("all_clear", "人员全部安全", "all clear"), Column("rollcall", "点名结果", "roll call"),
     Column("notices", "家长通知", "notices to families"), Column("reviewed_at", "复盘时间", "reviewed at"),
     Column("review", "复盘内容", "review"), Column("follow_ups", "整改任务", "follow-ups")),
    Responsibility.EMERGENCY, InspectionArea.OPERATIONS, _emergency_rows, "Emergencies (live response and recovery)",
    count=lambda r, p: count_rows(Emergency, r),
)


def emergency_response_evidence(centre: Centre, period: Period) -> EmergencyResponseEvidence:
    """Every emergency opened before the period's end, with its close-out, review and follow-ups."""
    _, end = _period_instants(centre, period)
    emergencies = list(db.session.execute(select(Emergency).where(
        Emergency.centre_id == centre.id, Emergency.opened_at < end).order_by(Emergency.opened_at)).scalars())
    ids = [e.id for e in emergencies]
    closes, reviews = _by_emergency(CloseOut, ids), _by_emergency(Review, ids)
    tasks: dict[int, list[FollowUpRecord]] = {}
    for task, done in follow_ups_of(ids):
        tasks.setdefault(task.emergency_id, []).append(
            FollowUpRecord(task.id, task.what, task.due_on, done.done_at if done else None))
    return EmergencyResponseEvidence(tuple(
        EmergencyRecord(e.id, names(e.kind)[0], names(e.kind)[1], e.opened_at,
                        closes[e.id].closed_at if e.id in closes else None,  # type: ignore[attr-defined]
                        reviews[e.id].reviewed_at if e.id in reviews else None,  # type: ignore[attr-defined]
                        tuple(tasks.get(e.id, ())))
        for e in emergencies))
