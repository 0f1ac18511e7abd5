"""Registers of the staff files for the pack (从业人员资质登记, 持证上岗率, 排班记录) and the evaluator's evidence.

Kiosk check-ins of staff are attendance's records: this floor does not import attendance, so the app factory
hands their provider down as `app.extensions["tuoyu.staff_check_ins"]` (see `check_ins`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.pack.pdf import KeyFigure
from compliance.staffing import (
    CertifiedShare,
    DutyRecord,
    StaffEvidence,
    StaffMemberRecord,
    add_months,
    certified_share_by_day,
    credential_state,
    default_catalogue,
    effective_expiry,
)
from server.centre.models import Centre, Room
from server.centre.registers import centre_of
from server.centre.rules import effective_rules
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import STAFF_ROLE_LABELS, Staff, StaffRole
from server.staff.operations.eligibility import held_by_person
from server.staff.operations.roster import roster_duties, shifts_between
from server.staff.training import training_records

CHECK_INS_KEY = "tuoyu.staff_check_ins"  # app.extensions: (centre, period) -> kiosk check-ins as DutyRecords
CheckInsProvider = Callable[[Centre, Period], Sequence[DutyRecord]]


def check_ins(centre: Centre, period: Period) -> Sequence[DutyRecord]:
    """The staff's kiosk check-ins of the period (from attendance, through the app factory)."""
    provider: CheckInsProvider | None = current_app.extensions.get(CHECK_INS_KEY)
    return provider(centre, period) if provider is not None else ()


def _members(centre: Centre, period: Period) -> list[Staff]:
    return list(db.session.execute(
        select(Staff).where(Staff.centre_id == centre.id, Staff.hired_on <= period.end,
                            (Staff.left_on.is_(None)) | (Staff.left_on >= period.start)).order_by(Staff.id)).scalars())


def _role(staff: Staff) -> str:
    return str(staff.role.value if isinstance(staff.role, StaffRole) else staff.role)


def staff_evidence(centre: Centre, period: Period) -> StaffEvidence:
    """Members, their credentials, the roster's duties and the training log.

    Never None: a centre that has recorded no credential yet is judged like any other (its staff lack them), and
    one with no staff has empty evidence, so a kiosk check-in of someone unknown is still reported.
    """
    members = _members(centre, period)
    creds = held_by_person(centre.id, [m.id for m in members])
    return StaffEvidence(
        members=tuple(StaffMemberRecord(m.id, m.name, _role(m), m.hired_on, m.left_on) for m in members),
        credentials=tuple(c for m in members for c in creds.get(m.id, ())),
        duties=tuple(roster_duties(centre.id, period)),
        # staff.emergency_training looks back a year from the period's end, whatever the period's length.
        trainings=training_records(centre, Period(min(period.start, add_months(period.end, -12) + timedelta(days=1)),
                                                  period.end)))


def share_by_day(centre: Centre, period: Period) -> list[tuple[date, CertifiedShare]]:
    """持证上岗率 of each day of the period (person-days on duty, certified)."""
    return certified_share_by_day(staff_evidence(centre, period), check_ins(centre, period), period, default_catalogue(),
                                  effective_rules(centre, period.end))


def _share_text(share: CertifiedShare) -> str:
    return "—" if share.share is None else f"{share.share} %"


def _qualification_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    day = period.end
    catalogue, rules = default_catalogue(), effective_rules(centre, day)
    members = _members(centre, period)
    creds = held_by_person(centre.id, [m.id for m in members])
    for member in members:
        role = StaffRole(member.role)
        for cred in creds.get(member.id, ()):
            kind = catalogue.types.get(cred.type_code)
            expiry = effective_expiry(cred, catalogue, rules)
            yield (member.id, member.name, STAFF_ROLE_LABELS[role][0], kind.title.zh if kind else cred.type_code,
                   cred.number_masked, cred.issuer, cred.issued_on, cred.expires_on or "长期",
                   expiry or "长期", cred.level or "", credential_state(cred, day, catalogue, rules).zh)


QUALIFICATIONS = RegisterSource(
    "从业人员资质登记",
    (Column("staff_id", "编号", "staff id"), Column("name", "姓名", "name"), Column("role", "岗位", "role"),
     Column("credential", "证件", "credential"), Column("number", "证件编号（隐去部分）", "number (masked)"),
     Column("issuer", "发证机关", "issuer"), Column("issued_on", "发证日期", "issued"),
     Column("expires_on", "有效期至", "expires"), Column("effective_expiry", "按规定有效至", "valid until (rules)"),
     Column("level", "等级", "level"), Column("state", "期末状态", "state on the period's last day")),
    Responsibility.QUALITY_SAFETY, InspectionArea.OPERATIONS, _qualification_rows, "Staff qualifications",
)


def _share_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    for day, share in share_by_day(centre_of(record), period):
        yield (day, share.on_duty, share.certified, _share_text(share))


CERTIFIED_SHARE = RegisterSource(
    "持证上岗率",
    (Column("on", "日期", "date"), Column("on_duty", "在岗人数", "on duty"),
     Column("certified", "持证人数", "certified"), Column("share", "持证上岗率", "certified share")),
    Responsibility.QUALITY_SAFETY, InspectionArea.OPERATIONS, _share_rows, "Certified staff on duty",
)


def _roster_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    tz = centre_zone(centre)
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    people = {s.id: s for s in db.session.execute(select(Staff).where(Staff.centre_id == centre.id)).scalars()}
    for shift, cancellation in shifts_between(centre.id, period.start, period.end):
        staff = people[shift.staff_id]
        yield (shift.day, staff.name, STAFF_ROLE_LABELS[StaffRole(staff.role)][0],
               rooms.get(shift.room_id, "") if shift.room_id else "（非班级岗位）",
               shift.starts_at.astimezone(tz).strftime("%H:%M"), shift.ends_at.astimezone(tz).strftime("%H:%M"),
               shift.recorded_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "是" if cancellation else "否",
               cancellation.reason if cancellation else "",
               cancellation.at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if cancellation else "")


ROSTER = RegisterSource(
    "排班记录",
    (Column("on", "日期", "date"), Column("name", "姓名", "name"), Column("role", "岗位", "role"),
     Column("room", "班级", "class"), Column("starts", "开始", "starts"), Column("ends", "结束", "ends"),
     Column("recorded_at", "排班时间", "recorded"), Column("cancelled", "已取消", "cancelled"),
     Column("cancel_reason", "取消理由", "reason cancelled"), Column("cancelled_at", "取消时间", "cancelled at")),
    Responsibility.QUALITY_SAFETY, InspectionArea.OPERATIONS, _roster_rows, "Duty roster",
)


def certified_share_figures(centre: Centre, period: Period) -> list[KeyFigure]:
    """持证上岗率 of each month of the period (person-days), for the pack's key figures and the dashboard."""
    figures = []
    for month in period.months():
        total = CertifiedShare(0, 0)
        for _, share in share_by_day(centre, month):
            total += share
        label = month.start.strftime("%Y-%m")
        figures.append(KeyFigure(f"持证上岗率 {label}", f"certified staff on duty {label}", _share_text(total)))
    return figures
