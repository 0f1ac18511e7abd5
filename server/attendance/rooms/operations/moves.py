"""Room moves from the tablet, the breach warning before them, and the questions asked of the intervals."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.ratios import RatioState
from server.alerts.operations import emergency_open
from server.attendance.rooms.models import MoveReason, RatioViolation, RoomMove, ViolationKind
from server.attendance.rooms.operations import live
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre, Room
from server.database import db
from server.errors import Conflict, ProblemCollector
from server.people.models import Child, Staff
from server.people.operations import check_room_in_centre

MOVE_FIELDS = ("staff_id", "child_id", "room_id", "reason", "at")


@dataclass(frozen=True)
class BreachWarning:
    """A room a change would put out of ratio or over its cap (shown before, alerted after)."""

    room_id: int
    name: str
    children: int
    caregivers: int
    caregivers_needed: int
    cap: int
    over_cap: bool

    @property
    def message_zh(self) -> str:
        if self.over_cap:
            return f"{self.name} 将超班额（{self.children}/{self.cap} 名幼儿）"
        return (f"{self.name} 将超出师幼比：{self.children} 名幼儿、{self.caregivers} 名保育人员，"
                f"需要 {self.caregivers_needed} 名")

    @property
    def message_en(self) -> str:
        if self.over_cap:
            return f"{self.name} will be over its class size ({self.children}/{self.cap} children)"
        return (f"{self.name} will be out of ratio: {self.children} children, {self.caregivers} caregivers, "
                f"{self.caregivers_needed} needed")


@dataclass(frozen=True)
class MoveResult:
    move: RoomMove | None  # None for a dry run or a move to where the person already is
    warnings: list[BreachWarning]


def authorise_rollcall(actor: Actor, centre_id: int, now: datetime) -> None:
    """Who is present may be read by those who read presence, and by every member of staff in an emergency."""
    if actor.can(Perm.ROLLCALL_EMERGENCY, centre_id, now) and emergency_open(centre_id):
        return
    authorise(actor, Perm.PRESENCE_READ, centre_id, now)


def _new_breaches(centre: Centre, before: live.Whereabouts, after: live.Whereabouts, now: datetime) -> list[BreachWarning]:
    was = {v.room_id: v.ratio.state for v in live.board(centre, now, where=before)}
    warnings = []
    for verdict in live.board(centre, now, where=after):
        ratio = verdict.ratio
        if ratio.state is RatioState.BREACH and was.get(verdict.room_id) is not RatioState.BREACH:
            warnings.append(BreachWarning(verdict.room_id, verdict.name, ratio.children, ratio.caregivers,
                                    ratio.caregivers_needed, ratio.max_children, ratio.over_cap))
    return warnings


def move_staff(staff: Staff, *, room_id: int | None, reason: MoveReason, from_room_id: int | None = None,
               dry_run: bool = False, actor: Actor, now: datetime) -> MoveResult:
    """"I am now in room X", a break, or off the floor: counted in one room at a time, warned before a breach."""
    authorise(actor, Perm.ATTENDANCE_WRITE, staff.centre_id, now)
    if staff.user_id != actor.user_id:
        authorise(actor, Perm.STAFF_WRITE, staff.centre_id, now)  # moving someone else is the director's call
    problems = ProblemCollector()
    if (reason is MoveReason.ROOM) != (room_id is not None):
        problems.add("room_and_reason", _l("A room move names a room; a break does not"), "room_id")
    check_room_in_centre(room_id, staff.centre_id, problems, "room_id", active=True)
    problems.raise_if_any()
    centre = db.session.get(Centre, staff.centre_id)
    assert centre is not None
    where = live.whereabouts(centre.id, now)
    if staff.id not in where.staff:
        raise Conflict(_l("Check in at the kiosk first"), code="not_checked_in")
    current = where.staff[staff.id]
    if current == room_id:
        return MoveResult(None, [])
    if room_id is not None and current is not None and from_room_id != current:
        name = db.session.get(Room, current).name  # type: ignore[union-attr]
        raise Conflict(_l("Already counted in %(room)s: leave it first or confirm the move", room=name),
                       code="in_another_room", field="room_id")
    after = replace(where, staff={**where.staff, staff.id: room_id})
    warnings = _new_breaches(centre, where, after, now)
    if dry_run:
        return MoveResult(None, warnings)
    move = _record(RoomMove(centre_id=centre.id, staff_id=staff.id, room_id=room_id, reason=reason, at=now,
                            recorded_by_id=actor.user_id, recorded_at=now), actor, now)
    live.refresh(centre, now)
    return MoveResult(move, warnings)


def move_child(child: Child, *, room_id: int, dry_run: bool = False, actor: Actor, now: datetime) -> MoveResult:
    """A child joins another room for a while (or returns to their class)."""
    authorise(actor, Perm.ATTENDANCE_WRITE, child.centre_id, now)
    problems = ProblemCollector()
    check_room_in_centre(room_id, child.centre_id, problems, "room_id", active=True)
    problems.raise_if_any()
    centre = db.session.get(Centre, child.centre_id)
    assert centre is not None
    where = live.whereabouts(centre.id, now)
    if child.id not in where.children:
        raise Conflict(_l("The child is not checked in"), code="not_checked_in")
    if where.children[child.id] == room_id:
        return MoveResult(None, [])
    after = replace(where, children={**where.children, child.id: room_id})
    warnings = _new_breaches(centre, where, after, now)
    if dry_run:
        return MoveResult(None, warnings)
    move = _record(RoomMove(centre_id=centre.id, child_id=child.id, room_id=room_id, reason=MoveReason.ROOM, at=now,
                            recorded_by_id=actor.user_id, recorded_at=now), actor, now)
    live.refresh(centre, now)
    return MoveResult(move, warnings)


def _record(move: RoomMove, actor: Actor, now: datetime) -> RoomMove:
    db.session.add(move)
    db.session.flush()
    audit_record(move, "room.move", None, MOVE_FIELDS, actor=actor, now=now)
    return move


# -- questions asked of the intervals ----------------------------------------------------------


@dataclass(frozen=True)
class ViolationSpan:
    """One violation, clipped to the period asked about."""

    row: RatioViolation
    room_name: str
    start: datetime
    end: datetime  # the period's end or now, for an interval still open

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


def violations_between(centre: Centre, start: datetime, end: datetime, now: datetime, *,
                       room_id: int | None = None) -> list[ViolationSpan]:
    """Every interval that overlaps [start, end), clipped to it: "was this room ever out of ratio, how long?"."""
    stmt = select(RatioViolation, Room.name).join(Room, Room.id == RatioViolation.room_id).where(
        RatioViolation.centre_id == centre.id, RatioViolation.opened_at < end,
        (RatioViolation.closed_at.is_(None)) | (RatioViolation.closed_at > start))
    if room_id is not None:
        stmt = stmt.where(RatioViolation.room_id == room_id)
    spans = []
    for row, name in db.session.execute(stmt.order_by(RatioViolation.opened_at, RatioViolation.id)).all():
        stop = min(end, row.closed_at or now)
        begin = max(start, row.opened_at)
        if stop > begin:
            spans.append(ViolationSpan(row, name, begin, stop))
    return spans


def violation_totals(spans: list[ViolationSpan]) -> dict[tuple[int, ViolationKind], tuple[int, float]]:
    """(room, kind) → (number of intervals, minutes in total)."""
    totals: dict[tuple[int, ViolationKind], tuple[int, float]] = {}
    for span in spans:
        count, minutes = totals.get((span.row.room_id, span.row.kind), (0, 0.0))
        totals[(span.row.room_id, span.row.kind)] = (count + 1, minutes + span.minutes)
    return totals
