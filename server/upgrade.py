"""Upgrades: the database's schema revision against the code's, the start-up refusal, and the backup `tuoyu upgrade` needs.

A server, scheduler or ingest process whose database schema is behind the code (an upgrade installed, `tuoyu upgrade`
not yet run) or ahead of it (the code rolled back without the database) would fail on its first query of a changed
table, or worse, write rows the schema no longer means. It refuses to start instead, naming both revisions and the
command to run (docs/upgrades.md). The commands that repair the schema (`tuoyu upgrade`, `tuoyu db ...`, `flask db`)
and every other admin command are exempt: they build the app inside a click command.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from server.backup.status import BackupStatus
from server.database import db

# app.config key (TUOYU_SCHEMA_CHECK): True enforces the check, False skips it; unset, it is enforced unless the app
# is built by a click command (the CLI) or for tests (TESTING: the suite builds its app before migrating).
SCHEMA_CHECK = "SCHEMA_CHECK"
UPGRADE_COMMAND = "tuoyu upgrade"


class Standing(StrEnum):
    CURRENT = "current"  # the database is at the code's head
    BEHIND = "behind"  # every revision of the database is known to the code, and is not the head
    AHEAD = "ahead"  # the database has a revision this code does not know: newer code migrated it
    EMPTY = "empty"  # never migrated (no alembic_version row)


@dataclass(frozen=True)
class SchemaState:
    """The revisions recorded in the database and the heads of the code's migrations."""

    database: tuple[str, ...]
    code: tuple[str, ...]
    known: frozenset[str]
    has_tables: bool

    @property
    def standing(self) -> Standing:
        if not self.database:
            return Standing.EMPTY
        if any(rev not in self.known for rev in self.database):
            return Standing.AHEAD
        return Standing.CURRENT if set(self.database) == set(self.code) else Standing.BEHIND

    @property
    def database_text(self) -> str:
        return ", ".join(self.database) or "-"

    @property
    def code_text(self) -> str:
        return ", ".join(self.code) or "-"


class SchemaMismatch(RuntimeError):
    """The database's schema is not the one this code was written for: the process must not start."""

    def __init__(self, state: SchemaState) -> None:
        self.state = state
        super().__init__(refusal_text(state))


def refusal_text(state: SchemaState) -> str:
    """What an operator reads when a process refuses to start (or `tuoyu upgrade` refuses a downgrade)."""
    db_rev, code_rev = state.database_text, state.code_text
    if state.standing is Standing.AHEAD:
        return (f"数据库结构比代码新（数据库 {db_rev}，代码 {code_rev}）：请安装与数据库匹配的新版本，或恢复升级前的备份 / "
                f"The database schema is AHEAD of this code (database at revision {db_rev}, code at {code_rev}): "
                f"install the version that migrated it, or restore the backup taken before the upgrade "
                f"(docs/upgrades.md, rolling back).")
    if state.standing is Standing.EMPTY:
        return (f"数据库尚未初始化（代码 {code_rev}）：请运行 `{UPGRADE_COMMAND}` / The database has no schema yet "
                f"(database at revision -, code at {code_rev}): run `{UPGRADE_COMMAND}`, then start again.")
    return (f"数据库结构落后于代码（数据库 {db_rev}，代码 {code_rev}）：请先备份，再运行 `{UPGRADE_COMMAND}` / "
            f"The database schema is BEHIND this code (database at revision {db_rev}, code at {code_rev}): "
            f"take a backup, run `{UPGRADE_COMMAND}`, then start again (docs/upgrades.md).")


@functools.cache
def _script(directory: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The heads and every revision of the migrations folder (read once a process: the code does not change)."""
    script = ScriptDirectory(directory)
    return tuple(sorted(script.get_heads())), frozenset(rev.revision for rev in script.walk_revisions())


def migrations_directory(app: Flask) -> str:
    return str(Path(app.extensions["migrate"].directory))


def read_state(connection: Connection, directory: str) -> SchemaState:
    """The schema state seen through an open connection."""
    heads, known = _script(directory)
    database = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    return SchemaState(database=database, code=heads, known=known,
                       has_tables=bool(inspect(connection).get_table_names()))


def schema_state(app: Flask) -> SchemaState:
    """The app's database against its migrations (opens and returns one connection)."""
    with app.app_context(), db.engine.connect() as connection:
        return read_state(connection, migrations_directory(app))


def enforced(app: Flask) -> bool:
    setting = app.config.get(SCHEMA_CHECK)
    if setting is None:
        return not app.testing and click.get_current_context(silent=True) is None
    return bool(setting)


def refuse_unless_current(app: Flask) -> None:
    """Raise SchemaMismatch unless the database is at the code's head."""
    state = schema_state(app)
    if state.standing is not Standing.CURRENT:
        raise SchemaMismatch(state)


def check_schema_at_start(app: Flask) -> None:
    """The app factory's check: a serving app (gunicorn loads it in each worker) refuses a mismatched schema.

    Raised in the worker's app loading, gunicorn logs the message and, as the worker never booted, stops the whole
    server ("Worker failed to boot", exit status 3) rather than serve errors. The connection is returned and the
    pool emptied, so nothing opened here outlives a fork.
    """
    if not enforced(app):
        return
    try:
        refuse_unless_current(app)
    except SchemaMismatch as exc:
        app.logger.critical("%s", exc)  # in the journal even if whoever loads the app swallows the exception
        raise
    finally:
        with app.app_context():
            db.engine.dispose()


def backup_refusal(status: BackupStatus | None, *, now: datetime, max_age: timedelta) -> str | None:
    """Why `tuoyu upgrade` must not run yet for want of a fresh, verified backup; None when it may."""
    hours = f"{max_age.total_seconds() / 3600:g}"
    if status is None:
        return ("没有已验证的备份：请先运行 `tuoyu backup` / No backup found: run `tuoyu backup` first "
                "(or --skip-backup-check, docs/upgrades.md).")
    if not status.verified:
        return (f"最近的备份未通过验证（{status.path}）/ The last backup was not verified ({status.path}): "
                "run `tuoyu backup` again.")
    finished = status.finished_at if status.finished_at.tzinfo else status.finished_at.replace(tzinfo=UTC)
    age = now - finished
    if age > max_age:
        return (f"最近的备份已超过 {hours} 小时（{age_text(age)}前，{status.path}）：请先运行 `tuoyu backup` / "
                f"The last verified backup is older than {hours} h ({age_text(age)} ago, {status.path}): "
                "run `tuoyu backup` first (or raise --max-backup-age-hours).")
    return None


def age_text(age: timedelta) -> str:
    hours, rest = divmod(int(age.total_seconds()), 3600)
    return f"{hours} h {rest // 60:02d} min"
