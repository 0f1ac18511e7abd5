"""JSON API for centres and rooms: parse, authorise (in operations), call one operation, serialise."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint
from pydantic import Field
from sqlalchemy import select

from server.apispec import Day, Schema, responses, spec
from server.auth.roles import Role
from server.auth.session import current_actor, current_user_record
from server.centre import closures
from server.centre import operations as ops
from server.centre.models import Centre, ClassType, FilingStatus, LegalForm, ServiceType
from server.clock import utcnow
from server.database import db

bp = Blueprint("centre_api", __name__, url_prefix="/api/v1")


class CentreOut(Schema):
    id: int
    code: str
    name: str
    legal_form: LegalForm
    registering_authority: str | None
    filing_status: FilingStatus
    filed_on: date | None
    approved_places: int
    inclusive_places: int
    service_types: list[ServiceType]
    region: str | None
    timezone: str
    address: str | None
    created_at: datetime


class CentreList(Schema):
    items: list[CentreOut]


class CentrePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    registering_authority: str | None = Field(None, max_length=120)
    filing_status: FilingStatus | None = None
    filed_on: Day | None = None
    approved_places: int | None = Field(None, ge=0, le=10_000)
    inclusive_places: int | None = Field(None, ge=0, le=10_000)
    service_types: list[ServiceType] | None = None
    region: str | None = Field(None, max_length=40)
    timezone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=200)


class RoomOut(Schema):
    id: int
    centre_id: int
    name: str
    class_type: ClassType
    capacity: int
    is_active: bool


class RoomList(Schema):
    items: list[RoomOut]


class RoomIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    class_type: ClassType
    capacity: int = Field(ge=1, le=ops.MAX_ROOM_CAPACITY)


class RoomPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    class_type: ClassType | None = None
    capacity: int | None = Field(None, ge=1, le=ops.MAX_ROOM_CAPACITY)
    is_active: bool | None = None


def _changes(patch: Schema) -> dict[str, object]:
    # Explicit nulls for required columns are dropped; only what was sent is changed.
    return {k: v for k, v in patch.model_dump(exclude_unset=True).items() if v is not None}


@bp.get("/centres")
@spec.validate(resp=responses(HTTP_200=CentreList), tags=["centres"])
def list_centres():
    """Centres the caller holds an active grant at."""
    centres = ops.list_centres(actor=current_actor(), now=utcnow())
    return CentreList(items=[CentreOut.model_validate(c) for c in centres])


@bp.get("/centres/<string:code>")
@spec.validate(resp=responses(HTTP_200=CentreOut), tags=["centres"])
def get_centre(code: str):
    """One centre's profile."""
    return CentreOut.model_validate(ops.get_centre(code, actor=current_actor(), now=utcnow()))


@bp.patch("/centres/<string:code>")
@spec.validate(json=CentrePatch, resp=responses(HTTP_200=CentreOut), tags=["centres"])
def patch_centre(code: str, json: CentrePatch):
    """Change a centre's profile (负责人 only)."""
    actor, now = current_actor(), utcnow()
    centre = ops.get_centre(code, actor=actor, now=now)
    return CentreOut.model_validate(ops.update_centre(centre, _changes(json), actor=actor, now=now))


@bp.get("/centres/<string:code>/rooms")
@spec.validate(resp=responses(HTTP_200=RoomList), tags=["rooms"])
def list_rooms(code: str):
    """Classes/rooms of a centre."""
    actor, now = current_actor(), utcnow()
    centre = ops.get_centre(code, actor=actor, now=now)
    return RoomList(items=[RoomOut.model_validate(r) for r in ops.list_rooms(centre, actor=actor, now=now)])


@bp.post("/centres/<string:code>/rooms")
@spec.validate(json=RoomIn, resp=responses(HTTP_201=RoomOut), tags=["rooms"])
def create_room(code: str, json: RoomIn):
    """Add a class/room."""
    actor, now = current_actor(), utcnow()
    centre = ops.get_centre(code, actor=actor, now=now)
    room = ops.create_room(centre, **json.model_dump(), actor=actor, now=now)
    return RoomOut.model_validate(room), 201


