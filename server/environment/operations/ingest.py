"""Bulk ingest of `reading` events: validate, build rows, one multi-row INSERT … ON CONFLICT DO NOTHING, roll up.

Validation and rows are built before the request touches the database (no SQLite write lock held).
Each reading is deduplicated on (device, stream, sequence) by the UNIQUE (source_id, sequence, quantity) of
`env_reading`, so a retried batch answers `duplicate` without touching the device_event log: that log's
per-event savepoints are what the bulk path exists to avoid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask_babel import gettext
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from devices.wire.protocol import AckStatus, Event, EventResult
from devices.wire.readings import PHYSICAL_RANGE, FaultCode, ReadingPayload, SensorStatus
from server.centre.models import Room
from server.database import db
from server.environment.models import FAULT_QUANTITY, ReadingRow, ReadingSource
from server.environment.operations.rollup import Rollups, rollups_of, write_rollups
from server.environment.operations.sensor_states import (
    SensorLatest,
    latest_by_sensor,
    raise_fault_alerts,
    write_sensor_states,
)
from server.environment.operations.upsert import dialect_name, insert_for
from server.environment.settings import EnvironmentSettings
from server.fleet.models import Device

ROOM_PREFIX = "room:"
OUT_OF_RANGE = FaultCode.OUT_OF_RANGE.value
READING_COLUMNS = ReadingRow._fields
WIDTH = len(READING_COLUMNS)
SOURCE_SLOT, CENTRE_SLOT = READING_COLUMNS.index("source_id"), READING_COLUMNS.index("centre_id")
# 10 parameters a row: SQLite allows 32 766 per statement, PostgreSQL 65 535.
ROWS_PER_STATEMENT = 3000
PAYLOADS = TypeAdapter(list[ReadingPayload])
RANGES = {quantity.value: bounds for quantity, bounds in PHYSICAL_RANGE.items()}


@dataclass(frozen=True)
class Sample:
    """One accepted reading event, validated, ready to become rows."""

    event: Event
    payload: ReadingPayload
    room: int | None  # the room id of a "room:N" location, checked against the centre at store time


@dataclass(frozen=True)
class PreparedReadings:
    """A batch's readings validated and turned into rows before the database is touched.

    Rows carry the index of their stream in ``streams`` as ``source_id`` and 0 as ``centre_id``; ``params`` is
    the rows flattened for the driver, whose source and centre slots ``store`` fills in. Roll-ups, sensor
    states and answers are worked out as if every row were new, which is the usual case.
    """

    samples: list[Sample]
    rejected: list[EventResult]
    streams: list[str]
    rows: list[ReadingRow]
    params: list[object]
    rollups: Rollups
    latest: SensorLatest
    accepted: list[EventResult]


def _reject(event: Event, reason: str, message: str) -> EventResult:
    return EventResult(key=event.key, status=AckStatus.REJECTED, reason=reason, message=message[:500])


def _payloads(events: list[Event]) -> list[ReadingPayload | ValidationError]:
    """Each event's payload validated; one validator call for a batch that is all good."""
    try:
        return list(PAYLOADS.validate_python([event.payload for event in events]))
    except ValidationError:
        pass
    out: list[ReadingPayload | ValidationError] = []
    for event in events:
        try:
            out.append(ReadingPayload.model_validate(event.payload))
        except ValidationError as exc:
            out.append(exc)
    return out


def _validate(events: list[Event], settings: EnvironmentSettings, now: datetime
              ) -> tuple[list[Sample], list[EventResult]]:
    too_new, too_old = now + settings.max_future_skew, now - settings.raw_retention
    samples: list[Sample] = []
    rejected: list[EventResult] = []  # and the answers of repeats: every event not to be stored
    seen: set[tuple[str, int]] = set()
    for event, payload in zip(events, _payloads(events), strict=True):
        if (event.stream, event.sequence) in seen:
            # The same sample twice in one batch (under two keys): stored once, the repeat answered as known.
            rejected.append(EventResult.model_construct(key=event.key, status=AckStatus.DUPLICATE))
        elif isinstance(payload, ValidationError):
            first = payload.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "payload"
            rejected.append(_reject(event, "reading.invalid", f"{where}: {first['msg']}"))
        elif event.created_at > too_new:
            rejected.append(_reject(event, "reading.future", gettext("sample is ahead of server time")))
        elif event.created_at < too_old:
            rejected.append(_reject(event, "reading.too_old", gettext("sample is older than raw retention")))
        else:
            location = payload.location
            room = int(location[len(ROOM_PREFIX):]) if location.startswith(ROOM_PREFIX) else None
            samples.append(Sample(event, payload, room))
            seen.add((event.stream, event.sequence))
    return samples, rejected


