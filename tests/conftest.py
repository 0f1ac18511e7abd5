"""Shared fixtures: a migrated database per backend (SQLite and PostgreSQL), an app per test, factories."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hardware.clock import FakeClock
from tests.serving import serving
from tests.werkzeug_rules import remember_rule_builders

remember_rule_builders()  # each test makes an app: its URL rules need not be compiled again each time

IN_CI = os.environ.get("CI") == "true"
CHROMIUM = os.environ.get("TUOYU_CHROMIUM", "/usr/bin/chromium")
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# The fake "now" of every server test: a Monday morning in Shanghai.
T0 = datetime(2026, 9, 7, 1, 30, tzinfo=UTC)

FAST_TEST_CONFIG = {
    "TESTING": True,
    # Still argon2id, at its cheapest legal cost: the suite hashes many passwords.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST_KIB": 64,
    "RATELIMIT_ENABLED": True,
}


def _pg_admin_url() -> str:
    url = os.environ.get("TUOYU_TEST_DATABASE_URL", DEFAULT_PG_ADMIN_URL)
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    from server import create_app
    from server.database import db

    app = create_app({**FAST_TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    base = tmp_path_factory.mktemp("sqlite")
    url = f"sqlite:///{base / 'test.sqlite3'}"
    _migrate(url, base)
    return url


@contextmanager
def scratch_postgres_database(prefix: str) -> Iterator[str]:
    """An empty PostgreSQL database of the test's own (its URL), dropped at the end; skips without PostgreSQL
    (fails under CI=true)."""
    admin_url = _pg_admin_url()
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no PostgreSQL here"
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database for this run (and xdist worker), dropped at the end."""
    with scratch_postgres_database("tuoyu_test") as url:
        _migrate(url, tmp_path_factory.mktemp("pg"))
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture
def clock_start() -> datetime:
    """Where ``clock`` starts: T0, unless a folder's conftest overrides this fixture."""
    return T0


@pytest.fixture
def clock(clock_start: datetime) -> FakeClock:
    """The injected clock of every test: it moves only when the test says so (``clock.advance(minutes=10)``)."""
    return FakeClock(current=clock_start)


@pytest.fixture
def app(database_url: str, clock: FakeClock, tmp_path: Path) -> Iterator:
    from server import create_app
    from server.database import db

    app = create_app({**FAST_TEST_CONFIG, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path),
                      "CLOCK": clock})
    with app.app_context():
        yield app
        db.session.remove()
        try:
            _empty_tables(db)
        finally:
            db.engine.dispose()


def _empty_tables(db, attempts: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Empty every table for the next test, and restart the ids.

    PostgreSQL: DELETE, children first, then every sequence back to 1 in one statement. A TRUNCATE of the ~70
    tables cost about half a second a test (it makes new files for every table and index); DELETE of a test's few
    rows costs a few milliseconds. A request thread of a live server (a browser test's last poll) may still hold
    locks: if the DELETE deadlocks with it, PostgreSQL aborts one of the two and the emptying is tried again.
    """
    from sqlalchemy.exc import OperationalError

    tables = [t.name for t in db.metadata.sorted_tables]
    for attempt in range(attempts):
        try:
            with db.engine.begin() as conn:
                for table in reversed(tables):
                    conn.execute(text(f'DELETE FROM "{table}"'))
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                                      "FROM pg_sequences WHERE schemaname = current_schema()"))
            return
        except OperationalError as exc:
            if "deadlock" not in str(exc) or attempt == attempts - 1:
                raise


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The `app` fixture keeps an app context open for factories; without this, requests would share
    its `g` and its database session. The test's own session is committed first, so its data is
    visible and it holds no SQLite write lock while the request runs.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from server.database import db

        db.session.commit()
        token = _cv_app.set(None)  # type: ignore[arg-type]
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def session_client(app):  # type: ignore[no-untyped-def]
    """A new browser-like client logged in through the form (session cookie): ``session_client(login)``.

    ``who`` is a ``tests.factories.Login`` or a user name; the password is the one ``make_login`` gives.
    """
    from tests.sessions import PASSWORD, log_in

    def open_as(who, password: str = PASSWORD) -> FlaskClient:  # type: ignore[no-untyped-def]
        app.test_client_class = FreshContextClient
        client = app.test_client()
        log_in(client, who if isinstance(who, str) else who.user.username, password)
        return client

    return open_as


@pytest.fixture
def live_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app served by werkzeug on 127.0.0.1 in a thread, for the real device uplinks to talk to.

    Commit the test's own session before a device calls: on SQLite every transaction holds the write lock.
    """
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium (Playwright's own browser download is not available here)."""
    if not shutil.which(CHROMIUM):
        if IN_CI:
            pytest.fail(f"chromium is required under CI=true ({CHROMIUM})")
        pytest.skip(f"chromium not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        # As root in a sandbox without network: no sandbox, no background calls home.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()
