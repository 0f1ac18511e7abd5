"""The demo tests' database: a test marked ``seeded_demo(days)`` starts on a copy of the demo seeded once per worker.

Seeding the demo costs seconds; several tests begin with the very same ``seed_demo(code="demo", now=MONDAY_MORNING,
history_days=days)`` and then only read, or add to it. Each database (SQLite, PostgreSQL) gets one template per
``days``, seeded on first use through the same operations, with the same clock; every marked test then runs on its
own copy of it (SQLite: the backup API into the test's file; PostgreSQL: ``CREATE DATABASE ... TEMPLATE``), with a
copy of the template's instance folder (the message attachments), and the copy is thrown away afterwards. Tests that
seed otherwise (another ``now``, a second seed of the same code, ``story=``) keep seeding themselves.
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from hardware.clock import FakeClock
from tests.conftest import FAST_TEST_CONFIG, T0, _empty_tables, _migrate, _pg_admin_url

MONDAY_MORNING = datetime(2026, 9, 7, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai: the seeded tests' `now`


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "seeded_demo(days): start on a copy of the demo seeded with that history")


def _sqlite_copy(source: str, target: Path) -> str:
    """Copy a SQLite database (by URL) into ``target`` with the backup API; the copy's URL."""
    src = sqlite3.connect(make_url(source).database)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return f"sqlite:///{target}"


class DemoTemplates:
    """Seeded templates of this worker, by (database, days), and the per-test copies made of them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.templates: dict[tuple[str, int], tuple[str, Path]] = {}
        self.admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")

    def _pg_create(self, template: str | None) -> str:
        name = f"tuoyu_demo_{secrets.token_hex(6)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        return make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)

    def _pg_drop(self, url: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))

    def _copy(self, url: str, into: Path) -> str:
        if url.startswith("sqlite"):
            return _sqlite_copy(url, into / "demo.sqlite3")
        return self._pg_create(make_url(url).database or "")

    def template(self, empty_url: str, days: int) -> tuple[str, Path]:
        """The (URL, instance folder) of the demo seeded with ``days`` of history on this database, seeded once."""
        key = (make_url(empty_url).get_backend_name(), days)
        if key not in self.templates:
            from server import create_app
            from server.database import db
            from server.demo.seed import seed_demo

            folder = self.root / f"{key[0]}-{days}"
            instance = folder / "instance"
            instance.mkdir(parents=True)
            # The worker's migrated database holds no rows between tests: the template starts as a copy of it (on
            # PostgreSQL, unless a connection to it is still open elsewhere: then a new database, migrated).
            try:
                url = self._copy(empty_url, folder)
            except OperationalError:
                url = self._pg_create(None)
                _migrate(url, folder)
            # The clock every test starts with (the `clock` fixture's), as when each test seeded for itself.
            app = create_app({**FAST_TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": str(instance),
                              "CLOCK": FakeClock(current=T0)})
            with app.app_context():
                seed_demo(code="demo", now=MONDAY_MORNING, history_days=days)
                db.session.commit()
                db.session.remove()
                db.engine.dispose()
            self.templates[key] = (url, instance)
        return self.templates[key]

    def copy(self, empty_url: str, days: int, into: Path) -> tuple[str, Path]:
        """A copy of the template for this test: (its URL, its instance folder)."""
        url, instance = self.template(empty_url, days)
        shutil.copytree(instance, into / "instance")
        return self._copy(url, into), into / "instance"

    def discard(self, url: str) -> None:
        if not url.startswith("sqlite"):
            self._pg_drop(url)

    def close(self) -> None:
        for url, _ in self.templates.values():
            self.discard(url)
        self.admin.dispose()


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoTemplates]:
    templates = DemoTemplates(tmp_path_factory.mktemp("demo-templates"))
    yield templates
    templates.close()


@pytest.fixture
def app(request: pytest.FixtureRequest, database_url: str, clock: FakeClock, tmp_path: Path) -> Iterator:
    """The shared ``app``; on a copy of the seeded demo for a test marked ``seeded_demo(days)``."""
    from server import create_app
    from server.database import db

    marker = request.node.get_closest_marker("seeded_demo")
    url, instance = database_url, tmp_path
    templates: DemoTemplates | None = None
    if marker is not None:
        templates = request.getfixturevalue("demo_templates")
        url, instance = templates.copy(database_url, marker.args[0], tmp_path)
    app = create_app({**FAST_TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": str(instance), "CLOCK": clock})
    with app.app_context():
        yield app
        db.session.remove()
        try:
            if templates is None:
                _empty_tables(db)
        finally:
            db.engine.dispose()
    if templates is not None:
        templates.discard(url)
