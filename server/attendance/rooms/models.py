"""Where staff and children are, room by room, and the ratio verdicts that follow (师幼比动态监测).

`RoomMove` and `RatioViolation` are regulator evidence: moves are append-only, a violation
row is only ever closed. `RoomStatus` is the current verdict of each room (a cache the next
event overwrites); `RoomStatusLog` keeps every change of it, the day's timeline.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class MoveReason(StrEnum):
    ROOM = "room"  # 进入班级: now in this room
    BREAK = "break"  # 休息: on a break, not counted anywhere
    OFF_FLOOR = "off_floor"  # 离开班级（办公、会议）: away from the children, still checked in


class RoomMove(db.Model):
    """A caregiver (or a child) moved between rooms, went on a break or came back. Never edited."""

    __tablename__ = "room_move"
    __table_args__ = (Index("ix_room_move_centre_at", "centre_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))  # None: break or off the floor
    reason: Mapped[MoveReason] = mapped_column(str_enum(MoveReason, 16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoomStatus(db.Model):
    """The current verdict of one room; overwritten on every change (the log keeps the history)."""

    __tablename__ = "room_status"

    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # ok | near_limit | breach | empty
    children: Mapped[int]
    caregivers: Mapped[int]
    cap: Mapped[int]
    headroom: Mapped[int]  # more children the room can take now before a breach
    caregivers_needed: Mapped[int]
    ratio_rule_id: Mapped[str] = mapped_column(String(48))
    over_cap: Mapped[bool]
    under_staffed: Mapped[bool]
    child_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    staff_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoomStatusLog(db.Model):
    """Every change of a room's counts or state: the day's timeline per room."""

    __tablename__ = "room_status_log"
    __table_args__ = (Index("ix_room_status_log_room_at", "room_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))
    children: Mapped[int]
    caregivers: Mapped[int]


class ViolationKind(StrEnum):
    RATIO = "ratio"  # 师幼比不足: too few caregivers for the children present
    CLASS_SIZE = "class_size"  # 超班额: more children than the class type allows


class RatioViolation(db.Model):
    """An interval a room was out of ratio or over its cap: opened when it went out, closed when back."""

    __tablename__ = "ratio_violation"
    __table_args__ = (Index("ix_ratio_violation_centre_opened", "centre_id", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    kind: Mapped[ViolationKind] = mapped_column(str_enum(ViolationKind, 16))
    rule_id: Mapped[str] = mapped_column(String(48))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    most_children: Mapped[int]
    fewest_caregivers: Mapped[int]
    # Everyone present at some moment of the interval (ids), for the register and the inquiry.
    child_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    staff_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
