"""JSON API for the caller's own account: who am I, personal tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint
from pydantic import Field
from sqlalchemy import select

from server.apispec import Schema, responses, spec
from server.auth import operations as ops
from server.auth.roles import Role
from server.auth.session import current_actor, current_user_record
from server.centre.models import Centre
from server.clock import utcnow
from server.database import db

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")


class GrantOut(Schema):
    centre_code: str
    role: Role
    expires_at: datetime | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    grants: list[GrantOut]


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    expires_in_days: int = Field(90, ge=1, le=365)


class TokenOut(Schema):
    token: str
    prefix: str
    expires_at: datetime | None


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


@bp.post("/tokens")
@spec.validate(json=TokenIn, resp=responses(HTTP_201=TokenOut), tags=["account"])
def create_token(json: TokenIn):
    """Issue a personal API token for the caller; shown once."""
    actor, now = current_actor(), utcnow()
    plain, token = ops.create_token(
        current_user_record(), json.name, expires_at=now + timedelta(days=json.expires_in_days), actor=actor, now=now
    )
    return TokenOut(token=plain, prefix=token.prefix, expires_at=token.expires_at), 201
