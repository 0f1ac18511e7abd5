"""Hygiene evidence (issue #18): the 表6 daily checklists and what the room's devices recorded.

Two parts of the server fill it: the 表6 checklist with window and cabinet evidence (server/hygiene) and the
UV lamp's sessions and refusals (server/hygiene/uv_*). The evaluators in compliance/evaluators/hygiene.py and
compliance/evaluators/uv_lamp.py read it. Times are aware UTC; ``day`` is the centre's local day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

RecordId = int | str


@dataclass(frozen=True)
class ChecklistItemRecord:
    """One ticked (or left open) item of one class's 表6 day, as it stands after amendments."""

    item: str  # the rulebook's item key: ventilation, surfaces, toys, towels_cups, toilets, tableware, uv_lamp …
    done: bool
    minutes: tuple[int, ...] = ()  # ventilation: minutes of each airing; uv_lamp: one entry, the minutes ticked
    method: str | None = None  # tableware: boil / steam / cabinet
    by: str | None = None  # who ticked it (display name)
    at: datetime | None = None  # when it was ticked (recorded_at, not a claimed time)
    starts: tuple[datetime | None, ...] = ()  # ventilation: each airing's typed start (None: not typed), as minutes
    recorded: tuple[datetime | None, ...] = ()  # ventilation: when each airing was recorded (recorded_at)


@dataclass(frozen=True)
class ChecklistDayRecord:
    """One class's 表6 for one local day."""

    class_id: RecordId
    day: date
    items: tuple[ChecklistItemRecord, ...] = ()
    signed_by: str | None = None
    signed_at: datetime | None = None
    amendments: int = 0


@dataclass(frozen=True)
class VentilationPeriodRecord:
    """A window contact's open → closed period (``closed_at`` None: still open at ``as_of``)."""

    class_id: RecordId
    opened_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True)
class UvSessionRecord:
    """One run of a room's UV lamp as its relay recorded it."""

    class_id: RecordId
    started_at: datetime
    ended_at: datetime | None = None  # None: still running at ``as_of``
    end_reason: str | None = None  # devices.wire.hygiene.UvEndReason value
    minutes_requested: int | None = None
    requested_by: str | None = None


@dataclass(frozen=True)
class UvRefusalRecord:
    """The interlock refused to switch a room's lamp on."""

    class_id: RecordId
    at: datetime
    reason: str


@dataclass(frozen=True)
class CabinetCycleRecord:
    """One cycle of a disinfection cabinet (``class_id`` None: the kitchen's)."""

    location: str
    started_at: datetime
    ended_at: datetime | None = None
    class_id: RecordId | None = None


@dataclass(frozen=True)
class HygieneEvidence:
    """Everything the hygiene evaluators read for one centre and period."""

    checklists: tuple[ChecklistDayRecord, ...] = ()
    ventilation: tuple[VentilationPeriodRecord, ...] = ()
    uv_sessions: tuple[UvSessionRecord, ...] = ()
    uv_refusals: tuple[UvRefusalRecord, ...] = ()
    cabinet_cycles: tuple[CabinetCycleRecord, ...] = ()
    rooms_with_window_contacts: frozenset[RecordId] = field(default_factory=frozenset)
    rooms_with_uv_relay: frozenset[RecordId] = field(default_factory=frozenset)
