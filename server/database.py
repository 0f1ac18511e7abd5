"""The one SQLAlchemy handle, the declarative base and the column types every domain shares."""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from prometheus_client import Gauge, Histogram
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool
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


WRITE_LOCK_WAIT = Histogram(
    "tuoyu_sqlite_write_lock_wait_seconds", "SQLite: time a writer waited in the writers' queue and for BEGIN IMMEDIATE",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
WRITE_LOCK_WAIT_MAX = Gauge("tuoyu_sqlite_write_lock_wait_max_seconds",
                            "SQLite: the longest wait for the write lock since the process started",
                            multiprocess_mode="max")
_longest_wait = [0.0]


def _waited(seconds: float) -> None:
    WRITE_LOCK_WAIT.observe(seconds)
    if seconds > _longest_wait[0]:
        _longest_wait[0] = seconds
        WRITE_LOCK_WAIT_MAX.set(seconds)


class QueuedConnection(sqlite3.Connection):
    """A SQLite connection whose writers queue on a lock file (``<database>-writers``) before asking for the lock.

    SQLite lets a waiting writer sleep in its busy handler, polling in steps of up to 100 ms, so under contention a
    write waits up to 100 ms after the lock was freed, and threads of one process wait for each other the same way.
    Queued on ``flock`` the kernel wakes a waiter the moment the holder commits (the holder leaves the queue only
    after its COMMIT or ROLLBACK), so the lock passes from writer to writer at once, across threads and processes.
    Anything that writes without queueing (the sqlite3 shell, a backup) still meets SQLite's own busy handler.
    """

    _queue_fd: int | None = None
    _queued = False
    _held_by: set[int] | None = None  # the places-held set of the thread that joined (another may release)

    def open_writer_queue(self) -> None:
        path = self.execute("PRAGMA database_list").fetchone()[2]
        if path:  # an in-memory or temporary database has no file and no other connection to wait for
            self._queue_fd = os.open(path + "-writers", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def begin_immediate(self) -> None:
        """BEGIN IMMEDIATE, first waiting in the writers' queue (unless this thread already holds a place)."""
        began = time.perf_counter()
        self._join_queue()
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.leave_queue()
            raise
        _waited(time.perf_counter() - began)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_queue()

    def close(self) -> None:
        try:
            super().close()  # ends any transaction (and SQLite's lock) before the next writer is let in
        finally:
            self.leave_queue()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None

    def __del__(self) -> None:  # never leave a place in the queue to a connection nobody closed
        self.leave_queue()
        if self._queue_fd is not None:
            os.close(self._queue_fd)
            self._queue_fd = None

    def leave_queue(self) -> None:
        """Give the place back (idempotent).

        After COMMIT or ROLLBACK, on close, and when the pool takes the connection back (a transaction ended by a
        raw COMMIT statement skips the pool's rollback).
        """
        if self._queued and self._queue_fd is not None:
            self._queued = False
            if self._held_by is not None:
                self._held_by.discard(id(self))
                self._held_by = None
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def _join_queue(self) -> None:
        held = _queue_places_held()
        # A thread that already writes through another connection would wait for itself for ever here; it skips
        # the queue and meets SQLite's busy timeout instead, as it would without the queue.
        if self._queue_fd is None or self._queued or held:
            return
        fcntl.flock(self._queue_fd, fcntl.LOCK_EX)  # releases the GIL while it waits
        self._queued, self._held_by = True, held
        held.add(id(self))


@event.listens_for(Pool, "checkin")
def _leave_queue_on_checkin(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, QueuedConnection):
        dbapi_connection.leave_queue()


_thread_places = threading.local()


def _queue_places_held() -> set[int]:
    """The writers'-queue places this thread holds (by connection), so it never queues behind itself."""
    held = getattr(_thread_places, "held", None)
    if held is None:
        held = _thread_places.held = set()
    return held


@event.listens_for(Engine, "do_connect")
def _sqlite_queued_connection(dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
    if dialect.name == "sqlite":
        cparams.setdefault("factory", QueuedConnection)


def _begin_immediate(dbapi_connection: Any) -> None:
    if isinstance(dbapi_connection, QueuedConnection):
        dbapi_connection.begin_immediate()
    else:
        dbapi_connection.execute("BEGIN IMMEDIATE")


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
    if isinstance(dbapi_connection, QueuedConnection):
        dbapi_connection.open_writer_queue()


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


def read_before_writing(view: Any) -> Any:
    """Mark a view whose POST does slow reading work (a password hash) before it writes.

    Its request begins DEFERRED like a GET's, so that work runs without SQLite's write lock, and runs again should
    its snapshot go stale (server/__init__.py). Only for views whose every effect before the first write is in the
    database.
    """
    view.reads_first = True
    return view


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
        _begin_immediate(dbapi)
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
    _begin_immediate(dbapi)
    if state == "read" and dbapi.execute("PRAGMA data_version").fetchone()[0] != read_version:
        raise SnapshotStale("another writer committed after this unit of work read")
