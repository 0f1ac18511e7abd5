"""Live emergencies (seeds 000 L294, 004 L68: 监测与预警、应急处置与救援、事后恢复与重建): append-only rows.

An emergency is opened once (by an alarm, an environment emergency, a child missing at the roll call, or by hand);
everything after is a row of its own: the alerts it absorbed, the timeline, the roll call's ticks, the notices sent
to families, the close-out, the review, the follow-up tasks and their completion. Nothing is updated in place: a
tick is undone by a later tick, a follow-up is done by a row that names it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class EmergencyKind(StrEnum):
    """What is happening (a person picks one when opening by hand; an alarm names its own)."""

    FIRE = "fire"
    EARTHQUAKE = "earthquake"
    INTRUSION = "intrusion"
    MISSING_CHILD = "missing_child"
    MEDICAL = "medical"
    ENVIRONMENT = "environment"
    OTHER = "other"


class EmergencySource(StrEnum):
    """How it was opened (监测与预警): an alarm, an environment emergency, the roll call, or a person."""

    SMOKE = "smoke"
    PANIC = "panic"
    ENVIRONMENT = "environment"
    ROLLCALL = "rollcall"
    MANUAL = "manual"


class TimelineKind(StrEnum):
    """A line of the timeline: automatic ones (opened, joined, roll call, notified, closed) and people's notes."""

    OPENED = "opened"
    JOINED = "joined"
    NOTE = "note"
    CHILD_MISSING = "child_missing"
    PERSON_FOUND = "person_found"
    ROLLCALL_COMPLETE = "rollcall_complete"
    NOTIFIED = "notified"
    CLOSED = "closed"


class PersonKind(StrEnum):
    CHILD = "child"
    STAFF = "staff"


class TickStatus(StrEnum):
    """A roll-call tick: seen safe, missing, or a tick taken back (the person is unticked again)."""

    PRESENT = "present"
    MISSING = "missing"
    CLEARED = "cleared"


class NoticeTemplate(StrEnum):
    """What the director tells the families (the message itself is a catalogue string, or free text)."""

    ALL_SAFE = "all_safe"
    COLLECT = "collect"
    FREE_TEXT = "free_text"


class EmergencyStatus(StrEnum):
    """Derived: open until the close-out; closed; complete once reviewed and every follow-up is done."""

    OPEN = "open"
    CLOSED = "closed"
    COMPLETE = "complete"


# One table per closed set: two sets share values (a timeline line and a status are both "closed"), and StrEnum
# members with equal values are one dict key.
KIND_LABELS: dict[StrEnum, tuple[str, str]] = {
    EmergencyKind.FIRE: ("火灾", "Fire"),
    EmergencyKind.EARTHQUAKE: ("地震", "Earthquake"),
    EmergencyKind.INTRUSION: ("暴力侵入", "Intrusion"),
    EmergencyKind.MISSING_CHILD: ("幼儿走失", "Missing child"),
    EmergencyKind.MEDICAL: ("急症", "Medical emergency"),
    EmergencyKind.ENVIRONMENT: ("环境紧急情况", "Environment emergency"),
    EmergencyKind.OTHER: ("其他", "Other"),
}
SOURCE_LABELS: dict[StrEnum, tuple[str, str]] = {
    EmergencySource.SMOKE: ("烟雾报警", "Smoke alarm"),
    EmergencySource.PANIC: ("紧急按钮", "Panic button"),
    EmergencySource.ENVIRONMENT: ("环境监测", "Environment monitoring"),
    EmergencySource.ROLLCALL: ("点名发现缺失", "Missing at the roll call"),
    EmergencySource.MANUAL: ("人工启动", "Opened by hand"),
}
TIMELINE_LABELS: dict[StrEnum, tuple[str, str]] = {
    TimelineKind.OPENED: ("启动", "Opened"),
    TimelineKind.JOINED: ("新警报并入", "Alarm joined"),
    TimelineKind.NOTE: ("记录", "Note"),
    TimelineKind.CHILD_MISSING: ("幼儿未到", "Child missing"),
    TimelineKind.PERSON_FOUND: ("已找到", "Found"),
    TimelineKind.ROLLCALL_COMPLETE: ("点名完成", "Roll call complete"),
    TimelineKind.NOTIFIED: ("已通知家长", "Families notified"),
    TimelineKind.CLOSED: ("解除", "Closed"),
}
PERSON_LABELS: dict[StrEnum, tuple[str, str]] = {
    PersonKind.CHILD: ("幼儿", "Child"),
    PersonKind.STAFF: ("工作人员", "Staff"),
}
TICK_LABELS: dict[StrEnum, tuple[str, str]] = {
    TickStatus.PRESENT: ("在场", "Present"),
    TickStatus.MISSING: ("未到", "Missing"),
    TickStatus.CLEARED: ("撤销", "Taken back"),
}
TEMPLATE_LABELS: dict[StrEnum, tuple[str, str]] = {
    NoticeTemplate.ALL_SAFE: ("所有幼儿均安全", "All children are safe"),
    NoticeTemplate.COLLECT: ("请来园接孩子", "Please collect your child"),
    NoticeTemplate.FREE_TEXT: ("自拟内容", "Own words"),
}
STATUS_LABELS: dict[StrEnum, tuple[str, str]] = {
    EmergencyStatus.OPEN: ("处置中", "Open"),
    EmergencyStatus.CLOSED: ("已解除", "Closed"),
    EmergencyStatus.COMPLETE: ("已完成复盘", "Complete"),
}
LABELS: tuple[dict[StrEnum, tuple[str, str]], ...] = (KIND_LABELS, SOURCE_LABELS, TIMELINE_LABELS, PERSON_LABELS,
                                                     TICK_LABELS, TEMPLATE_LABELS, STATUS_LABELS)
