"""Minute and hour roll-ups, kept at ingest: sum and count merge by addition, so late readings fit in anywhere."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, delete, func

from server.database import db
from server.environment.models import HourRollup, MinuteRollup, Reading, ReadingRow, Series
from server.environment.operations.upsert import dialect_name, greatest, insert_for, least
from server.environment.settings import EnvironmentSettings

Key = tuple[str, str, datetime]


def floor_minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def good_values(rows: Iterable[ReadingRow]) -> list[ReadingRow]:
    """Rows that count in means: a value, and no fault."""
    return [r for r in rows if r.fault is None and r.value is not None]


def _minutes(rows: list[ReadingRow]) -> dict[tuple[str, str, int], list[float]]:
    """(point, quantity, minute number since the epoch) -> [n, total, low, high]."""
    buckets: dict[tuple[str, str, int], list[float]] = {}
    last_at, minute = None, 0
    for row in rows:
        if row.at is not last_at:  # a sample's rows share one time: convert it once
            last_at, minute = row.at, int(row.at.timestamp()) // 60
        key = (row.point, row.quantity, minute)
        value: float = row.value  # type: ignore[assignment]
        bucket = buckets.get(key)
        if bucket is None:
            buckets[key] = [1, value, value, value]
        else:
            bucket[0] += 1
            bucket[1] += value
            if value < bucket[2]:
                bucket[2] = value
            if value > bucket[3]:
                bucket[3] = value
    return buckets


def _hours(minutes: dict[tuple[str, str, int], list[float]]) -> dict[tuple[str, str, int], list[float]]:
    """The same figures merged into hours (fewer minute buckets than rows to walk)."""
    buckets: dict[tuple[str, str, int], list[float]] = {}
    for (point, quantity, minute), (n, total, low, high) in minutes.items():
        key = (point, quantity, minute // 60)
        bucket = buckets.get(key)
        if bucket is None:
            buckets[key] = [n, total, low, high]
        else:
            bucket[0] += n
            bucket[1] += total
            bucket[2] = min(bucket[2], low)
            bucket[3] = max(bucket[3], high)
    return buckets


def _timed(buckets: dict[tuple[str, str, int], list[float]], seconds: int) -> dict[Key, list[float]]:
    return {(p, q, datetime.fromtimestamp(b * seconds, UTC)): v for (p, q, b), v in buckets.items()}


@lru_cache(maxsize=8)
def _upsert_statement(table: Table, dialect: str) -> Any:
    # Built once per table and dialect: building it costs more than a 500-reading batch's insert.
    stmt = insert_for(table)
    return stmt.on_conflict_do_update(
        index_elements=["centre_id", "point", "quantity", "at"],
        set_={"n": table.c.n + stmt.excluded.n, "total": table.c.total + stmt.excluded.total,
              "low": least(table.c.low, stmt.excluded.low), "high": greatest(table.c.high, stmt.excluded.high)},
    )


@lru_cache(maxsize=4)
def _sqlite_upsert_sql(table: str) -> str:
    return (f"INSERT INTO {table} (centre_id, point, quantity, at, n, total, low, high) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (centre_id, point, quantity, at) DO UPDATE SET "
            f"n = {table}.n + excluded.n, total = {table}.total + excluded.total, "
            f"low = min({table}.low, excluded.low), high = max({table}.high, excluded.high)")


def _upsert(table: Table, centre_id: int, buckets: dict[Key, list[float]]) -> None:
    if not buckets:
        return
    dialect = dialect_name()
    if dialect == "sqlite":
        # On the driver's own cursor, times as SQLAlchemy stores them (naive UTC text): its per-value processing
        # cost several times the database's work on a month of minutes (bench/demo_seed.py). Unsorted: SQLite
        # has one writer, so no lock order to keep.
        texts: dict[datetime, str] = {}
        rows = []
        for (p, q, at), b in buckets.items():
            text = texts.get(at)
            if text is None:
                text = texts[at] = at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            rows.append((centre_id, p, q, text, int(b[0]), b[1], b[2], b[3]))
        cursor = db.session.connection().connection.cursor()
        try:
            cursor.executemany(_sqlite_upsert_sql(table.name), rows)
        finally:
            cursor.close()
        return
    stmt = _upsert_statement(table, dialect)
    # Sorted, so concurrent batches on PostgreSQL lock the same rows in the same order (no deadlock).
    values = [{"centre_id": centre_id, "point": p, "quantity": q, "at": at, "n": int(b[0]), "total": b[1],
               "low": b[2], "high": b[3]} for (p, q, at), b in sorted(buckets.items())]
    db.session.execute(stmt, values)


def _spans(rows: list[ReadingRow]) -> dict[tuple[str, str], list[datetime]]:
    """(point, quantity) -> [oldest, newest] sample time."""
    spans: dict[tuple[str, str], list[datetime]] = {}
    for row in rows:
        at = row.at
        span = spans.setdefault((row.point, row.quantity), [at, at])
        if at < span[0]:
            span[0] = at
        elif at > span[1]:
            span[1] = at
    return spans


def _touch_series(centre_id: int, spans: dict[tuple[str, str], list[datetime]]) -> None:
    """Note the newest sample and the oldest not yet evaluated, per point and quantity."""
    stmt = _series_statement(dialect_name())
    db.session.execute(stmt, [{"centre_id": centre_id, "point": p, "quantity": q, "first_at": lo, "last_at": hi,
                               "dirty_from": lo} for (p, q), (lo, hi) in sorted(spans.items())])


@lru_cache(maxsize=4)
def _series_statement(dialect: str) -> Any:
    table = Series.__table__
    stmt = insert_for(table)
    return stmt.on_conflict_do_update(
        index_elements=["centre_id", "point", "quantity"],
        set_={"first_at": least(table.c.first_at, stmt.excluded.first_at),
              "last_at": greatest(table.c.last_at, stmt.excluded.last_at),
              "dirty_from": func.coalesce(least(table.c.dirty_from, stmt.excluded.dirty_from),
                                          stmt.excluded.dirty_from)},
    )


@dataclass(frozen=True)
class Rollups:
    """What a set of rows adds to the minute and hour roll-ups and the series bookkeeping (no database)."""

    minutes: dict[Key, list[float]]
    hours: dict[Key, list[float]]
    spans: dict[tuple[str, str], list[datetime]]


def rollups_of(rows: list[ReadingRow]) -> Rollups:
    good = good_values(rows)
    minutes = _minutes(good)
    return Rollups(_timed(minutes, 60), _timed(_hours(minutes), 3600), _spans(good))


def write_rollups(centre_id: int, rollups: Rollups) -> None:
    if not rollups.spans:
        return
    _upsert(MinuteRollup.__table__, centre_id, rollups.minutes)
    _upsert(HourRollup.__table__, centre_id, rollups.hours)
    _touch_series(centre_id, rollups.spans)


def prune(settings: EnvironmentSettings, now: datetime) -> dict[str, int]:
    """Delete raw readings and roll-ups older than their retention; rows deleted per table."""
    counts = {}
    for name, model, keep in (("env_reading", Reading, settings.raw_retention),
                              ("env_minute", MinuteRollup, settings.minute_retention),
                              ("env_hour", HourRollup, settings.hour_retention)):
        result = db.session.execute(delete(model).where(model.at < now - keep))  # type: ignore[attr-defined]
        counts[name] = result.rowcount or 0
    return counts