@bp.get("/rooms/<int:room_id>")
@spec.validate(resp=responses(HTTP_200=RoomOut), tags=["rooms"])
def get_room(room_id: int):
    """One class/room."""
    return RoomOut.model_validate(ops.get_room(room_id, actor=current_actor(), now=utcnow()))


@bp.patch("/rooms/<int:room_id>")
@spec.validate(json=RoomPatch, resp=responses(HTTP_200=RoomOut), tags=["rooms"])
def patch_room(room_id: int, json: RoomPatch):
    """Change a class/room."""
    actor, now = current_actor(), utcnow()
    room = ops.get_room(room_id, actor=actor, now=now)
    return RoomOut.model_validate(ops.update_room(room, _changes(json), actor=actor, now=now))


class ClosureIn(Schema):
    first_day: Day
    last_day: Day
    reason: str = Field(min_length=1, max_length=closures.MAX_REASON)


class WithdrawIn(Schema):
    reason: str = Field(min_length=1, max_length=closures.MAX_REASON)


class ClosureOut(Schema):
    id: int
    centre_id: int
    first_day: date
    last_day: date
    reason: str
    recorded_by_id: int | None
    recorded_at: datetime
    withdrawn: bool = False
    withdrawn_reason: str | None = None
    withdrawn_at: datetime | None = None


class ClosureList(Schema):
    items: list[ClosureOut]


def _closure_out(view: closures.ClosureView) -> ClosureOut:
    out = ClosureOut.model_validate(view.closure)
    if view.withdrawal is not None:
        out.withdrawn, out.withdrawn_reason = True, view.withdrawal.reason
        out.withdrawn_at = view.withdrawal.recorded_at
    return out


@bp.get("/centres/<string:code>/closures")
@spec.validate(resp=responses(HTTP_200=ClosureList), tags=["centres"])
def list_closures(code: str):
    """The centre's own closures (园所停园日), latest first, withdrawn ones marked."""
    actor, now = current_actor(), utcnow()
    centre = ops.get_centre(code, actor=actor, now=now)
    return ClosureList(items=[_closure_out(v) for v in closures.list_closures(centre, actor=actor, now=now)])


@bp.post("/centres/<string:code>/closures")
@spec.validate(json=ClosureIn, resp=responses(HTTP_201=ClosureOut), tags=["centres"])
def record_closure(code: str, json: ClosureIn):
    """Close the centre on some days (负责人): expected attendance and 出勤率 skip them (audited)."""
    actor, now = current_actor(), utcnow()
    centre = ops.get_centre(code, actor=actor, now=now)
    closure = closures.record_closure(centre, **json.model_dump(), actor=actor, now=now)
    return _closure_out(closures.ClosureView(closure, None)), 201


@bp.post("/closures/<int:closure_id>/withdraw")
@spec.validate(json=WithdrawIn, resp=responses(HTTP_200=ClosureOut), tags=["centres"])
def withdraw_closure(closure_id: int, json: WithdrawIn):
    """Withdraw a closure (the centre opens after all): a new row names it, the closure stays listed."""
    actor, now = current_actor(), utcnow()
    closure = closures.get_closure(closure_id, actor=actor, now=now)
    withdrawal = closures.withdraw_closure(closure, reason=json.reason, actor=actor, now=now)
    return _closure_out(closures.ClosureView(closure, withdrawal))


class GrantOut(Schema):
    centre_code: str
    role: Role
    expires_at: datetime | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    grants: list[GrantOut]


@bp.get("/me")
@spec.validate(resp=responses(HTTP_200=MeOut), tags=["account"])
def me():
    """The caller and their active grants."""
    actor, now = current_actor(), utcnow()
    user = current_user_record()
    codes = dict(db.session.execute(select(Centre.id, Centre.code)).all())
    grants = [
        GrantOut(centre_code=codes[g.centre_id], role=g.role, expires_at=g.expires_at)
        for g in actor.grants if g.active(now)
    ]
    return MeOut(id=user.id, username=user.username, display_name=user.display_name, grants=grants)
