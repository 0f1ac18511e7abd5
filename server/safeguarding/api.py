"""JSON API of safeguarding: raise a concern (any member of staff), read and handle concerns, designations.

Reading and handling answer 404 to everyone but the director, designated leads and (reading) inspectors whose grant
includes safeguarding: nobody else learns that a concern exists. Raising answers only the new concern's number.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from pydantic import Field

from server.apispec import Id, Instant, Schema, responses, spec
from server.auth.session import current_actor
from server.centre.operations import get_centre
from server.clock import utcnow
from server.idempotency import idempotent
from server.safeguarding import designations as designation_ops
from server.safeguarding import operations as ops
from server.safeguarding.models import Agency, AmendedField, ConcernCategory, StepKind

bp = Blueprint("safeguarding_api", __name__, url_prefix="/api/v1")


class ConcernIn(Schema):
    child_id: Id
    category: ConcernCategory
    noticed_at: Instant
    account: str = Field(max_length=ops.MAX_TEXT, description="what was seen or told")
    immediate_actions: str = Field("", max_length=ops.MAX_TEXT)
    staff_ids: list[Id] = Field(default_factory=list, max_length=ops.MAX_STAFF, description="staff involved")


class RaisedOut(Schema):
    number: str = Field(description="SG-<id>: all the raiser gets back")
    raised_at: datetime


class ManagerOut(Schema):
    staff_id: int
    name: str
    role: str


class InvolvedOut(Schema):
    staff_id: int
    name: str
    managers: list[ManagerOut] = Field(description="their line managers on the day noticed, direct first")


class StepIn(Schema):
    kind: StepKind
    done_at: Instant
    done_by: str = Field(max_length=ops.MAX_NAME)
    agency: Agency | None = None
    reference: str | None = Field(None, max_length=ops.MAX_NAME)
    staff_id: Id | None = None
    ban_id: Id | None = None
    detail: str = Field("", max_length=ops.MAX_TEXT)


class StepOut(Schema):
    id: int
    kind: StepKind
    done_at: datetime
    done_by: str
    agency: Agency | None
    reference: str | None
    staff_id: int | None
    ban_id: int | None
    detail: str
    recorded_at: datetime


class AmendmentIn(Schema):
    field: AmendedField
    value: str = Field(max_length=ops.MAX_TEXT)
    reason: str = Field(max_length=ops.MAX_TEXT)


class AmendmentOut(Schema):
    id: int
    field: AmendedField
    value: str
    reason: str
    amended_at: datetime


class ConcernOut(Schema):
    id: int
    number: str
    child_id: int
    child_name: str
    category: ConcernCategory
    noticed_at: datetime
    raised_at: datetime
    account: str
    immediate_actions: str
    involved: list[InvolvedOut]
    steps: list[StepOut]
    amendments: list[AmendmentOut]
    report_due: datetime | None
    first_report_at: datetime | None
    report_overdue: bool
    closed: bool


class ConcernList(Schema):
    items: list[ConcernOut]


class DesignationIn(Schema):
    user_id: Id


class DesignationOut(Schema):
    id: int
    user_id: int
    name: str
    designated_at: datetime
    revoked_at: datetime | None


class DesignationList(Schema):
    items: list[DesignationOut]


class ScopeOut(Schema):
    membership_id: int
    granted_at: datetime


def _out(view: ops.ConcernView, now: datetime) -> ConcernOut:
    c, first = view.concern, view.first_report
    return ConcernOut(
        id=c.id, number=view.number, child_id=c.child_id, child_name=view.child_name, category=view.category,
        noticed_at=view.noticed_at, raised_at=c.raised_at, account=view.account,
        immediate_actions=view.immediate_actions,
        involved=[InvolvedOut(staff_id=i.staff_id, name=i.name, managers=[ManagerOut(**m) for m in i.managers])
                  for i in view.involved],
        steps=[StepOut.model_validate(s) for s in view.steps],
        amendments=[AmendmentOut.model_validate(a) for a in view.amendments], report_due=view.report_due,
        first_report_at=first.done_at if first else None, report_overdue=view.report_overdue(now),
        closed=view.closed is not None)


@bp.get("/centres/<string:code>/safeguarding/concerns")
@spec.validate(resp=responses(HTTP_200=ConcernList), tags=["safeguarding"])
def list_concerns(code: str):
    """The centre's concerns, open and overdue first (the director, designated leads, scoped inspectors; logged)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return ConcernList(items=[_out(v, now) for v in ops.list_concerns(centre, actor=actor, now=now)])


