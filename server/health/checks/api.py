"""JSON API of 晨午检 and observations.

Record (exactly once per Idempotency-Key), correct, read, the queue, close a follow-up. Every read is logged.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Blueprint
from pydantic import Field

from compliance.health import CheckKind
from server.apispec import Day, Id, Schema, responses, spec
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.operations import get_centre
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.errors import NotFound
from server.health.checks import operations as ops
from server.health.checks.models import CheckSource, CheckStatus, FollowUpClosure
from server.health.checks.queries import CheckLine, child_checks, day_checks, lines, morning_queue
from server.idempotency import idempotent
from server.people.models import Child

bp = Blueprint("health_checks_api", __name__, url_prefix="/api/v1")


class HealthCheckIn(Schema):
    kind: CheckKind = Field(description="morning (晨检) | noon (午检) | observation (全日观察)")
    temperature: Decimal | None = Field(None, max_digits=4, decimal_places=1,
                                        description="°C, one decimal; required for a morning check")
    hands_mouth_eyes_ok: bool = Field(True, description="二看: hands, mouth, eyes (手足口, 结膜炎 …)")
    skin_ok: bool = True
    spirits_ok: bool = True
    asked_ok: bool = Field(True, description="三问: sleep, diet, stool at home as the guardian says")
    dangerous_objects_found: bool = Field(False, description="四查: something dangerous in pockets or hands")
    findings: str = Field("", max_length=1000, description="what was found; required when a sign is not right")
    to_observation_room: bool = Field(False, description="sent to the 保健观察室 (an abnormal check only)")
    completes_id: Id | None = Field(None, description="the kiosk screen this check completes (found by itself "
                                                      "for a morning check when left out)")


class HealthCheckAmendIn(Schema):
    reason: str = Field(min_length=1, max_length=500, description="why the check is corrected")
    temperature: Decimal | None = Field(None, max_digits=4, decimal_places=1)
    hands_mouth_eyes_ok: bool = True
    skin_ok: bool = True
    spirits_ok: bool = True
    asked_ok: bool = True
    dangerous_objects_found: bool = False
    findings: str = Field("", max_length=1000)
    to_observation_room: bool = False


class HealthCheckOut(Schema):
    id: int
    child_id: int
    room_id: int | None
    kind: CheckKind
    at: datetime
    on: date
    source: CheckSource
    temperature: Decimal | None
    hands_mouth_eyes_ok: bool
    skin_ok: bool | None = Field(description="none on a kiosk screen (not looked at)")
    spirits_ok: bool | None
    asked_ok: bool | None
    dangerous_objects_found: bool | None
    findings: str
    result: CheckStatus = Field(description="normal | abnormal | pending (a kiosk screen to complete)")
    to_observation_room: bool
    checked_by_id: int | None
    completes_id: int | None
    amends_id: int | None
    reason: str | None
    amended: bool = Field(False, description="a correction replaced this row: it no longer counts")
    completed: bool = Field(False, description="a kiosk screen a full check completed")
    guardian_notified_at: datetime | None = Field(None, description="when the guardians' notice was queued")
    follow_up_open: bool = False
    follow_up_closed_at: datetime | None = None
    follow_up_outcome: str | None = None


class HealthCheckList(Schema):
    items: list[HealthCheckOut]


class HealthCheckRangeQuery(Schema):
    start: Day | None = Field(None, alias="from", description="first day (centre-local), default any")
    end: Day | None = Field(None, alias="to", description="last day, default any")


class HealthCheckDayQuery(Schema):
    on: Day | None = Field(None, description="the centre-local day; default today")


class FollowUpCloseIn(Schema):
    outcome: str = Field(min_length=1, max_length=1000, description="what came of it (sent home, seen by a doctor …)")


class FollowUpOut(Schema):
    check_id: int
    at: datetime
    outcome: str
    by_id: int | None


class QueueScreenOut(Schema):
    id: int
    at: datetime
    temperature: Decimal | None
    hands_mouth_eyes_ok: bool


class QueueItemOut(Schema):
    child_id: int
    name: str
    room: str
    status: str = Field(description="abnormal_screen | screened | missing")
    screen: QueueScreenOut | None


class QueueOut(Schema):
    day: date
    present: int
    done: int
    abnormal: int
    fever_c: Decimal | None = Field(description="the rulebook's fever figure in force (°C)")
    to_check: list[QueueItemOut]
    follow_ups: list[HealthCheckOut]


def check_out(line: CheckLine) -> HealthCheckOut:
    out = HealthCheckOut.model_validate(line.row)
    return out.model_copy(update={
        "amended": line.amended, "completed": line.completed, "guardian_notified_at": line.notified_at,
        "follow_up_open": line.follow_up_open, "follow_up_closed_at": line.closure.at if line.closure else None,
        "follow_up_outcome": line.closure.outcome if line.closure else None})


def _child(child_id: int) -> Child:
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound()
    return child


def _fresh(row_id: int) -> CheckLine:
    row = ops.get_check(row_id, Perm.HEALTH_CHECKS_WRITE, actor=current_actor(), now=utcnow())
    return lines([row])[0]


@bp.post("/children/<int:child_id>/health-checks")
@idempotent
@spec.validate(json=HealthCheckIn, resp=responses(HTTP_201=HealthCheckOut), tags=["health checks"])
def record_check(child_id: int, json: HealthCheckIn):
    """Record a 晨检, 午检 or observation now; abnormal → the guardians are notified and a follow-up opens."""
    actor, now = current_actor(), utcnow()
    child = _child(child_id)
    row = ops.record_check(child, **json.model_dump(), actor=actor, now=now)
    return check_out(_fresh(row.id)), 201


@bp.post("/health-checks/<int:health_check_id>/amend")
@idempotent
@spec.validate(json=HealthCheckAmendIn, resp=responses(HTTP_201=HealthCheckOut), tags=["health checks"])
def amend_check(health_check_id: int, json: HealthCheckAmendIn):
    """Correct a check: a new row with the reason replaces it (the original stays on record)."""
    actor, now = current_actor(), utcnow()
    original = ops.get_check(health_check_id, Perm.HEALTH_CHECKS_WRITE, actor=actor, now=now)
    row = ops.amend_check(original, **json.model_dump(), actor=actor, now=now)
    return check_out(_fresh(row.id)), 201


@bp.get("/children/<int:child_id>/health-checks")
@spec.validate(query=HealthCheckRangeQuery, resp=responses(HTTP_200=HealthCheckList), tags=["health checks"])
def list_child_checks(child_id: int, query: HealthCheckRangeQuery):
    """A child's checks, oldest first, corrected rows marked (a guardian: their own child's); logged."""
    actor, now = current_actor(), utcnow()
    items = child_checks(_child(child_id), actor=actor, now=now, start=query.start, end=query.end)
    return HealthCheckList(items=[check_out(line) for line in items])


@bp.get("/centres/<string:code>/health-checks")
@spec.validate(query=HealthCheckDayQuery, resp=responses(HTTP_200=HealthCheckList), tags=["health checks"])
def list_day_checks(code: str, query: HealthCheckDayQuery):
    """A day's checks at the centre (a guardian: their own children's only); logged."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    items = day_checks(centre, query.on or centre_today(centre, now), actor=actor, now=now)
    return HealthCheckList(items=[check_out(line) for line in items])


