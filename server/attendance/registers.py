"""The daily attendance register (出勤登记, 托儿所幼儿园卫生保健工作规范 附件4) and its 出勤率 (附件5)."""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

import chinese_calendar
from sqlalchemy import select

from compliance import (
    AttendanceRecord,
    CentreRecord,
    Column,
    InspectionArea,
    Period,
    RegisterSource,
    Responsibility,
    attendance_by_class_month,
)
from compliance.pack.pdf import KeyFigure
from compliance.staffing import DutyRecord
from server.attendance.models import Absence, AbsenceReason, AttendanceEvent, AttendanceKind
from server.centre.closures import closed_days
from server.centre.models import Centre, Room, ServiceType
from server.centre.registers import centre_of
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import Child

# Children booked every working day; hourly and temporary care are booked visit by visit.
DAILY_SERVICES = {ServiceType.FULL_DAY, ServiceType.HALF_DAY}
REASON_ZH = {AbsenceReason.SICK: "病假", AbsenceReason.PERSONAL: "事假", AbsenceReason.OTHER: "其他"}


@dataclass(frozen=True)
class Correction:
    """A check-in or check-out recorded by hand: its time, the time it replaced (if any) and why."""

    kind: AttendanceKind
    at: datetime
    original_at: datetime | None
    note: str


@dataclass(frozen=True)
class RegisterLine:
    on: date
    child_id: int
    child_name: str
    room_id: int | None
    room_name: str
    expected: bool
    present: bool
    arrived_at: datetime | None
    left_at: datetime | None
    absence: Absence | None
    corrections: tuple[Correction, ...] = ()


def is_working_day(day: date, closed: Container[date] = ()) -> bool:
    """A working day of the official calendar: 法定节假日 are off, 调休 weekends are on (国务院办公厅 notices).

    `closed`: the centre's own closures (`centre.closures.closed_days`), off on top of the calendar.
    A year the calendar package does not know yet (its yearly release covers the next year once the State
    Council publishes it) falls back to Monday to Friday.
    """
    if day in closed:
        return False
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def is_expected(child: Child, day: date, closed: Container[date] = ()) -> bool:
    """应出勤: enrolled that day, on daily care, a working day of the official calendar and the centre open."""
    enrolled = child.enrolled_on <= day and (child.left_on is None or child.left_on >= day)
    return enrolled and child.service_type in DAILY_SERVICES and is_working_day(day, closed)


def register_lines(centre: Centre, period: Period) -> Iterator[RegisterLine]:
    """One line per child and day: expected, present (checked in that day), times, absence reason."""
    tz = centre_zone(centre)
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    children = db.session.execute(
        select(Child).where(Child.centre_id == centre.id, Child.enrolled_on <= period.end,
                            (Child.left_on.is_(None)) | (Child.left_on >= period.start)).order_by(Child.id)
    ).scalars().all()
    closed = closed_days(centre.id, period.start, period.end)
    for day in period.each_day():
        start = datetime.combine(day, time.min, tzinfo=tz)
        events = db.session.execute(
            select(AttendanceEvent).where(
                AttendanceEvent.centre_id == centre.id, AttendanceEvent.at >= start,
                AttendanceEvent.at < start + timedelta(days=1), AttendanceEvent.child_id.is_not(None),
                AttendanceEvent.kind != AttendanceKind.REFUSED,
            ).order_by(AttendanceEvent.at, AttendanceEvent.id)
        ).scalars().all()
        # Corrections amend, never overwrite: a row another one amends no longer counts, but stays listed.
        by_id = {e.id: e for e in events}
        amended = {e.amends_id for e in events if e.amends_id is not None}
        arrived: dict[int, datetime] = {}
        left: dict[int, datetime] = {}
        corrected: dict[int, list[Correction]] = {}
        for e in events:
            child_id = e.child_id
            assert child_id is not None
            if e.note is not None:
                original = by_id.get(e.amends_id) if e.amends_id is not None else None
                corrected.setdefault(child_id, []).append(
                    Correction(e.kind, e.at, original.at if original else None, e.note))
            if e.id in amended:
                continue
            if e.kind is AttendanceKind.CHECK_IN:
                arrived.setdefault(child_id, e.at)
            else:
                left[child_id] = e.at
        absences = {a.child_id: a for a in db.session.execute(
            select(Absence).where(Absence.centre_id == centre.id, Absence.on == day).order_by(Absence.id)
        ).scalars()}  # the latest row per child wins: corrections amend, never overwrite
        for child in children:
            enrolled = child.enrolled_on <= day and (child.left_on is None or child.left_on >= day)
            if not enrolled:
                continue
            yield RegisterLine(day, child.id, child.name, child.room_id, rooms.get(child.room_id, ""),
                               is_expected(child, day, closed), child.id in arrived, arrived.get(child.id),
                               left.get(child.id), absences.get(child.id), tuple(corrected.get(child.id, ())))


