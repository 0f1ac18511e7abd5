"""SQLite: reads never wait for the write lock (issue #19).

Every test holds SQLite's write lock from a second connection, as a kiosk batch or sensor ingest would, and
shows what a request does meanwhile. Before, every transaction began IMMEDIATE, so a page render queued behind the
writer for up to the 30-second busy timeout; now a GET reads without the lock, and one that writes takes it the
waiting way and runs again if its snapshot went stale.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text

from server.audit.models import AccessEvent
from server.auth.models import LoginAttempt
from server.auth.roles import Role
from server.database import SnapshotStale, db, reads_first
from tests.factories import make_centre, make_child, make_login, make_room
from tests.sqlite_lock import write_lock_is_free

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _path(url: str) -> str:
    return url.removeprefix("sqlite:///")


@contextmanager
def write_lock_held(url: str) -> Iterator[sqlite3.Connection]:
    """A second connection holding the write lock (an uncommitted write) until the block ends."""
    other = sqlite3.connect(_path(url), isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO audit_head (chain, seq, head_hash) VALUES ('held-by-test', 0, 'x')")
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


def _commit_from_another_connection(url: str, chain: str) -> None:
    other = sqlite3.connect(_path(url), isolation_level=None)
    other.execute("INSERT INTO audit_head (chain, seq, head_hash) VALUES (?, 0, 'x')", (chain,))
    other.close()


@pytest.fixture
def world(app, clock):  # type: ignore[no-untyped-def]
    now = clock.now()
    centre = make_centre("alpha", now)
    child = make_child(centre, now, room=make_room(centre, now), name="王小明", born_on=date(2025, 3, 1))
    nurse = make_login("nurse", now, [(centre, Role.HEALTH)])
    db.session.commit()
    plain = {"child_id": child.id, "headers": nurse.headers}
    db.session.commit()  # the test's own session holds no transaction (nor SQLite's lock) from here
    # Short waits from here: a request that waited for the lock would fail fast instead of after 30 s.
    event.listen(db.engine, "connect", _short_busy_timeout)
    db.engine.dispose()
    yield plain
    event.remove(db.engine, "connect", _short_busy_timeout)


def _short_busy_timeout(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.execute("PRAGMA busy_timeout=500")


def test_reads_answer_while_another_connection_holds_the_write_lock(client, world, database_url):
    """The centre, its rooms, live ratios and closures, who I am: reads that write nothing never touch the lock.

    (A read that is itself logged, a child's record under PIPL Art. 28, writes its access entry: that insert takes
    the lock like any write; the next test.)"""
    headers = world["headers"]
    with write_lock_held(database_url):
        answers = {path: client.get(path, headers=headers) for path in (
            "/api/v1/centres/alpha", "/api/v1/centres/alpha/rooms", "/api/v1/centres/alpha/ratios", "/api/v1/centres/alpha/closures",
            "/api/v1/me")}
    assert {path: answer.status_code for path, answer in answers.items()} == dict.fromkeys(answers, 200)
    assert [room["name"] for room in answers["/api/v1/centres/alpha/rooms"].json["items"]]


def test_a_post_still_waits_for_the_lock(client, world, database_url):
    """Writers take turns as before (here: the lock is never released, so the short wait runs out)."""
    child_id, headers = world["child_id"], world["headers"]
    with write_lock_held(database_url):
        answer = client.post(f"/api/v1/children/{child_id}/allergies", headers=headers,
                             json={"allergen": "peanuts", "severity": "severe"})
    assert answer.status_code >= 500


def test_a_logged_read_whose_snapshot_went_stale_runs_again_and_logs_once(client, world, database_url,
                                                                          monkeypatch):
    """The read of a child's allergies writes its access log: a commit by another connection between the read and
    that write makes the snapshot stale, so the request runs again, with the write lock from its start."""
    child_id, headers = world["child_id"], world["headers"]
    selects = []

    def commit_after_the_first_read(conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)
            if len(selects) == 1:
                _commit_from_another_connection(database_url, "committed-between")

    runs = []
    dispatch = Flask.full_dispatch_request
    monkeypatch.setattr(Flask, "full_dispatch_request", lambda app: runs.append(1) or dispatch(app))
    event.listen(db.engine, "after_cursor_execute", commit_after_the_first_read)
    try:
        answer = client.get(f"/api/v1/children/{child_id}/allergies", headers=headers)
    finally:
        event.remove(db.engine, "after_cursor_execute", commit_after_the_first_read)
    assert answer.status_code == 200, answer.json
    reads = db.session.execute(select(func.count()).select_from(AccessEvent).where(
        AccessEvent.object_type == "child_health", AccessEvent.object_id == str(child_id))).scalar_one()
    assert reads == 1
    assert len(runs) == 2, "the request did not run again: the stale snapshot went unnoticed"


def test_the_session_layer_semantics(app, world, database_url):
    """The rules themselves, on the app's engine: reads without the lock; the first write checks the snapshot."""
    with write_lock_held(database_url), reads_first():
        assert db.session.execute(text("SELECT count(*) FROM centre")).scalar_one() == 1  # no wait
        db.session.rollback()
    with reads_first():  # read, nobody commits, write: goes on as a writer
        db.session.execute(text("SELECT count(*) FROM centre")).scalar_one()
        db.session.execute(text("INSERT INTO audit_head (chain, seq, head_hash) VALUES ('quiet', 0, 'x')"))
        db.session.commit()
    with reads_first():  # read, another connection commits, write: stale
        db.session.execute(text("SELECT count(*) FROM centre")).scalar_one()
        _commit_from_another_connection(database_url, "between-read-and-write")
        with pytest.raises(SnapshotStale):
            db.session.execute(text("INSERT INTO audit_head (chain, seq, head_hash) VALUES ('stale', 0, 'x')"))
        db.session.rollback()
    with reads_first():  # nothing read before the first write: nothing can be stale
        _commit_from_another_connection(database_url, "before-the-first-statement")
        db.session.execute(text("INSERT INTO audit_head (chain, seq, head_hash) VALUES ('first', 0, 'x')"))
        db.session.commit()
    chains = set(db.session.execute(text("SELECT chain FROM audit_head")).scalars())
    assert {"quiet", "first"} <= chains and "stale" not in chains


def test_a_stream_polls_while_another_connection_holds_the_write_lock(client, world, database_url):
    headers = world["headers"]
    with write_lock_held(database_url):
        answer = client.get("/api/v1/centres/alpha/ratios/stream", headers=headers, buffered=False)
        try:
            first = next(iter(answer.response))
        finally:
            answer.close()
    assert answer.status_code == 200 and b"data:" in first


def test_a_log_in_checks_the_password_without_holding_the_write_lock(client, world, database_url, monkeypatch):
    """POST /login reads first (read_before_writing): argon2 takes a while, and kiosk batches must not wait on it.

    While the password is checked, a second connection can take SQLite's write lock at once (timeout 0)."""
    import server.auth.operations as auth_ops
    from tests.sessions import log_in

    checked = auth_ops.check_password
    lock_free_while_checking = []

    def probing_check(user, password):  # type: ignore[no-untyped-def]
        lock_free_while_checking.append(write_lock_is_free(_path(database_url)))
        return checked(user, password)

    monkeypatch.setattr(auth_ops, "check_password", probing_check)
    answer = log_in(client, "nurse")
    assert answer.status_code == 302 and "/login" not in answer.headers["Location"]
    assert lock_free_while_checking == [True]
    assert db.session.execute(select(func.count()).select_from(LoginAttempt)).scalar_one() == 1
