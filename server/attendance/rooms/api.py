"""JSON API: live ratios per room (and their stream), room moves from the tablet, violations, 托位 monitoring."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, current_app
from flask_babel import lazy_gettext as _l
from pydantic import Field

from server.apispec import Day, Id, Schema, responses, spec
from server.attendance.rooms import occupancy
from server.attendance.rooms.models import MoveReason, ViolationKind
from server.attendance.rooms.operations import live
from server.attendance.rooms.operations import moves as ops
from server.attendance.rooms.stream import ratio_events
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.operations import get_centre
from server.centre.timezones import period_bounds
from server.clock import utcnow
from server.errors import ProblemCollector
from server.people.operations import get_child, get_staff

bp = Blueprint("rooms_api", __name__, url_prefix="/api/v1")


class RoomStateOut(Schema):
    room_id: int
    state: str
    children: int
    caregivers: int
    cap: int
    headroom: int
    caregivers_needed: int
    ratio_rule_id: str
    over_cap: bool
    under_staffed: bool
    updated_at: datetime


class RatiosOut(Schema):
    at: datetime
    children: int
    caregivers: int
    state: str  # the worst room's state
    rooms: list[RoomStateOut]


WORST = {"breach": 2, "near_limit": 1, "ok": 0}


def ratios_body(centre_id: int, now: datetime) -> RatiosOut:
    rooms = [RoomStateOut.model_validate(s) for s in live.statuses(centre_id)]
    worst = max((r.state for r in rooms), key=lambda s: WORST.get(s, 0), default="ok")
    return RatiosOut(at=now, children=sum(r.children for r in rooms), caregivers=sum(r.caregivers for r in rooms),
                     state=worst, rooms=rooms)


@bp.get("/centres/<string:code>/ratios")
@spec.validate(resp=responses(HTTP_200=RatiosOut), tags=["rooms"])
def ratios(code: str):
    """Each room now: children / cap, caregivers counted, ok / near limit / breach, headroom."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.STAFF_READ, centre.id, now)
    return ratios_body(centre.id, now)


