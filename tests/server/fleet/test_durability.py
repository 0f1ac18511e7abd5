"""An acknowledgement means on disk: every connection the server uses waits for the disk before a commit returns.

Devices delete an event once the server acknowledged it, so a commit the database may still lose on a power
cut (SQLite WAL with ``synchronous=NORMAL``, PostgreSQL with ``synchronous_commit=off``) loses it for ever.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from server.database import UnsafeDatabaseSettings, db

POOLED = 4
# PRAGMA synchronous answers a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
DURABLE = {"sqlite": ("PRAGMA synchronous", 2), "postgresql": ("SHOW synchronous_commit", "on")}


def test_every_connection_of_the_pool_waits_for_the_disk_before_a_commit_returns(app) -> None:
    query, durable = DURABLE[db.engine.dialect.name]
    held = [db.engine.raw_connection() for _ in range(POOLED)]  # all checked out at once: distinct connections
    try:
        settings = []
        for connection in held:
            cursor = connection.cursor()
            cursor.execute(query)
            settings.append(cursor.fetchone()[0])
            cursor.close()
        distinct = len({id(connection.dbapi_connection) for connection in held})
    finally:
        for connection in held:
            connection.close()

    assert (distinct, settings) == (POOLED, [durable] * POOLED)


def test_a_postgres_server_that_would_acknowledge_before_the_disk_is_refused(postgres_url: str) -> None:
    engine = create_engine(postgres_url, connect_args={"options": "-c synchronous_commit=off"})
    try:
        with pytest.raises(UnsafeDatabaseSettings, match="synchronous_commit is off"):
            engine.connect().close()
    finally:
        engine.dispose()