def attendance_records(centre: Centre, period: Period) -> Iterator[AttendanceRecord]:
    """The register as the compliance library's plain records (for 出勤率)."""
    for line in register_lines(centre, period):
        yield AttendanceRecord(line.child_id, line.room_id if line.room_id is not None else "", line.on,
                               present=line.present, expected=line.expected,
                               absence_reason=line.absence.reason.value if line.absence else None,
                               disease=line.absence.disease if line.absence else None)


def attendance_evidence(centre: Centre, period: Period) -> list[AttendanceRecord]:
    """The `"attendance"` evidence: the children's 出勤登记 lines (因病缺勤 with the disease name)."""
    return list(attendance_records(centre, period))


def sick_absences(centre_id: int, day: date) -> list[tuple[int, str | None]]:
    """Today's 因病缺勤 of a centre: (child id, disease name) of each child's latest absence row that is sick.

    Handed down to health (`tuoyu.sick_absences`) so the 表4 page can offer a case prefilled from it.
    """
    latest = {a.child_id: a for a in db.session.execute(
        select(Absence).where(Absence.centre_id == centre_id, Absence.on == day).order_by(Absence.id)).scalars()}
    return [(child_id, a.disease) for child_id, a in sorted(latest.items()) if a.reason is AbsenceReason.SICK]


def _rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    tz = centre_zone(centre)
    for line in register_lines(centre, period):
        absence = line.absence
        yield (line.on, line.room_name, line.child_id, line.child_name, "是" if line.expected else "否",
               "是" if line.present else "否",
               line.arrived_at.astimezone(tz).strftime("%H:%M") if line.arrived_at else "",
               line.left_at.astimezone(tz).strftime("%H:%M") if line.left_at else "",
               REASON_ZH[absence.reason] if absence and not line.present else "",
               absence.disease or "" if absence and not line.present else "",
               "；".join(_correction_text(c, tz) for c in line.corrections))


def _correction_text(correction: Correction, tz: tzinfo) -> str:
    """入园 08:10（原 08:40；理由）— the corrected time, the one it replaced, and why."""
    what = "入园" if correction.kind is AttendanceKind.CHECK_IN else "离园"
    was = correction.original_at.astimezone(tz).strftime("%H:%M") if correction.original_at else "未记录"
    return f"{what} {correction.at.astimezone(tz).strftime('%H:%M')}（原 {was}；{correction.note}）"


def _count(record: CentreRecord, period: Period) -> int:
    centre = centre_of(record)
    children = db.session.execute(select(Child.enrolled_on, Child.left_on).where(Child.centre_id == centre.id)).all()
    return sum(1 for day in period.each_day() for enrolled_on, left_on in children
               if enrolled_on <= day and (left_on is None or left_on >= day))


ATTENDANCE_REGISTER = RegisterSource(
    "出勤登记",
    (Column("on", "日期", "date"), Column("class", "班级", "class"), Column("child_id", "幼儿编号", "child id"),
     Column("name", "姓名", "name"), Column("expected", "应出勤", "expected"), Column("present", "实际出勤", "present"),
     Column("arrived", "入园时间", "arrived"), Column("left", "离园时间", "left"),
     Column("absence", "缺勤原因", "absence reason"), Column("disease", "疾病名称", "disease"),
     Column("corrections", "更正记录", "corrections")),
    Responsibility.SERVICE, InspectionArea.HEALTH, _rows, "Daily attendance register", count=_count,
)


def attendance_rates(centre: Centre, period: Period) -> list[KeyFigure]:
    """出勤率 with one decimal per class and month of the period, for the pack's key figures."""
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    figures = []
    for row in attendance_by_class_month(attendance_records(centre, period)):
        room, rate = rooms.get(row.class_id, "—"), f"{row.rate} %" if row.rate is not None else "—"
        figures.append(KeyFigure(f"出勤率 {room} {row.month}", f"attendance rate {room} {row.month}", rate))
    return figures


def staff_check_ins(centre: Centre, period: Period) -> list[DutyRecord]:
    """Staff kiosk check-ins of the period, one per person and local day (on duty, for 持证上岗率)."""
    tz = centre_zone(centre)
    start = datetime.combine(period.start, time.min, tzinfo=tz)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=tz)
    seen: set[tuple[int, date]] = set()
    for staff_id, at in db.session.execute(
        select(AttendanceEvent.staff_id, AttendanceEvent.at).where(
            AttendanceEvent.centre_id == centre.id, AttendanceEvent.staff_id.is_not(None),
            AttendanceEvent.child_id.is_(None), AttendanceEvent.kind == AttendanceKind.CHECK_IN,
            AttendanceEvent.at >= start, AttendanceEvent.at < end).order_by(AttendanceEvent.at)).all():
        seen.add((staff_id, at.astimezone(tz).date()))
    return [DutyRecord(staff_id=staff_id, day=day, source="kiosk") for staff_id, day in sorted(seen)]
