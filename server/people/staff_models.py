"""The people side of staff files: the 禁入名单 (ban list) and each person's employment history, both append-only."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db
from server.people.models import StaffRole


class BanSource(StrEnum):
    """Who decided the ban (the record names its source, as the centre received it)."""

    COURT = "court"  # 法院判决
    POLICE = "police"  # 公安机关通报
    AUTHORITY = "authority"  # 行业主管部门
    OTHER_SOURCE = "other_source"  # 其他 (value distinct from other tables' "other": labels are keyed by value)


BAN_SOURCE_LABELS = {
    BanSource.COURT: ("法院判决", "Court judgement"),
    BanSource.POLICE: ("公安机关通报", "Police notice"),
    BanSource.AUTHORITY: ("行业主管部门", "Supervising authority"),
    BanSource.OTHER_SOURCE: ("其他来源", "Other source"),
}


class BannedPerson(db.Model):
    """One entry of the centre's 禁入名单, or (with `lifts_id`) the lifting of an earlier entry. Never edited."""

    __tablename__ = "banned_person"
    # One lifting per ban (NULLs, the bans themselves, do not collide).
    __table_args__ = (UniqueConstraint("lifts_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[BanSource] = mapped_column(str_enum(BanSource, 16))
    decided_on: Mapped[date]
    is_lifetime: Mapped[bool]
    until: Mapped[date | None]  # the last day of a ban for a term; None for a lifetime ban or a lifting
    lifts_id: Mapped[int | None] = mapped_column(ForeignKey("banned_person.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EmploymentEventKind(StrEnum):
    HIRE = "hire"  # 入职
    ROLE = "role"  # 岗位变动
    HOME_ROOM = "home_room"  # 班级变动
    MANAGER = "manager"  # 直接上级变动
    EXIT = "exit"  # 离职 (left_on None: a recorded exit withdrawn)


EMPLOYMENT_EVENT_LABELS = {
    EmploymentEventKind.HIRE: ("入职", "Hired"),
    EmploymentEventKind.ROLE: ("岗位变动", "Role change"),
    EmploymentEventKind.HOME_ROOM: ("班级变动", "Class change"),
    EmploymentEventKind.MANAGER: ("直接上级变动", "Line manager change"),
    EmploymentEventKind.EXIT: ("离职", "Exit"),
}


class StaffEmploymentEvent(db.Model):
    """One step of a person's employment (hire, role, class, line manager, exit), from a day on. Never edited.

    The value columns hold what the step set; the state on a day is the latest step of each kind by
    `effective_on` (then by id), so a back-dated step slots into the history without rewriting it.
    """

    __tablename__ = "staff_employment_event"
    __table_args__ = (Index("ix_staff_employment_event_staff_on", "staff_id", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[EmploymentEventKind] = mapped_column(str_enum(EmploymentEventKind, 16))
    effective_on: Mapped[date]
    role: Mapped[StaffRole | None] = mapped_column(str_enum(StaffRole, 16))
    home_room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    left_on: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
