"""A retried write with the same Idempotency-Key runs once and gets its first answer again (the tablet's queue)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Blueprint, request
from sqlalchemy import func, select

from server.auth.roles import Role
from server.auth.session import current_actor
from server.centre.closures import CentreClosure, record_closure
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.errors import ApiError
from server.extensions import csrf
from server.idempotency import IdempotentRequest, forget_old_requests, idempotent
from tests.factories import make_centre, make_login

probe = Blueprint("idempotency_probe", __name__)


@probe.post("/api/v1/probe/<code>/closures")
@idempotent
def close(code: str):  # type: ignore[no-untyped-def]
    """A real write through an operation: a closure of the centre, with its audit entry."""
    actor, now = current_actor(), utcnow()
    body = request.get_json()
    if body.get("reason") == "":
        raise ApiError("reason required", code="invalid", field="reason")
    centre = get_centre(code, actor=actor, now=now)
    row = record_closure(centre, first_day=date.fromisoformat(body["day"]), last_day=date.fromisoformat(body["day"]),
                         reason=body["reason"], actor=actor, now=now)
    db.session.flush()
    return {"id": row.id, "reason": row.reason}, 201


@pytest.fixture
def world(app, clock):  # type: ignore[no-untyped-def]
    csrf.exempt(probe)  # as every API blueprint: bearer tokens here
    app.register_blueprint(probe)
    now = clock.now()
    centre = make_centre("alpha", now)
    return {"director": make_login("director", now, [(centre, Role.ADMIN)]),
            "deputy": make_login("deputy", now, [(centre, Role.ADMIN)])}


def _closures() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CentreClosure))


def _post(client, who, body, key=None):  # type: ignore[no-untyped-def]
    headers = dict(who.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/probe/alpha/closures", json=body, headers=headers)


BODY = {"day": "2026-10-09", "reason": "消毒"}


def test_without_a_key_every_request_runs(client, world):
    assert _post(client, world["director"], BODY).status_code == 201
    assert _post(client, world["director"], BODY).status_code == 201
    assert _closures() == 2


def test_a_retry_with_the_same_key_is_answered_from_the_first_run(client, world):
    first = _post(client, world["director"], BODY, key="entry-0001-aaaa")
    again = _post(client, world["director"], BODY, key="entry-0001-aaaa")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _closures() == 1


def test_the_same_key_for_another_request_is_refused_and_changes_nothing(client, world):
    _post(client, world["director"], BODY, key="entry-0002-bbbb")
    other = _post(client, world["director"], {**BODY, "reason": "停电"}, key="entry-0002-bbbb")
    assert other.status_code == 422
    assert other.get_json()["error"] == {"code": "idempotency_key_reused", "field": "Idempotency-Key",
                                         "message": other.get_json()["error"]["message"]}
    assert _closures() == 1


@pytest.mark.parametrize("key", ["short", "x" * 101, "has space 12", "中文钥匙中文钥匙"])
def test_a_malformed_key_is_a_400_and_nothing_runs(client, world, key):
    answer = _post(client, world["director"], BODY, key=key)
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (400, "bad_idempotency_key")
    assert _closures() == 0


def test_a_refused_request_is_not_kept_so_its_corrected_retry_runs(client, world):
    refused = _post(client, world["director"], {**BODY, "reason": ""}, key="entry-0003-cccc")
    assert refused.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(IdempotentRequest)) == 0
    assert _post(client, world["director"], BODY, key="entry-0003-cccc").status_code == 201
    assert _closures() == 1


def test_keys_are_each_callers_own(client, world):
    _post(client, world["director"], BODY, key="entry-0004-dddd")
    answer = _post(client, world["deputy"], BODY, key="entry-0004-dddd")
    assert answer.status_code == 201 and "Idempotent-Replayed" not in answer.headers
    assert _closures() == 2


def test_kept_answers_are_forgotten_after_a_week(client, world, clock):
    _post(client, world["director"], BODY, key="entry-0005-eeee")
    assert forget_old_requests(clock.now() + timedelta(days=6)) == 0
    assert forget_old_requests(clock.now() + timedelta(days=7, seconds=1)) == 1
    db.session.commit()
    assert _post(client, world["director"], BODY, key="entry-0005-eeee").status_code == 201
    assert _closures() == 2


def test_a_concurrent_twin_that_loses_the_race_gets_a_409_and_stores_nothing(client, world, monkeypatch):
    """Both requests looked before either committed: the second's key row fails at commit, its entry with it."""
    import server.idempotency

    _post(client, world["director"], BODY, key="entry-0006-ffff")
    monkeypatch.setattr(server.idempotency, "kept_answer", lambda user_id, key: None)  # it looked too early
    twin = _post(client, world["director"], BODY, key="entry-0006-ffff")
    assert (twin.status_code, twin.get_json()["error"]["code"]) == (409, "conflict")
    assert _closures() == 1
    monkeypatch.undo()
    retry = _post(client, world["director"], BODY, key="entry-0006-ffff")
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert _closures() == 1


@probe.post("/api/v1/probe/<code>/twice")
def insert_twice(code: str):  # type: ignore[no-untyped-def]
    """A unique row written twice in one request: the constraint fails at flush, inside the view."""
    actor, now = current_actor(), utcnow()
    for _ in range(2):
        db.session.add(IdempotentRequest(user_id=actor.user_id, key="same-key-twice", request_sha256="0" * 64,
                                         status=201, content_type="application/json", body=b"{}", created_at=now))
        db.session.flush()
    return {}, 201


def test_a_constraint_failing_inside_a_view_is_a_409_in_the_error_shape(client, world):
    answer = client.post("/api/v1/probe/alpha/twice", json={}, headers=world["director"].headers)
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (409, "conflict")
    assert db.session.scalar(select(func.count()).select_from(IdempotentRequest)) == 0