@bp.post("/centres/<string:code>/safeguarding/concerns")
@idempotent
@spec.validate(json=ConcernIn, resp=responses(HTTP_201=RaisedOut), tags=["safeguarding"])
def raise_concern(code: str, json: ConcernIn):
    """Raise a concern about a child (any member of staff); the answer is its number only."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = ops.raise_concern(centre, child_id=json.child_id, category=json.category.value, noticed_at=json.noticed_at,
                            account=json.account, immediate_actions=json.immediate_actions, staff_ids=json.staff_ids,
                            actor=actor, now=now)
    return RaisedOut(number=ops.concern_number(row.id), raised_at=row.raised_at), 201


@bp.get("/safeguarding/concerns/<int:concern_id>")
@spec.validate(resp=responses(HTTP_200=ConcernOut), tags=["safeguarding"])
def get_concern(concern_id: int):
    """One concern with its staff, steps and corrections (logged)."""
    actor, now = current_actor(), utcnow()
    row = ops.get_concern(concern_id, actor=actor, now=now)
    return _out(ops.concern_view(row, now), now)


@bp.post("/safeguarding/concerns/<int:concern_id>/steps")
@idempotent
@spec.validate(json=StepIn, resp=responses(HTTP_201=StepOut), tags=["safeguarding"])
def add_step(concern_id: int, json: StepIn):
    """Record an escalation step or note with when it was done and by whom (409 once closed)."""
    actor, now = current_actor(), utcnow()
    row = ops.get_concern(concern_id, actor=actor, now=now, purpose="step")
    step = ops.add_step(row, kind=json.kind.value, done_at=json.done_at, done_by=json.done_by,
                        agency=json.agency.value if json.agency else None, reference=json.reference,
                        staff_id=json.staff_id, ban_id=json.ban_id, detail=json.detail, actor=actor, now=now)
    return StepOut.model_validate(step), 201


@bp.post("/safeguarding/concerns/<int:concern_id>/amendments")
@idempotent
@spec.validate(json=AmendmentIn, resp=responses(HTTP_201=AmendmentOut), tags=["safeguarding"])
def amend_concern(concern_id: int, json: AmendmentIn):
    """Correct one field of a concern with a reason (a new row; the concern as raised stays)."""
    actor, now = current_actor(), utcnow()
    row = ops.get_concern(concern_id, actor=actor, now=now, purpose="amendment")
    amendment = ops.amend_concern(row, field=json.field.value, value=json.value, reason=json.reason, actor=actor,
                                  now=now)
    return AmendmentOut.model_validate(amendment), 201


def _designation_out(line: designation_ops.DesignationLine) -> DesignationOut:
    d = line.designation
    return DesignationOut(id=d.id, user_id=d.user_id, name=line.name, designated_at=d.designated_at,
                          revoked_at=line.revocation.revoked_at if line.revocation else None)


@bp.get("/centres/<string:code>/safeguarding/designations")
@spec.validate(resp=responses(HTTP_200=DesignationList), tags=["safeguarding"])
def list_designations(code: str):
    """The centre's designated safeguarding leads, past and present (the director)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return DesignationList(items=[_designation_out(x) for x in
                                  designation_ops.list_designations(centre, actor=actor, now=now)])


@bp.post("/centres/<string:code>/safeguarding/designations")
@idempotent
@spec.validate(json=DesignationIn, resp=responses(HTTP_201=DesignationOut), tags=["safeguarding"])
def designate(code: str, json: DesignationIn):
    """Name a member of staff a designated safeguarding lead (the director)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = designation_ops.designate_lead(centre, user_id=json.user_id, actor=actor, now=now)
    line = next(x for x in designation_ops.list_designations(centre, actor=actor, now=now) if x.designation is row)
    return _designation_out(line), 201


@bp.post("/centres/<string:code>/safeguarding/designations/<int:designation_id>/revoke")
@idempotent
@spec.validate(resp=responses(HTTP_201=DesignationOut), tags=["safeguarding"])
def revoke_designation(code: str, designation_id: int):
    """Withdraw a designation from now on (the director)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    designation_ops.revoke_designation(centre, designation_id, actor=actor, now=now)
    line = next(x for x in designation_ops.list_designations(centre, actor=actor, now=now)
                if x.designation.id == designation_id)
    return _designation_out(line), 201


@bp.post("/centres/<string:code>/safeguarding/inspector-grants/<int:membership_id>")
@idempotent
@spec.validate(resp=responses(HTTP_201=ScopeOut), tags=["safeguarding"])
def include_in_grant(code: str, membership_id: int):
    """Add the safeguarding scope to an inspector's grant in force (the director)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = designation_ops.include_in_grant(centre, membership_id=membership_id, actor=actor, now=now)
    return ScopeOut(membership_id=row.membership_id, granted_at=row.granted_at), 201
