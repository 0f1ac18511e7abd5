"""The pack register 表9_儿童伤害登记表 (with amendments) and the evaluators' evidence (reports, CCTV retention).

One file, one report per block: the report as signed (记录类型 原始记录) with its signatures, review and the
guardian's acknowledgement, then one row per amendment (记录类型 更正: field, old value, new value, reason, who,
when), so an inspector reads every correction beside what it corrects. Local times of the centre.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.incidents import IncidentEvidence, injury_type, region_names
from server.auth.models import User
from server.centre.models import Centre, Room
from server.centre.registers import centre_of, count_rows
from server.centre.timezones import centre_zone
from server.clock import utcnow
from server.database import db
from server.incidents.lines import ReportLine, report_lines
from server.incidents.models import LABELS, IncidentReport, IncidentReview, IncidentSignature, SignerRole
from server.incidents.operations.cctv import current_retention
from server.incidents.values import INSTANTS

FIELD_NAMES = {"occurred_at": "发生时间", "room_id": "地点（班级）", "place": "地点", "injury_type": "伤害类型",
               "body_regions": "受伤部位", "cause": "经过与原因", "first_aid": "处理措施", "treatment": "就医情况",
               "treatment_place": "就医地点", "guardian_told_at": "告知家长时间", "guardian_told_how": "告知方式",
               "guardian_told_by_id": "告知人", "cctv_camera": "监控摄像头", "cctv_from": "监控录像起",
               "cctv_until": "监控录像止"}


def _instants(centre: Centre, period: Period) -> tuple[datetime, datetime]:
    zone = centre_zone(centre)
    return (datetime.combine(period.start, time(), zone),
            datetime.combine(period.end + timedelta(days=1), time(), zone))


def _reports(centre: Centre, period: Period, *, outstanding: bool = False) -> list[IncidentReport]:
    """Events in the period; `outstanding`: also earlier ones with a step still open when the period began."""
    start, end = _instants(centre, period)
    stmt = select(IncidentReport).where(IncidentReport.centre_id == centre.id, IncidentReport.occurred_at < end)
    if outstanding:
        reviewed = select(IncidentReview.id).where(IncidentReview.report_id == IncidentReport.id)
        witnessed = select(IncidentSignature.id).where(IncidentSignature.report_id == IncidentReport.id,
                                                       IncidentSignature.role == SignerRole.WITNESS)
        stmt = stmt.where(or_(IncidentReport.occurred_at >= start - timedelta(days=400),
                              ~reviewed.exists(), ~witnessed.exists()))
    else:
        stmt = stmt.where(IncidentReport.occurred_at >= start)
    return list(db.session.execute(stmt.order_by(IncidentReport.occurred_at, IncidentReport.id)).scalars())


def _label(value: Any) -> str:
    return LABELS[value][0] if value in LABELS else ("" if value is None else str(value))


def _cell(line: ReportLine, field: str, value: Any, rooms: dict[int, str], local: Any) -> str:
    """A field's value as the register shows it (Chinese labels, local times, names)."""
    if value is None or value == "" or value == []:
        return ""
    if field in INSTANTS:
        return local(value if isinstance(value, datetime) else datetime.fromisoformat(value))
    if field == "room_id":
        return rooms.get(value, "")
    if field == "injury_type":
        kind = injury_type(value)
        return kind.zh if kind else str(value)
    if field == "body_regions":
        return "、".join(region_names(list(value)))
    if field in ("guardian_told_by_id", "witness_id"):
        return line.staff_name(value)
    if field in ("treatment", "guardian_told_how"):
        return next((zh for key, (zh, _) in LABELS.items() if key == value), str(value))
    return str(value)