@bp.get("/centres/<string:code>/health-checks/queue")
@spec.validate(resp=responses(HTTP_200=QueueOut), tags=["health checks"])
def queue(code: str):
    """The 保健员's morning: children in today without a completed 晨检 (abnormal screens first), open follow-ups."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    q = morning_queue(centre, actor=actor, now=now)
    return QueueOut(
        day=q.day, present=q.present, done=q.done, abnormal=q.abnormal, fever_c=q.fever_c,
        to_check=[QueueItemOut(child_id=i.child.id, name=i.child.name, room=i.room_name, status=i.status,
                               screen=QueueScreenOut.model_validate(i.screen) if i.screen else None)
                  for i in q.to_check],
        follow_ups=[check_out(f.line) for f in q.follow_ups])


@bp.post("/health-checks/<int:health_check_id>/close")
@idempotent
@spec.validate(json=FollowUpCloseIn, resp=responses(HTTP_201=FollowUpOut), tags=["health checks"])
def close_follow_up(health_check_id: int, json: FollowUpCloseIn):
    """Close an abnormal check's follow-up with its outcome (409 when closed, corrected or not abnormal)."""
    actor, now = current_actor(), utcnow()
    check = ops.get_check(health_check_id, Perm.HEALTH_WRITE, actor=actor, now=now)
    closure: FollowUpClosure = ops.close_follow_up(check, outcome=json.outcome, actor=actor, now=now)
    return FollowUpOut.model_validate(closure), 201
