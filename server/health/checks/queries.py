"""What the screens and the API read of the checks: a child's checks, a day's, and the 保健员's 晨检 queue.

Every read of these health data is authorised here and logged (`log_access`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from compliance.health import CheckResult, HealthCheckRecord, follow_up_overdue
from server.audit.operations import log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre, Room
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.database import db
from server.errors import NotFound
from server.health.checks.models import CheckStatus, FollowUpClosure, HealthCheck
from server.health.checks.operations import (
    NOTICE_KIND,
    amended_ids,
    chain_ids,
    fever_threshold,
    morning_status,
    open_screens,
    parents_of,
    present_children,
    screen_is_abnormal,
)
from server.notices.models import GuardianNotice
from server.people.links import is_linked, linked_child_ids
from server.people.models import Child

# Order of the queue: an abnormal kiosk screen first, then the other screens to complete, then no 晨检 at all.
QUEUE_ORDER = {"abnormal_screen": 0, "screened": 1, "missing": 2}


@dataclass(frozen=True)
class CheckLine:
    """A check with what happened since.

    Corrected (replaced by a later row), completed (a kiosk screen a check completed), its follow-up's closing
    and when the guardians' notice was queued.
    """

    row: HealthCheck
    amended: bool
    completed: bool
    closure: FollowUpClosure | None
    notified_at: datetime | None

    @property
    def follow_up_open(self) -> bool:
        return self.row.result is CheckStatus.ABNORMAL and not self.amended and self.closure is None


@dataclass(frozen=True)
class QueueItem:
    child: Child
    room_name: str
    status: str  # abnormal_screen | screened | missing
    screen: HealthCheck | None


@dataclass(frozen=True)
class OpenFollowUp:
    line: CheckLine
    child: Child
    room_name: str
    overdue: bool


@dataclass(frozen=True)
class MorningQueue:
    """The 保健员's morning: children in today without a completed 晨检, and every open follow-up."""

    day: date
    present: int
    done: int
    abnormal: int
    fever_c: Decimal | None
    to_check: list[QueueItem]
    follow_ups: list[OpenFollowUp]


def lines(rows: Iterable[HealthCheck]) -> list[CheckLine]:
    """The rows with their corrections, completions, closings (along each correction chain) and notices."""
    rows = list(rows)
    if not rows:
        return []
    ids = {r.id for r in rows}
    parent = parents_of(ids)
    replaced = amended_ids(ids)
    completed = set(db.session.execute(select(HealthCheck.completes_id).where(
        HealthCheck.completes_id.in_(ids))).scalars())
    chains = {row.id: chain_ids(row.id, parent) for row in rows}
    members = {i for chain in chains.values() for i in chain}
    closures = {c.check_id: c for c in db.session.execute(select(FollowUpClosure).where(
        FollowUpClosure.check_id.in_(members))).scalars()}
    notified: dict[int, datetime] = {}
    abnormal_children = {r.child_id for r in rows if r.result is CheckStatus.ABNORMAL}
    if abnormal_children:
        for notice in db.session.execute(select(GuardianNotice).where(
                GuardianNotice.child_id.in_(abnormal_children), GuardianNotice.kind == NOTICE_KIND)).scalars():
            check_id = (notice.detail or {}).get("check_id")
            if isinstance(check_id, int):
                notified.setdefault(check_id, notice.created_at)
    out = []
    for row in rows:
        chain = chains[row.id]
        out.append(CheckLine(
            row, row.id in replaced, row.id in completed,
            next((closures[i] for i in chain if i in closures), None),
            next((notified[i] for i in chain if i in notified), None)))
    return out


def _rooms(centre_id: int) -> dict[int, str]:
    return dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre_id)).all())


def _may_see_all(actor: Actor, centre_id: int, now: datetime) -> bool:
    return actor.can(Perm.CHILDREN_ALL, centre_id, now)


def child_checks(child: Child, *, actor: Actor, now: datetime, start: date | None = None,
                 end: date | None = None) -> list[CheckLine]:
    """A child's checks (of a period), oldest first, corrected rows marked; the read is logged.

    A guardian reads only their own children's (the others are not found).
    """
    authorise(actor, Perm.HEALTH_READ, child.centre_id, now)
    if not _may_see_all(actor, child.centre_id, now) and not is_linked(actor, child.id, guardians_only=False):
        raise NotFound()
    stmt = select(HealthCheck).where(HealthCheck.child_id == child.id)
    if start is not None:
        stmt = stmt.where(HealthCheck.on >= start)
    if end is not None:
        stmt = stmt.where(HealthCheck.on <= end)
    rows = db.session.execute(stmt.order_by(HealthCheck.at, HealthCheck.id)).scalars()
    log_access(centre_id=child.centre_id, user_id=actor.user_id, action="read", object_type="health_checks",
               object_id=child.id, now=now, detail=f"child {start or ''}..{end or ''}")
    return lines(rows)


