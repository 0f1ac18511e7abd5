"""The one SQLAlchemy handle, the declarative base and the column types every domain shares."""

from __future__ import annotations

import sqlite3
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


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        # IMMEDIATE takes the write lock up front: a deferred transaction that read first
        # and writes later fails with SQLITE_BUSY_SNAPSHOT under concurrent writers
        # instead of waiting. This serialises writers, which SQLite does anyway.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