def _sqlite_time(at: datetime) -> str:
    """How SQLAlchemy's UTCDateTime stores a time on SQLite: naive UTC text."""
    return at.replace(tzinfo=None).isoformat(" ", "microseconds")


def _build(samples: list[Sample], rejected: list[EventResult], now: datetime, sqlite: bool) -> PreparedReadings:
    streams: dict[str, int] = {}
    rows: list[ReadingRow] = []
    params: list[object] = []
    received = _sqlite_time(now) if sqlite else now
    for sample in samples:
        event, payload = sample.event, sample.payload
        source = streams.setdefault(event.stream, len(streams))
        sequence, point, sensor, at = event.sequence, payload.location, payload.sensor, event.created_at
        stored_at = _sqlite_time(at) if sqlite else at
        if payload.status is SensorStatus.FAULT:
            fault = str(payload.fault)
            rows.append(ReadingRow(source, sequence, FAULT_QUANTITY, 0, point, sensor, at, None, fault, now))
            params.extend((source, sequence, FAULT_QUANTITY, 0, point, sensor, stored_at, None, fault, received))
            continue
        for quantity, value in payload.values.items():
            name = quantity._value_  # the plain str: an enum member as a dict key hashes in Python, slowly
            low, high = RANGES[name]
            # A value no working sensor could report is kept as evidence, but as a fault, never an exceedance.
            fault = None if low <= value <= high else OUT_OF_RANGE  # type: ignore[assignment]
            rows.append(ReadingRow(source, sequence, name, 0, point, sensor, at, value, fault, now))
            params.extend((source, sequence, name, 0, point, sensor, stored_at, value, fault, received))
    # Built unvalidated: the key was validated with its event and the status is a constant.
    accepted = [EventResult.model_construct(key=s.event.key, status=AckStatus.ACCEPTED) for s in samples]
    return PreparedReadings(samples, rejected, list(streams), rows, params, rollups_of(rows), latest_by_sensor(rows),
                            accepted)


def prepare_readings(events: list[Event], settings: EnvironmentSettings, now: datetime) -> PreparedReadings:
    """Validate a batch's readings and build their rows; no database work (runs before the request's lock)."""
    samples, rejected = _validate(events, settings, now)
    return _build(samples, rejected, now, dialect_name() == "sqlite")


def _room_ids(centre_id: int) -> set[int]:
    return set(db.session.execute(select(Room.id).where(Room.centre_id == centre_id)).scalars())


def _without_unknown_rooms(prepared: PreparedReadings, centre_id: int, now: datetime) -> PreparedReadings:
    named = {s.room for s in prepared.samples if s.room is not None}
    unknown = named - _room_ids(centre_id) if named else set()
    if not unknown:
        return prepared
    kept = [s for s in prepared.samples if s.room not in unknown]
    refused = [_reject(s.event, "reading.unknown_room", gettext("no such room at this centre"))
               for s in prepared.samples if s.room in unknown]
    return _build(kept, prepared.rejected + refused, now, dialect_name() == "sqlite")


def _source_ids(device: Device, streams: list[str], now: datetime) -> list[int]:
    """The short id of each stream of this device, created on first sight (concurrent creators agree)."""
    def known() -> dict[str, int]:
        return dict(db.session.execute(
            select(ReadingSource.stream, ReadingSource.id).where(ReadingSource.device_pk == device.id,
                                                                 ReadingSource.stream.in_(streams))
        ).all())

    ids = known()
    missing = set(streams) - ids.keys()
    if missing:
        stmt = insert_for(ReadingSource.__table__).on_conflict_do_nothing(index_elements=["device_pk", "stream"])
        db.session.execute(stmt, [{"device_pk": device.id, "stream": s, "created_at": now} for s in sorted(missing)])
        ids = known()
    return [ids[stream] for stream in streams]


@lru_cache(maxsize=16)
def _insert_sql(rows: int, sqlite: bool) -> str:
    mark = "?" if sqlite else "%s"
    values = ", ".join([f"({', '.join([mark] * WIDTH)})"] * rows)
    # SQLite holds its one write lock for the whole transaction, so what is already stored was read before
    # (cheaper than RETURNING); PostgreSQL has concurrent writers and asks the INSERT itself.
    returning = "" if sqlite else " RETURNING source_id, sequence, quantity"
    return (f"INSERT INTO env_reading ({', '.join(READING_COLUMNS)}) VALUES {values} "
            f"ON CONFLICT (source_id, sequence, quantity) DO NOTHING{returning}")


