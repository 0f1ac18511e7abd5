"""The shared test database moved off its head for one test (and put back), and backups as `tuoyu backup` records them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from server.backup.status import BackupStatus, record_backup
from server.database import db
from server.upgrade import schema_state

UNKNOWN_REVISION = "ffff00000000"  # what a newer release's migration might be called: no file of this code has it


@pytest.fixture
def head(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The code's head; a revision label a test changed is put back afterwards (the tables were never touched)."""
    state = schema_state(app)
    assert len(state.code) == 1
    yield state.code[0]
    db.session.rollback()
    if schema_state(app).database != state.code:
        set_label(state.code[0])


def previous_revision(app, revision: str) -> str:  # type: ignore[no-untyped-def]
    from alembic.script import ScriptDirectory

    from server.upgrade import migrations_directory

    down = ScriptDirectory(migrations_directory(app)).get_revision(revision).down_revision
    assert isinstance(down, str)
    return down


def set_label(revision: str | None) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        if revision:
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})


@pytest.fixture
def one_behind(app, head: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Undo the newest migration for real: the database is one revision behind the code (migrated back after)."""
    db.session.commit()
    downgrade(revision="-1")
    (revision,) = schema_state(app).database
    assert revision == previous_revision(app, head)
    yield revision
    db.session.rollback()
    if schema_state(app).database == (revision,):
        upgrade()


@pytest.fixture
def labelled_behind(app, head: str, record_as) -> str:  # type: ignore[no-untyped-def]
    """The database's label says one revision behind (the check reads only the label): cheaper than a downgrade."""
    revision = previous_revision(app, head)
    record_as(revision)
    return revision


@pytest.fixture
def record_as(app) -> Callable[[str], None]:  # type: ignore[no-untyped-def]
    """Point the database's alembic_version at a revision (a label only: the tables stay as they are)."""

    def point(revision: str | None) -> None:
        db.session.commit()
        set_label(revision)

    return point


@pytest.fixture
def backed_up(app) -> Callable[..., BackupStatus]:  # type: ignore[no-untyped-def]
    """Record a backup that finished `ago` before now, as the backup command does."""

    def record(now: datetime, ago: timedelta, *, verified: bool = True) -> BackupStatus:
        status = BackupStatus(finished_at=now - ago, path=f"{app.instance_path}/backups/tuoyu-test.tar",
                              verified=verified, size_bytes=1234)
        record_backup(app.instance_path, status)
        return status

    return record
