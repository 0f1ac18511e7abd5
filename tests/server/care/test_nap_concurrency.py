"""Two tablets starting one child's nap at once store one nap (PostgreSQL: on SQLite writes cannot overlap)."""

from __future__ import annotations

import pytest

from server.care.models import Nap
from server.database import db
from tests.server.care.test_naps import _count


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """PostgreSQL only, and no skip: on SQLite every write transaction holds the database's lock."""
    return postgres_url


def test_two_tablets_starting_the_same_nap_at_once_store_one(app, care_world, clock):
    """The second start waits on the child's row while the first is uncommitted, then sees its nap: 409."""
    import threading

    from sqlalchemy import create_engine, text

    from server.auth.actor import Actor
    from server.care.operations.naps import start_nap
    from server.errors import Conflict
    from server.people.models import Child

    child_id = care_world["child"].id
    db.session.commit()
    start_nap(care_world["child"], actor=Actor.system(), now=clock.now())  # the first tablet: not committed yet
    outcome: list[str] = []

    def second_tablet() -> None:
        with app.app_context():
            try:
                start_nap(db.session.get(Child, child_id), actor=Actor.system(), now=clock.now())
                db.session.commit()
                outcome.append("started")
            except Conflict as refused:
                outcome.append(refused.code)
            finally:
                db.session.rollback()
                db.session.remove()

    thread = threading.Thread(target=second_tablet)
    thread.start()
    watcher = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with watcher.connect() as conn:
            waiting = False
            for _ in range(5000):  # until the second start waits on a lock (no clock involved)
                waiting = bool(conn.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")).scalar())
                if waiting or not thread.is_alive():
                    break
    finally:
        watcher.dispose()
    db.session.commit()  # the first tablet's nap lands; the second goes on
    thread.join()
    assert waiting and outcome == ["nap_open"]
    assert _count(Nap) == 1