@bp.get("/centres/<string:code>/ratios/stream")
def ratios_stream(code: str) -> Response:
    """Server-sent events (`text/event-stream`): a `ratios` event now and on every change."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.STAFF_READ, centre.id, now)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stream = ratio_events(app, centre.id, app.extensions["tuoyu.streams"])
    return Response(stream, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


class MoveIn(Schema):
    room_id: Id | None = None
    reason: MoveReason = MoveReason.ROOM
    from_room_id: Id | None = None
    dry_run: bool = False


class ChildMoveIn(Schema):
    room_id: Id
    dry_run: bool = False


class WarningOut(Schema):
    room_id: int
    name: str
    children: int
    caregivers: int
    caregivers_needed: int
    cap: int
    over_cap: bool
    message_zh: str
    message_en: str


class MoveOut(Schema):
    move_id: int | None
    recorded: bool
    warnings: list[WarningOut]


def _move_out(result: ops.MoveResult) -> MoveOut:
    warnings = [WarningOut(room_id=w.room_id, name=w.name, children=w.children, caregivers=w.caregivers,
                           caregivers_needed=w.caregivers_needed, cap=w.cap, over_cap=w.over_cap,
                           message_zh=w.message_zh, message_en=w.message_en) for w in result.warnings]
    return MoveOut(move_id=result.move.id if result.move else None, recorded=result.move is not None,
                   warnings=warnings)


@bp.post("/staff/<int:staff_id>/moves")
@spec.validate(json=MoveIn, resp=responses(HTTP_200=MoveOut, HTTP_201=MoveOut), tags=["rooms"])
def move_staff(staff_id: int, json: MoveIn):
    """"I am now in room X", a break, or off the floor. `dry_run` only answers the breach warnings."""
    actor, now = current_actor(), utcnow()
    staff = get_staff(staff_id, actor=actor, now=now)
    result = ops.move_staff(staff, room_id=json.room_id, reason=json.reason, from_room_id=json.from_room_id,
                            dry_run=json.dry_run, actor=actor, now=now)
    return _move_out(result), 201 if result.move else 200


@bp.post("/children/<int:child_id>/moves")
@spec.validate(json=ChildMoveIn, resp=responses(HTTP_200=MoveOut, HTTP_201=MoveOut), tags=["rooms"])
def move_child(child_id: int, json: ChildMoveIn):
    """A child joins another room for a while. `dry_run` only answers the breach warnings."""
    actor, now = current_actor(), utcnow()
    child = get_child(child_id, actor=actor, now=now, log=False)
    result = ops.move_child(child, room_id=json.room_id, dry_run=json.dry_run, actor=actor, now=now)
    return _move_out(result), 201 if result.move else 200


class PeriodQuery(Schema):
    from_: Day = Field(alias="from")
    to: Day
    room_id: Id | None = None


class ViolationOut(Schema):
    id: int
    room_id: int
    room_name: str
    kind: ViolationKind
    rule_id: str
    opened_at: datetime
    closed_at: datetime | None
    minutes_in_period: float
    most_children: int
    fewest_caregivers: int


class ViolationTotalOut(Schema):
    room_id: int
    kind: ViolationKind
    intervals: int
    minutes: float


class ViolationsOut(Schema):
    items: list[ViolationOut]
    totals: list[ViolationTotalOut]


def _check_period(start: date, end: date) -> None:
    problems = ProblemCollector()
    if end < start:
        problems.add("bad_period", _l("The period ends before it starts"), "to")
    elif (end - start).days > 400:
        problems.add("period_too_long", _l("At most %(days)s days", days=400), "to")
    problems.raise_if_any()


@bp.get("/centres/<string:code>/ratio-violations")
@spec.validate(query=PeriodQuery, resp=responses(HTTP_200=ViolationsOut), tags=["rooms"])
def ratio_violations(code: str, query: PeriodQuery):
    """Was a room ever out of ratio or over its cap in the period, and for how long in total?"""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.STAFF_READ, centre.id, now)
    _check_period(query.from_, query.to)
    start, end = period_bounds(centre, query.from_, query.to)
    spans = ops.violations_between(centre, start, end, now, room_id=query.room_id)
    items = [ViolationOut(id=s.row.id, room_id=s.row.room_id, room_name=s.room_name, kind=s.row.kind,
                          rule_id=s.row.rule_id, opened_at=s.row.opened_at, closed_at=s.row.closed_at,
                          minutes_in_period=round(s.minutes, 1), most_children=s.row.most_children,
                          fewest_caregivers=s.row.fewest_caregivers) for s in spans]
    totals = [ViolationTotalOut(room_id=room_id, kind=kind, intervals=count, minutes=round(minutes, 1))
              for (room_id, kind), (count, minutes) in sorted(ops.violation_totals(spans).items())]
    return ViolationsOut(items=items, totals=totals)


class OccupancyDayOut(Schema):
    on: date
    enrolled: int
    present: int
    approved_places: int
    inclusive_places: int
    occupancy_pct: float | None
    over_places: bool


class ClassLoadOut(Schema):
    room_id: int
    name: str
    enrolled: int
    cap: int
    over_cap: bool


class OccupancyOut(Schema):
    days: list[OccupancyDayOut]
    classes: list[ClassLoadOut]


@bp.get("/centres/<string:code>/occupancy")
@spec.validate(query=PeriodQuery, resp=responses(HTTP_200=OccupancyOut), tags=["rooms"])
def occupancy_report(code: str, query: PeriodQuery):
    """动态监测托位: daily enrolment and attendance against approved and 普惠 托位, classes against caps."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.STAFF_READ, centre.id, now)
    _check_period(query.from_, query.to)
    days = [OccupancyDayOut.model_validate(d, from_attributes=True)
            for d in occupancy.daily(centre, query.from_, query.to)]
    classes = [ClassLoadOut.model_validate(c, from_attributes=True) for c in occupancy.class_loads(centre, query.to)]
    return OccupancyOut(days=days, classes=classes)
