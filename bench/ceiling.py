"""The stack's ceiling for reading ingest: the same rows inserted into ``env_reading`` with the driver's own
``executemany`` and one commit per batch (no validation, no dedup answer, no roll-ups). Shared by the HTTP and
MQTT ingest benchmarks so both compare against the same figure."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

COLUMNS = "source_id, sequence, quantity, centre_id, point, sensor, at, value, fault, received_at"


def _sqlite_time(at: datetime) -> str:
    return at.replace(tzinfo=None).isoformat(" ", "microseconds")  # as UTCDateTime stores it


def executemany_seconds(connection: Any, sqlite: bool, batches: list[list[tuple]]) -> float:
    """Seconds to insert ``batches`` (rows in COLUMNS order, aware UTC times) on a DB-API connection."""
    if sqlite:
        batches = [[(*r[:6], _sqlite_time(r[6]), r[7], r[8], _sqlite_time(r[9])) for r in rows] for rows in batches]
    sql = f"INSERT INTO env_reading ({COLUMNS}) VALUES ({', '.join(['?' if sqlite else '%s'] * 10)})"
    cursor = connection.cursor()
    start = time.perf_counter()
    for rows in batches:
        if sqlite:  # autocommit mode (the app's own connections, and the bench's): open the transaction
            cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany(sql, rows)
        connection.commit() if not sqlite else cursor.execute("COMMIT")
    elapsed = time.perf_counter() - start
    cursor.close()
    return elapsed