def _rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    zone = centre_zone(centre)
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())

    def local(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at is not None else ""

    users: dict[int, str] = {}

    def who(user_id: int | None) -> str:
        if user_id is None:
            return "系统"
        if user_id not in users:
            user = db.session.get(User, user_id)
            users[user_id] = (user.display_name or user.username) if user else str(user_id)
        return users[user_id]

    for line in report_lines(centre, _reports(centre, period), utcnow()):
        r, original = line.report, {f: getattr(line.report, f) for f in FIELD_NAMES}
        place = "；".join(x for x in (rooms.get(r.room_id, "") if r.room_id else "", r.place or "") if x)
        ack = line.notice.acknowledgement if line.notice else None
        yield (r.id, "原始记录", local(r.occurred_at), place, line.child_name,
               _cell(line, "injury_type", original["injury_type"], rooms, local),
               _cell(line, "body_regions", original["body_regions"], rooms, local), r.cause, r.first_aid,
               _label(r.treatment) + (f"（{r.treatment_place}）" if r.treatment_place else ""),
               local(r.guardian_told_at), _label(r.guardian_told_how), line.staff_name(r.guardian_told_by_id),
               line.staff_name(r.witness_id), line.staff_name(line.reporter.staff_id) if line.reporter else "",
               local(line.reporter.signed_at if line.reporter else None),
               local(line.witness.signed_at if line.witness else None),
               local(line.review.reviewed_at if line.review else None), line.review.note if line.review else "",
               local(ack.at if ack else None), _label(line.stage), "", "", "", "", "", "")
        for a in line.amendments:
            yield (r.id, "更正", "", "", line.child_name, "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
                   "", FIELD_NAMES.get(a.field, a.field), _cell(line, a.field, a.old_value, rooms, local),
                   _cell(line, a.field, a.new_value, rooms, local), a.reason, local(a.amended_at), who(a.amended_by_id))


INJURY_REGISTER = RegisterSource(
    "表9_儿童伤害登记表",
    (Column("id", "编号", "report"), Column("row_kind", "记录类型", "row kind (original or amendment)"),
     Column("occurred_at", "发生时间", "time of the event"), Column("place", "地点", "place"),
     Column("child", "幼儿姓名", "child"), Column("injury_type", "伤害类型", "injury type"),
     Column("body_regions", "受伤部位", "body location"), Column("cause", "经过与原因", "what happened and why"),
     Column("first_aid", "处理措施", "first aid and actions"), Column("treatment", "就医情况", "medical treatment"),
     Column("guardian_told_at", "告知家长时间", "guardian told at"),
     Column("guardian_told_how", "告知方式", "how the guardian was told"),
     Column("guardian_told_by", "告知人", "told by"), Column("witness", "见证人", "witness"),
     Column("reporter", "报告人", "reporter"), Column("reporter_signed_at", "报告人签署时间", "reporter signed at"),
     Column("witness_signed_at", "见证人签署时间", "witness signed at"),
     Column("reviewed_at", "负责人审核时间", "reviewed at"), Column("review_note", "审核意见", "review note"),
     Column("acknowledged_at", "家长确认时间", "guardian acknowledged at"), Column("stage", "状态", "stage"),
     Column("amended_field", "更正字段", "amended field"), Column("old_value", "原值", "old value"),
     Column("new_value", "新值", "new value"), Column("amend_reason", "更正原因", "reason"),
     Column("amended_at", "更正时间", "amended at"), Column("amended_by", "更正人", "amended by")),
    Responsibility.EMERGENCY, InspectionArea.HEALTH, _rows, "Injury register (表9) with amendments",
    count=lambda r, p: count_rows(IncidentReport, r),
)


def incident_evidence(centre: Centre, period: Period) -> IncidentEvidence:
    """The reports that could be outstanding in the period, and the CCTV retention recorded by its end."""
    _, end = _instants(centre, period)
    now = min(utcnow(), end)
    lines = report_lines(centre, _reports(centre, period, outstanding=True), now)
    retention = current_retention(centre.id, end)
    return IncidentEvidence(tuple(line.record() for line in lines),
                            cctv_retention_days=retention.days if retention is not None else None)
