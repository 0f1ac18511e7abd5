"""The database half of a backup: an online copy (SQLite backup API, pg_dump -Fc), its restore, and its state.

State is read from the very snapshot that is copied: the audit chain heads, the schema revision and, per device,
the events the copy holds (a restore report compares them with the database it replaces).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Connection, make_url

Progress = Callable[[int, int], None]
"""progress(done, total) in pages (SQLite) or bytes."""

SQLITE_STEP_PAGES = 1024
SQLITE_MAX_RESTARTS = 3


class BackupFailed(RuntimeError):
    """A copy, restore or check could not be done."""


@dataclass(frozen=True)
class DeviceHoldings:
    """What one database holds of one device's delivered events."""

    device_id: str
    name: str
    centre_id: int
    events: int
    last_received_at: str | None
    last_created_at: str | None


@dataclass(frozen=True)
class DatabaseState:
    revision: str | None
    heads: dict[str, dict[str, Any]]  # chain -> {"seq", "head_hash"}
    devices: list[DeviceHoldings]

    def as_json(self) -> dict[str, Any]:
        return {"schema_revision": self.revision, "chain_heads": self.heads,
                "devices": [d.__dict__ for d in self.devices]}


def kind_of(url: str | URL) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupFailed(f"unsupported database: {name}")
    return name


def sqlite_path(url: str | URL) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupFailed("an in-memory SQLite database cannot be backed up")
    return Path(database)


def instant(value: Any) -> str | None:
    """A stored instant as ISO text in UTC (SQLite keeps naive UTC text, PostgreSQL aware datetimes)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def read_state(conn: Connection) -> DatabaseState:
    """Chain heads, schema revision and per-device holdings, read through `conn` (inside its snapshot)."""
    revision = (conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if inspect(conn).has_table("alembic_version") else None)
    heads = {row.chain: {"seq": int(row.seq), "head_hash": row.head_hash}
             for row in conn.execute(text("SELECT chain, seq, head_hash FROM audit_head ORDER BY chain"))}
    devices = [DeviceHoldings(row.device_id, row.name, int(row.centre_id), int(row.events),
                              instant(row.last_received), instant(row.last_created))
               for row in conn.execute(text(
                   "SELECT d.device_id, d.name, d.centre_id, count(e.id) AS events, max(e.received_at) AS last_received,"
                   " max(e.created_at) AS last_created FROM device d LEFT JOIN device_event e ON e.device_pk = d.id"
                   " GROUP BY d.id, d.device_id, d.name, d.centre_id ORDER BY d.device_id"))]
    return DatabaseState(revision, heads, devices)


@dataclass(frozen=True)
class DeliveredEvent:
    device_id: str
    centre_id: int
    key: str
    kind: str
    created_at: str | None
    received_at: str | None


def delivered_events(conn: Connection) -> Iterator[DeliveredEvent]:
    """Every event key a database holds, per device (the dedupe rows: what devices were told is stored)."""
    for row in conn.execute(text(
            "SELECT d.device_id, d.centre_id, e.key, e.kind, e.created_at, e.received_at FROM device_event e "
            "JOIN device d ON d.id = e.device_pk ORDER BY d.device_id, e.id")):
        yield DeliveredEvent(row.device_id, int(row.centre_id), row.key, row.kind, instant(row.created_at),
                             instant(row.received_at))


def audit_entry_hash(conn: Connection, chain: str, seq: int) -> str | None:
    return conn.execute(text("SELECT entry_hash FROM audit_entry WHERE chain = :chain AND seq = :seq"),
                        {"chain": chain, "seq": seq}).scalar()


def has_schema(url: str | URL) -> bool:
    """Whether a database with tables is there (a restore over it needs --yes)."""
    if kind_of(url) == "sqlite" and not sqlite_path(url).exists():
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if kind_of(url) == "sqlite":
                return bool(conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'table'")).scalar())
            return bool(conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"))
                        .scalar())
    except Exception:  # noqa: BLE001 - unreachable or unreadable: nothing to protect from being replaced
        return False
    finally:
        engine.dispose()


def read_state_of(url: str | URL) -> tuple[DatabaseState, list[DeliveredEvent]] | None:
    """The state and delivered events of a database, or None if it cannot be read (lost, empty, not migrated)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return read_state(conn), list(delivered_events(conn))
    except Exception:  # noqa: BLE001 - a lost or empty database is what a restore is for
        return None
    finally:
        engine.dispose()


# -- SQLite -------------------------------------------------------------------------------------------------------