def day_checks(centre: Centre, day: date, *, actor: Actor, now: datetime) -> list[CheckLine]:
    """A day's checks at the centre (a guardian: their own children's only); the read is logged."""
    authorise(actor, Perm.HEALTH_READ, centre.id, now)
    stmt = select(HealthCheck).where(HealthCheck.centre_id == centre.id, HealthCheck.on == day)
    if not _may_see_all(actor, centre.id, now):
        stmt = stmt.where(HealthCheck.child_id.in_(linked_child_ids(actor, guardians_only=False)))
    rows = db.session.execute(stmt.order_by(HealthCheck.at, HealthCheck.id)).scalars()
    log_access(centre_id=centre.id, user_id=actor.user_id, action="read", object_type="health_checks",
               object_id=centre.id, now=now, detail=f"day {day.isoformat()}")
    return lines(rows)


def open_follow_up_lines(centre_id: int) -> list[CheckLine]:
    """Every abnormal check of the centre whose follow-up is still open, oldest first.

    SQL leaves out the rows a correction replaced and those closed (a closure on the row or on the row it
    corrects), so the closed history is never read; `lines` then follows longer correction chains.
    """
    later = aliased(HealthCheck)
    corrected = select(later.id).where(later.amends_id == HealthCheck.id)
    closed = select(FollowUpClosure.id).where(or_(FollowUpClosure.check_id == HealthCheck.id,
                                                  FollowUpClosure.check_id == HealthCheck.amends_id))
    rows = db.session.execute(select(HealthCheck).where(
        HealthCheck.centre_id == centre_id, HealthCheck.result == CheckStatus.ABNORMAL,
        ~corrected.exists(), ~closed.exists())
        .order_by(HealthCheck.at, HealthCheck.id)).scalars()
    return [line for line in lines(rows) if line.follow_up_open]


def as_record(line: CheckLine, room_id: int | None = None, checked_by: str = "") -> HealthCheckRecord:
    """A full check (not a pending screen) as the compliance library's record."""
    row = line.row
    return HealthCheckRecord(
        id=row.id, child_id=row.child_id, class_id=room_id if room_id is not None else (row.room_id or ""),
        kind=row.kind, at=row.at, on=row.on,
        result=CheckResult.ABNORMAL if row.result is CheckStatus.ABNORMAL else CheckResult.NORMAL,
        temperature=row.temperature, hands_mouth_eyes_ok=row.hands_mouth_eyes_ok,
        skin_ok=row.skin_ok is not False, spirits_ok=row.spirits_ok is not False,
        asked_ok=row.asked_ok is not False, dangerous_objects_found=bool(row.dangerous_objects_found),
        findings=row.findings, checked_by=checked_by, guardian_notified_at=line.notified_at,
        follow_up_closed_at=line.closure.at if line.closure else None,
        follow_up_outcome=line.closure.outcome if line.closure else "")


def morning_queue(centre: Centre, *, actor: Actor, now: datetime) -> MorningQueue:
    """Children checked in today without a completed 晨检 (abnormal kiosk screens first), and open follow-ups.

    For those who record checks (health_checks.write); the read is logged.
    """
    authorise(actor, Perm.HEALTH_CHECKS_WRITE, centre.id, now)
    day = centre_today(centre, now)
    present = present_children(centre.id, day)
    status = morning_status(present, day)
    threshold = fever_threshold(centre, day)
    rooms = _rooms(centre.id)
    wanted = [cid for cid, s in status.items() if s in ("screened", "missing")]
    follow = open_follow_up_lines(centre.id)
    ids = set(wanted) | {line.row.child_id for line in follow}
    children = {c.id: c for c in db.session.execute(select(Child).where(Child.id.in_(ids))).scalars()} if ids else {}
    screens = open_screens(wanted, day)
    items = []
    for child_id in wanted:
        screen = screens.get(child_id)
        kind = "missing" if screen is None else (
            "abnormal_screen" if screen_is_abnormal(screen, threshold) else "screened")
        room_id = present.get(child_id) or children[child_id].room_id
        items.append(QueueItem(children[child_id], rooms.get(room_id, "") if room_id else "", kind, screen))
    items.sort(key=lambda i: (QUEUE_ORDER[i.status], i.room_name, i.child.name, i.child.id))
    rules = effective_rules(centre, day)
    follow_ups = [OpenFollowUp(line, children[line.row.child_id], rooms.get(line.row.room_id or 0, ""),
                               follow_up_overdue(as_record(line), now, rules)) for line in follow]
    log_access(centre_id=centre.id, user_id=actor.user_id, action="read", object_type="health_check_queue",
               object_id=centre.id, now=now, detail=f"day {day.isoformat()}")
    return MorningQueue(day, len(present), sum(1 for s in status.values() if s in ("done", "abnormal")),
                        sum(1 for s in status.values() if s == "abnormal"), threshold, items, follow_ups)

