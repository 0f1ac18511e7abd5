"""/healthz: the process answers (no database). /readyz: the database answers and the scheduler claimed a job lately."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import pytest

from server import create_app
from server.database import db
from server.scheduling.models import JobRun
from tests.conftest import FAST_TEST_CONFIG, FreshContextClient


def _claim(job_id: str, at) -> None:  # type: ignore[no-untyped-def]
    db.session.add(JobRun(job_id=job_id, slot=at.strftime("%Y-%m-%dT%H:%M"), claimed_at=at, status="done"))
    db.session.commit()


def test_ready_when_the_database_answers_and_a_job_ran_a_minute_ago(client, clock):
    _claim("notices.drain_outbox", clock.now() - timedelta(minutes=1))
    response = client.get("/readyz")
    assert (response.status_code, response.get_json()["status"], response.get_json()["failed"]) == (200, "ready", [])


def test_not_ready_when_the_scheduler_is_stale(client, clock):
    _claim("notices.drain_outbox", clock.now() - timedelta(minutes=11))
    body = client.get("/readyz")
    assert (body.status_code, body.get_json()["failed"]) == (503, ["scheduler"])
    assert body.get_json()["checks"]["scheduler"]["detail"] == "newest job claim 660 s old (limit 600 s)"


def test_a_fresh_install_is_not_ready_until_the_scheduler_ran_a_job(client):
    body = client.get("/readyz").get_json()
    assert (body["failed"], body["checks"]["scheduler"]["detail"]) == (
        ["scheduler"], "no scheduled job has ever run: is `tuoyu scheduler run` started?")


def test_the_scheduler_check_can_be_turned_off(app, client):
    app.config["READY_SCHEDULER_MAX_AGE_S"] = 0
    body = client.get("/readyz").get_json()
    assert (body["status"], list(body["checks"])) == ("ready", ["database"])


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture(params=["sqlite", "postgresql"])
def unreachable(request, tmp_path: Path, clock):  # type: ignore[no-untyped-def]
    """An app whose database cannot be reached: an SQLite file in a folder that does not exist, a closed port."""
    url = (f"sqlite:///{tmp_path / 'gone' / 'tuoyu.sqlite3'}" if request.param == "sqlite"
           else f"postgresql://postgres@127.0.0.1:{_closed_port()}/tuoyu")
    app = create_app({**FAST_TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "CLOCK": clock})
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app.test_client()
        db.session.remove()
        db.engine.dispose()


def test_without_the_database_healthz_still_answers(unreachable):
    assert (unreachable.get("/healthz").status_code, unreachable.get("/healthz").get_json()) == (200, {"status": "ok"})


def test_without_the_database_readyz_says_which_checks_failed(unreachable):
    response = unreachable.get("/readyz")
    body = response.get_json()
    assert (response.status_code, body["status"], body["failed"]) == (503, "unavailable", ["database", "scheduler"])
    assert body["checks"]["database"]["detail"] == "database unreachable: OperationalError"