RowKey = tuple[int, int, str]
"""(source, sequence, quantity): a reading row's identity."""


def _stored_before(cursor: Any, rows: list[ReadingRow], sources: list[int]) -> set[RowKey]:
    """Rows of this batch already stored, found by each stream's sequence range (SQLite, under its write lock)."""
    spans: dict[int, list[int]] = {}
    for row in rows:
        span = spans.setdefault(row.source_id, [row.sequence, row.sequence])
        span[0], span[1] = min(span[0], row.sequence), max(span[1], row.sequence)
    local = {source: index for index, source in enumerate(sources)}
    found: set[RowKey] = set()
    for index, (low, high) in spans.items():
        cursor.execute("SELECT source_id, sequence, quantity FROM env_reading WHERE source_id = ? "
                       "AND sequence BETWEEN ? AND ?", (sources[index], low, high))
        found.update((local[source], sequence, quantity) for source, sequence, quantity in cursor.fetchall())
    return found


def _insert(params: list[object], rows: list[ReadingRow], sources: list[int]) -> set[RowKey]:
    """Insert what is new in multi-row statements; the keys (local source index) of rows that were stored before.

    On the driver's own cursor: SQLAlchemy's per-value and per-row processing cost more than the database
    did. Times go in as SQLAlchemy stores them (SQLite: naive UTC text; PostgreSQL: timestamptz).
    """
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    cursor = connection.connection.cursor()
    step = ROWS_PER_STATEMENT * WIDTH
    try:
        before = _stored_before(cursor, rows, sources) if sqlite else set()
        written: list[RowKey] = []
        for start in range(0, len(params), step):
            chunk = params[start:start + step]
            cursor.execute(_insert_sql(len(chunk) // WIDTH, sqlite), chunk)
            if not sqlite:
                written.extend(cursor.fetchall())
    finally:
        cursor.close()
    if sqlite or len(written) == len(rows):
        return before
    local = {source: index for index, source in enumerate(sources)}
    stored = {(local[source], sequence, quantity) for source, sequence, quantity in written}
    return {(r.source_id, r.sequence, r.quantity) for r in rows} - stored


def store_readings(device: Device, prepared: PreparedReadings, now: datetime) -> list[EventResult]:
    """Write the prepared rows; each reading answered accepted, duplicate or rejected with a reason code."""
    if not prepared.samples:
        return prepared.rejected
    prepared = _without_unknown_rooms(prepared, device.centre_id, now)
    if not prepared.samples:
        return prepared.rejected
    sources = _source_ids(device, prepared.streams, now)
    params = list(prepared.params)
    count = len(prepared.rows)
    params[SOURCE_SLOT::WIDTH] = [sources[row.source_id] for row in prepared.rows] if len(sources) > 1 \
        else [sources[0]] * count
    params[CENTRE_SLOT::WIDTH] = [device.centre_id] * count
    before = _insert(params, prepared.rows, sources)
    if not before:  # all new: what prepare worked out stands
        new_rows, rollups, latest, answers = prepared.rows, prepared.rollups, prepared.latest, prepared.accepted
    else:
        new_rows = [r for r in prepared.rows if (r.source_id, r.sequence, r.quantity) not in before]
        new_events = {(r.source_id, r.sequence) for r in new_rows}
        streams = {stream: index for index, stream in enumerate(prepared.streams)}
        rollups, latest = rollups_of(new_rows), latest_by_sensor(new_rows)
        answers = [answer if (streams[s.event.stream], s.event.sequence) in new_events
                   else EventResult.model_construct(key=s.event.key, status=AckStatus.DUPLICATE)
                   for s, answer in zip(prepared.samples, prepared.accepted, strict=True)]
    if new_rows:
        write_rollups(device.centre_id, rollups)
        write_sensor_states(device, latest)
        raise_fault_alerts(device, new_rows, now)
    return prepared.rejected + answers


@dataclass(frozen=True)
class ReadingIngest:
    """The ``reading`` kind for the event router (server.fleet.operations.BulkKind), with the app's settings."""

    settings: EnvironmentSettings

    def prepare(self, events: list[Event], now: datetime) -> PreparedReadings:
        return prepare_readings(events, self.settings, now)

    def store(self, device: Device, prepared: PreparedReadings, now: datetime) -> list[EventResult]:
        return store_readings(device, prepared, now)

