"""The one SQLAlchemy handle, the declarative base and the column types every domain shares."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic can alter them (and SQLite batch mode can rebuild tables).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, always aware UTC in Python; refuses naive datetimes so local time never leaks in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime refused: {value!r}")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: store UTC without offset, re-attach it on load.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


SQLITE_SYNCHRONOUS = "FULL"
"""Every commit is fsynced before it returns. A device deletes an event once the server acknowledged it, so an
acknowledged commit lost to a power cut (WAL with NORMAL: 463 of 1 207 acknowledged events over 10 simulated
cuts; 0 with FULL) is lost for ever. The cost: docs/outbox-uplink.md, "An acknowledgement means on disk"."""


class UnsafeDatabaseSettings(RuntimeError):
    """The database would acknowledge commits it may still lose on a crash."""


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        _check_postgres_durability(dbapi_connection)
        return
    # Let SQLAlchemy's "begin" event below own transaction start (pysqlite's own is broken).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    cursor.close()


def _check_postgres_durability(dbapi_connection: Any) -> None:
    """Refuse a PostgreSQL connection whose commits return before they are on disk (``synchronous_commit``).

    ``off`` (set on the server, the database or the role) acknowledges a commit before its WAL is flushed:
    a crash loses the last acknowledged transactions, which devices have already deleted. ``local``,
    ``remote_write``, ``on`` and ``remote_apply`` all flush the local WAL first.
    """
    if type(dbapi_connection).__module__.split(".", 1)[0] not in ("psycopg", "psycopg2"):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SHOW synchronous_commit")
        row = cursor.fetchone()
    finally:
        cursor.close()
    if not dbapi_connection.autocommit:
        dbapi_connection.rollback()  # SHOW opened a transaction; hand the connection over clean
    if row is not None and str(row[0]).lower() == "off":
        raise UnsafeDatabaseSettings(
            "PostgreSQL synchronous_commit is off: acknowledged events could be lost on a crash; "
            "set it to on (ALTER DATABASE ... SET synchronous_commit = on)")


class SnapshotStale(Exception):
    """SQLite: another connection committed after this unit of work read and before it could write.

    What it read may be stale, so it must run again from the start (:func:`writes_from_the_start` makes the
    second run take the write lock at once). Raised at the first write; the session layer retries, never an
    operation (server/__init__.py for requests).
    """


_BEGIN_IMMEDIATE: ContextVar[bool] = ContextVar("tuoyu_sqlite_begin_immediate", default=True)
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
_TX = "tuoyu.sqlite_tx"  # per DBAPI connection, this transaction: "writing", or deferred: "fresh", then "read"


@contextmanager
def reads_first() -> Iterator[None]:
    """SQLite transactions begun inside begin DEFERRED, reading without the write lock until their first write.

    That write takes the lock, checking that nobody committed since they began reading (else :class:`SnapshotStale`).

    For work that mostly reads (page renders, API reads, stream polls); work that writes from its start (a kiosk
    batch, the CLI, jobs) keeps the default, BEGIN IMMEDIATE. No effect on PostgreSQL.
    """
    token = _BEGIN_IMMEDIATE.set(False)
    try:
        yield
    finally:
        _BEGIN_IMMEDIATE.reset(token)


@contextmanager
def writes_from_the_start() -> Iterator[None]:
    """SQLite transactions begun inside begin IMMEDIATE (the default; used for the retry after a stale snapshot)."""
    token = _BEGIN_IMMEDIATE.set(True)
    try:
        yield
    finally:
        _BEGIN_IMMEDIATE.reset(token)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    if conn.dialect.name != "sqlite":
        return
    dbapi = conn.connection.dbapi_connection
    if _BEGIN_IMMEDIATE.get():
        # IMMEDIATE takes the write lock up front (waiting for it under busy_timeout): a deferred transaction
        # that read first and writes later gets SQLITE_BUSY at once, without waiting, while another writer holds
        # the lock, so a reader is upgraded below instead.
        dbapi.execute("BEGIN IMMEDIATE")
        conn.info[_TX] = "writing"
    else:
        dbapi.execute("BEGIN")
        conn.info[_TX] = "fresh"


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_upgrade_before_first_write(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    """A reading transaction about to write: take the write lock the waiting way, then check the snapshot.

    SQLite cannot upgrade a read transaction and wait, so it ends the read (nothing written yet), begins
    IMMEDIATE (waiting for the lock like any writer) and compares ``PRAGMA data_version``: unchanged, nobody
    committed since the reads began and they still hold, so the transaction goes on as a writer; changed, the
    unit of work must run again (:class:`SnapshotStale`).
    """
    if conn.dialect.name != "sqlite":
        return
    state = conn.info.get(_TX)
    if state not in ("fresh", "read"):
        return
    if not _WRITE.match(statement):
        conn.info[_TX] = "read"
        return
    dbapi = conn.connection.dbapi_connection
    conn.info[_TX] = "writing"
    if conn.in_nested_transaction():  # a savepoint would not survive the COMMIT: run again, writing from the start
        raise SnapshotStale("first write inside a savepoint of a reading transaction")
    read_version = dbapi.execute("PRAGMA data_version").fetchone()[0]
    try:
        dbapi.execute("COMMIT")
    except sqlite3.OperationalError as exc:  # e.g. a read still in progress on this connection
        raise SnapshotStale(f"could not end the reading transaction: {exc}") from exc
    dbapi.execute("BEGIN IMMEDIATE")
    if state == "read" and dbapi.execute("PRAGMA data_version").fetchone()[0] != read_version:
        raise SnapshotStale("another writer committed after this unit of work read")
