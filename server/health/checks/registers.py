"""The pack register 晨午检及全日健康观察记录 (附件4) and the checks as the evaluators' health evidence.

Rows that count only: a corrected row gives way to its correction, a kiosk screen a full check completed to that
check. A screen nobody completed is listed as 待完成 in the register, and is no 晨检 in the evidence.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.health import HealthCheckRecord
from server.auth.models import User
from server.centre.models import Centre, Room
from server.centre.registers import centre_of, count_rows
from server.centre.timezones import centre_zone
from server.database import db
from server.health.checks.models import LABELS, CheckStatus, HealthCheck
from server.health.checks.operations import fever_threshold, has_fever
from server.health.checks.queries import CheckLine, as_record, lines
from server.people.models import Child


def _current(centre: Centre, period: Period) -> list[CheckLine]:
    rows = db.session.execute(select(HealthCheck).where(
        HealthCheck.centre_id == centre.id, HealthCheck.on >= period.start, HealthCheck.on <= period.end)
        .order_by(HealthCheck.at, HealthCheck.id)).scalars()
    return [line for line in lines(rows) if not line.amended and not line.completed]


def _names(centre: Centre, lines_: list[CheckLine]) -> dict[int, str]:
    ids = {line.row.checked_by_id for line in lines_ if line.row.checked_by_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def check_records(centre: Centre, period: Period) -> list[HealthCheckRecord]:
    """The period's full checks (晨检, 午检, observations) as the compliance library's records.

    For the `"health"` evidence (`HealthEvidence.checks`): corrections applied, uncompleted kiosk screens left out.
    """
    current = [line for line in _current(centre, period) if line.row.result is not CheckStatus.PENDING]
    names = _names(centre, current)
    return [as_record(line, checked_by=names.get(line.row.checked_by_id or 0, "")) for line in current]


def _ok(value: bool | None) -> str:
    return "—" if value is None else ("正常" if value else "异常")


def _rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    tz = centre_zone(centre)
    current = _current(centre, period)
    names = _names(centre, current)
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    children = dict(db.session.execute(select(Child.id, Child.name).where(Child.centre_id == centre.id)).all())
    thresholds: dict[object, object] = {}
    for line in current:
        row = line.row
        if row.on not in thresholds:
            thresholds[row.on] = fever_threshold(centre, row.on)
        fever = has_fever(row.temperature, thresholds[row.on])  # type: ignore[arg-type]
        touch = "—" if row.temperature is None else ("发热" if fever else "正常")
        look = f"手口眼{_ok(row.hands_mouth_eyes_ok)}/皮肤{_ok(row.skin_ok)}/精神{_ok(row.spirits_ok)}"
        check = "—" if row.dangerous_objects_found is None else ("发现" if row.dangerous_objects_found else "未发现")
        handling = "；".join(part for part in (
            "送保健观察室" if row.to_observation_room else "", line.closure.outcome if line.closure else "") if part)
        yield (row.on, row.at.astimezone(tz).strftime("%H:%M"), rooms.get(row.room_id or 0, ""), row.child_id,
               children.get(row.child_id, ""), LABELS[row.kind][0] + ("（门口初筛）" if row.source.value == "kiosk" else ""),
               "" if row.temperature is None else str(row.temperature), touch, look, _ok(row.asked_ok), check,
               LABELS[row.result][0], row.findings, names.get(row.checked_by_id or 0, ""),
               line.notified_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if line.notified_at else "", handling,
               line.closure.at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if line.closure else "")


CHECKS_REGISTER = RegisterSource(
    "晨午检及全日健康观察记录",
    (Column("on", "日期", "date"), Column("time", "时间", "time"), Column("class", "班级", "class"),
     Column("child_id", "幼儿编号", "child id"), Column("name", "姓名", "name"),
     Column("kind", "类别", "kind"), Column("temperature", "体温（°C）", "temperature (°C)"),
     Column("touch", "一摸", "touch (fever)"), Column("look", "二看（手口眼/皮肤/精神）", "look (hands, mouth, eyes / skin / spirits)"),
     Column("ask", "三问（睡眠/饮食/大小便）", "ask (sleep / diet / stool)"),
     Column("check", "四查（危险物品）", "check (dangerous objects)"), Column("result", "结果", "result"),
     Column("findings", "异常情况", "findings"), Column("checked_by", "检查人", "checked by"),
     Column("guardian_notified", "通知家长时间", "guardian notified"),
     Column("follow_up", "处理及结果", "handling and outcome"), Column("closed_at", "闭环时间", "closed at")),
    Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, _rows, "Morning, noon and all-day health checks",
    count=lambda r, p: count_rows(HealthCheck, r),
)
