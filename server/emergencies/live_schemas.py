"""The JSON shapes of the live-emergency API (spectree-validated, in the OpenAPI document): what goes in and out."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from server.apispec import Day, Id, Schema
from server.emergencies import live, live_notices
from server.emergencies.live_models import (
    EmergencyKind,
    EmergencySource,
    EmergencyStatus,
    NoticeTemplate,
    PersonKind,
    TickStatus,
    TimelineKind,
)

TEXT = live.MAX_TEXT


class EmergencyOut(Schema):
    id: int
    kind: EmergencyKind
    source: EmergencySource
    summary: str
    opened_at: datetime
    status: EmergencyStatus = Field(description="open | closed (close-out done) | complete (reviewed, follow-ups done)")


class EmergencyList(Schema):
    items: list[EmergencyOut]


class OpenIn(Schema):
    kind: str = Field(description="fire | earthquake | intrusion | missing_child | medical | environment | other")
    summary: str = Field("", max_length=TEXT)


class OpenOut(EmergencyOut):
    new: bool = Field(description="false: an emergency was already open and this joined its timeline")


class TickOut(Schema):
    person: str = Field(description='"c12" (child 12) or "s3" (staff 3)')
    status: TickStatus
    at: datetime
    by_id: int | None


class RoomCountOut(Schema):
    room_id: int | None
    expected: int
    present: int
    missing: int


class LineOut(Schema):
    id: int
    kind: TimelineKind
    label: str = Field(description="the kind in the caller's language")
    at: datetime
    by: str
    words: str = Field(description="the line in the caller's language")


class LiveOut(Schema):
    open: bool
    emergency: EmergencyOut | None = None
    version: int = Field(0, description="the newest tick's id: redraw when it changes")
    ticks: list[TickOut] = []
    rooms: list[RoomCountOut] = []
    expected: int = 0
    unticked: int = 0
    missing: int = 0
    timeline: list[LineOut] = []


class TickIn(Schema):
    person_kind: PersonKind
    person_id: Id
    status: TickStatus = Field(description="present | missing | cleared (take a tick back)")


class NoteIn(Schema):
    text: str = Field(max_length=TEXT)


class NotifyIn(Schema):
    template: NoticeTemplate
    text: str = Field("", max_length=live_notices.MAX_NOTICE_TEXT)


class NotifyOut(Schema):
    id: int
    template: NoticeTemplate
    children: int = Field(description="how many children's families were told")
    sent_at: datetime


class CloseIn(Schema):
    summary: str = Field(max_length=TEXT)
    all_clear: bool = Field(description="every person accounted for (refused while someone is marked missing)")


class ReviewIn(Schema):
    what_happened: str = Field(max_length=TEXT)
    what_worked: str = Field("", max_length=TEXT)
    what_to_change: str = Field("", max_length=TEXT)


class FollowUpIn(Schema):
    what: str = Field(max_length=TEXT)
    owner_staff_id: Id | None = None
    due_on: Day


class DoneIn(Schema):
    note: str = Field("", max_length=TEXT)


class FollowUpOut(Schema):
    id: int
    what: str
    owner_staff_id: int | None
    owner: str
    due_on: date
    done_at: datetime | None
    note: str | None
    overdue: bool


class SheetOut(EmergencyOut):
    opened_by: str
    timeline: list[LineOut]
    closed_at: datetime | None
    close_summary: str | None
    all_clear: bool | None
    reviewed_at: datetime | None
    what_happened: str | None
    what_worked: str | None
    what_to_change: str | None
    notices: list[NotifyOut]
    follow_ups: list[FollowUpOut]
