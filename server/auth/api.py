"""JSON API for the caller's own account: personal tokens (who am I and where: server/centre/api.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint
from pydantic import Field

from server.apispec import Schema, responses, spec
from server.auth import operations as ops
from server.auth.session import current_actor, current_user_record
from server.clock import utcnow

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    expires_in_days: int = Field(90, ge=1, le=365)


class TokenOut(Schema):
    token: str
    prefix: str
    expires_at: datetime | None


@bp.post("/tokens")
@spec.validate(json=TokenIn, resp=responses(HTTP_201=TokenOut), tags=["account"])
def create_token(json: TokenIn):
    """Issue a personal API token for the caller; shown once."""
    actor, now = current_actor(), utcnow()
    plain, token = ops.create_token(
        current_user_record(), json.name, expires_at=now + timedelta(days=json.expires_in_days), actor=actor, now=now
    )
    return TokenOut(token=plain, prefix=token.prefix, expires_at=token.expires_at), 201