_BY_TYPE = {type(next(iter(table))): table for table in LABELS}


def names(value: StrEnum) -> tuple[str, str]:
    """A value's Chinese and English names, from its own set's table."""
    return _BY_TYPE[type(value)][value]


class Emergency(db.Model):
    """One emergency of a centre: what, how it was opened, when and by whom (None: a device or the system)."""

    __tablename__ = "emergency"
    __table_args__ = (Index("ix_emergency_centre_opened", "centre_id", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    kind: Mapped[EmergencyKind] = mapped_column(str_enum(EmergencyKind, 16))
    source: Mapped[EmergencySource] = mapped_column(str_enum(EmergencySource, 16))
    summary: Mapped[str] = mapped_column(Text, default="")  # what the alarm or the person said
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class EmergencyAlert(db.Model):
    """An alert absorbed by an emergency (the first opened it; later ones joined); closing resolves them all."""

    __tablename__ = "emergency_alert_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergency.id"), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), unique=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TimelineEntry(db.Model):
    """Who did what, when: one line of an emergency's timeline (never edited)."""

    __tablename__ = "emergency_timeline_entry"
    __table_args__ = (Index("ix_emergency_timeline_at", "emergency_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergency.id"))
    kind: Mapped[TimelineKind] = mapped_column(str_enum(TimelineKind, 20))
    text: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # ids only
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class RollCallEntry(db.Model):
    """One tick of the roll call, stored on the server and shared by every tablet; the latest per person counts."""

    __tablename__ = "emergency_rollcall_entry"
    __table_args__ = (Index("ix_emergency_rollcall_emergency", "emergency_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergency.id"))
    person_kind: Mapped[PersonKind] = mapped_column(str_enum(PersonKind, 8))
    person_id: Mapped[int]
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))  # where the person was expected
    status: Mapped[TickStatus] = mapped_column(str_enum(TickStatus, 8))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class EmergencyNotice(db.Model):
    """Families told something (one row per sending; the notices themselves are the notifier's, one per child)."""

    __tablename__ = "emergency_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergency.id"), index=True)
    template: Mapped[NoticeTemplate] = mapped_column(str_enum(NoticeTemplate, 12))
    text: Mapped[str] = mapped_column(Text, default="")  # the free text, if any
    children: Mapped[int]  # how many children's families it went to
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class CloseOut(db.Model):
    """The emergency is over: who said so, when, a summary, and whether every person was accounted for."""

    __tablename__ = "emergency_close_out"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergency.id"), unique=True)
    summary: Mapped[str] = mapped_column(Text)
    all_clear: Mapped[bool]
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Review(db.Model):
    """The director's review after the close-out (事后恢复与重建): what happened, what worked, what to change."""

    __tablename__ = "emergency_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergency.id"), unique=True)
    what_happened: Mapped[str] = mapped_column(Text)
    what_worked: Mapped[str] = mapped_column(Text, default="")
    what_to_change: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class FollowUp(db.Model):
    """A task after an emergency: what, who owns it, by when."""

    __tablename__ = "emergency_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergency.id"), index=True)
    what: Mapped[str] = mapped_column(Text)
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    due_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class FollowUpDone(db.Model):
    """A follow-up done, with a note (one per task)."""

    __tablename__ = "emergency_follow_up_done"
    __table_args__ = (UniqueConstraint("follow_up_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("emergency_follow_up.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