def _sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress | None) -> None:
    """The backup API in steps, with progress between them.

    A step after another connection wrote restarts the copy, so the result is always one consistent snapshot; after a few restarts under a busy writer it copies in one
    step, holding a read snapshot (WAL: writers go on meanwhile).
    """

    class Restarted(Exception):
        pass

    seen_remaining: list[int] = []

    def step(status: int, remaining: int, total: int) -> None:
        if seen_remaining and remaining >= seen_remaining[-1]:  # a step made no headway: it started again
            raise Restarted()
        seen_remaining.append(remaining)
        if progress is not None:
            progress(total - remaining, total)

    for _ in range(SQLITE_MAX_RESTARTS):
        seen_remaining.clear()
        try:
            source.backup(target, pages=SQLITE_STEP_PAGES, progress=step)
            return
        except Restarted:
            continue
    source.backup(target, pages=-1, progress=step if progress else None)


def dump_sqlite(url: str | URL, destination: Path, progress: Progress | None = None) -> DatabaseState:
    source = sqlite3.connect(sqlite_path(url), timeout=30)
    target = sqlite3.connect(destination)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        _sqlite_copy(source, target, progress)
    finally:
        target.close()
        source.close()
    return state_of_sqlite_file(destination)


def state_of_sqlite_file(path: Path) -> DatabaseState:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return read_state(conn)
    finally:
        engine.dispose()


def sqlite_integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()


def restore_sqlite(copy: Path, url: str | URL, progress: Progress | None = None) -> None:
    """Copy `copy` page by page over the live database file through SQLite itself (WAL and locks respected)."""
    target_path = sqlite_path(url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(copy)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        target.execute("PRAGMA busy_timeout=30000")
        source.backup(target, pages=SQLITE_STEP_PAGES,
                      progress=(lambda _s, remaining, total: progress(total - remaining, total)) if progress else None)
    finally:
        target.close()
        source.close()


# -- PostgreSQL ---------------------------------------------------------------------------------------------------


def _libpq(url: str | URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and an environment carrying it (never on a command line)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupFailed(f"{command[0]} not found: install Debian's postgresql-client") from exc
    if done.returncode != 0:
        raise BackupFailed(f"{what} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def dump_postgres(url: str | URL, destination: Path) -> DatabaseState:
    """pg_dump -Fc of the snapshot whose heads and holdings are read here (an exported snapshot shared with it)."""
    engine = create_engine(url)
    try:
        with engine.connect() as plain, plain.execution_options(isolation_level="REPEATABLE READ") as conn, \
                conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            state = read_state(conn)
            libpq, env = _libpq(url)
            _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", "-f",
                  str(destination), "-d", libpq], env, "pg_dump")
    finally:
        engine.dispose()
    return state


def restore_postgres(dump: Path, url: str | URL, workdir: Path) -> None:
    """Replace every table of the database's schema with the dump's, in ONE transaction (all or nothing)."""
    script = workdir / "restore.sql"
    libpq, env = _libpq(url)
    _run(["pg_restore", "--no-owner", "--no-privileges", "-f", str(script), str(dump)], env, "pg_restore")
    drop = workdir / "drop.sql"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            statements = [
                *(f'DROP VIEW IF EXISTS "{name}" CASCADE;' for name in conn.execute(text(
                    "SELECT viewname FROM pg_views WHERE schemaname = current_schema()")).scalars()),
                *(f'DROP TABLE IF EXISTS "{name}" CASCADE;' for name in conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()),
                *(f'DROP SEQUENCE IF EXISTS "{name}" CASCADE;' for name in conn.execute(text(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")).scalars()),
                *(f'DROP TYPE IF EXISTS "{name}" CASCADE;' for name in conn.execute(text(
                    "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = current_schema() AND t.typtype = 'e'")).scalars()),
            ]
    finally:
        engine.dispose()
    drop.write_text("\n".join(statements) + "\n", encoding="utf-8")
    _run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", str(drop), "-f", str(script),
          "-d", libpq], env, "psql restore")


@contextmanager
def scratch_postgres(url: str | URL) -> Iterator[str]:
    """A temporary database on the same server (created and dropped with the same account)."""
    admin_url = make_url(url).set(database="postgres")
    name = f"tuoyu_verify_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001 - any refusal: say what the account needs
            raise BackupFailed(f"cannot create the scratch database to verify in ({exc.__class__.__name__}: "
                               f"{str(exc).splitlines()[0][:200]}); the database account needs CREATEDB "
                               "(ALTER ROLE <account> CREATEDB), docs/backup.md") from exc
        try:
            yield make_url(url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
