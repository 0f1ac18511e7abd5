"""Exactly-once writes from a client that retries: the tablet's offline queue sends each entry with a key.

The same contract as the kiosk's events (`fleet.models`: a device's idempotency key): the first request with
a key runs and its answer is kept in the same transaction; a retry of the same request gets that answer again
without running anything (`Idempotent-Replayed: true`), so an entry whose answer was lost on a dropped Wi-Fi
is stored once. A key is the caller's own: two users never see each other's answers.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Response, current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from server.auth.session import current_actor
from server.clock import utcnow
from server.database import UTCDateTime, db
from server.errors import ApiError

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
# A tablet offline over a long weekend still gets its answers; after that the kept answers (which may hold
# health data) are deleted.
KEEP_FOR = timedelta(days=7)


class IdempotentRequest(db.Model):
    """One write a caller sent with a key: what it was (a digest) and the answer it got."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotent_request_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class BadIdempotencyKey(ApiError):
    status = 400
    code = "bad_idempotency_key"
    message = _l("The Idempotency-Key header must be 8 to 100 letters, digits or _ . : -")


class KeyReused(ApiError):
    status = 422
    code = "idempotency_key_reused"
    message = _l("This Idempotency-Key was already used for a different request")


def _request_digest() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.full_path.encode(), request.get_data()):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a write once per caller and `Idempotency-Key`; without the header it runs as usual."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not KEY_PATTERN.match(key):
            raise BadIdempotencyKey(field=HEADER)
        actor = current_actor()
        if actor.user_id is None:  # only people send keys; devices have their own (fleet)
            return view(*args, **kwargs)
        digest = _request_digest()
        kept = kept_answer(actor.user_id, key)
        if kept is not None:
            if kept.request_sha256 != digest:
                raise KeyReused(field=HEADER)
            replay = Response(kept.body, status=kept.status, content_type=kept.content_type)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = current_app.make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 300:
            # Added to the request's own transaction: the entry and its answer commit together or not at all;
            # a concurrent twin fails on the unique key at commit (409) and its retry is a replay.
            db.session.add(IdempotentRequest(
                user_id=actor.user_id, key=key, request_sha256=digest, status=response.status_code,
                content_type=response.content_type or "application/json", body=response.get_data(),
                created_at=utcnow()))
        return response

    return wrapper


def kept_answer(user_id: int, key: str) -> IdempotentRequest | None:
    return db.session.scalar(select(IdempotentRequest).where(
        IdempotentRequest.user_id == user_id, IdempotentRequest.key == key))


def forget_old_requests(now: datetime) -> int:
    """Delete kept answers older than KEEP_FOR; returns how many (a daily job)."""
    result = db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < now - KEEP_FOR))
    return int(result.rowcount or 0)
