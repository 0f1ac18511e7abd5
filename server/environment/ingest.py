"""Bulk ingest of `reading` events: validate, one multi-row INSERT … ON CONFLICT DO NOTHING, roll up.

Each reading is deduplicated on (device, stream, sequence) by the UNIQUE (source_id, sequence, quantity) of
`env_reading`, so a retried batch answers `duplicate` without touching the device_event log: that log's
per-event savepoints are what the bulk path exists to avoid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select

from devices.protocol import AckStatus, Event, EventResult
from devices.readings import PHYSICAL_RANGE, FaultCode, ReadingPayload, SensorStatus
from server.centre.models import Room
from server.database import db
from server.environment.models import FAULT_QUANTITY, ReadingRow, ReadingSource
from server.environment.rollup import record_rollups
from server.environment.sensors import raise_fault_alerts, update_sensor_states
from server.environment.settings import current_settings
from server.environment.upsert import insert_for
from server.fleet.models import Device

ROOM_PREFIX = "room:"
OUT_OF_RANGE = FaultCode.OUT_OF_RANGE.value
READING_COLUMNS = ReadingRow._fields
# 10 parameters a row: SQLite allows 32 766 per statement, PostgreSQL 65 535.
ROWS_PER_STATEMENT = 3000


@dataclass(frozen=True)
class Sample:
    """One accepted reading event, validated, ready to become rows."""

    event: Event
    payload: ReadingPayload


def _reject(event: Event, reason: str, message: str) -> EventResult:
    return EventResult(key=event.key, status=AckStatus.REJECTED, reason=reason, message=message[:500])


def _room_ids(centre_id: int) -> set[int]:
    return set(db.session.execute(select(Room.id).where(Room.centre_id == centre_id)).scalars())


def _validate(device: Device, events: list[Event], now: datetime) -> tuple[list[Sample], list[EventResult]]:
    settings = current_settings()
    too_new, too_old = now + settings.max_future_skew, now - settings.raw_retention
    samples: list[Sample] = []
    rejected: list[EventResult] = []
    rooms: set[int] | None = None
    for event in events:
        try:
            payload = ReadingPayload.model_validate(event.payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "payload"
            rejected.append(_reject(event, "reading.invalid", f"{where}: {first['msg']}"))
            continue
        if event.created_at > too_new:
            rejected.append(_reject(event, "reading.future", "采样时间晚于服务器时间 / sample is ahead of server time"))
            continue
        if event.created_at < too_old:
            rejected.append(_reject(event, "reading.too_old", "采样时间早于原始数据保留期 / sample is older than "
                                                             "raw retention"))
            continue
        if payload.location.startswith(ROOM_PREFIX):
            if rooms is None:
                rooms = _room_ids(device.centre_id)
            if int(payload.location[len(ROOM_PREFIX):]) not in rooms:
                rejected.append(_reject(event, "reading.unknown_room", "本机构无此班级 / no such room at this centre"))
                continue
        samples.append(Sample(event, payload))
    return samples, rejected


def _source_ids(device: Device, streams: set[str], now: datetime) -> dict[str, int]:
    """The short id of each stream of this device, created on first sight (concurrent creators agree)."""
    def known() -> dict[str, int]:
        return dict(db.session.execute(
            select(ReadingSource.stream, ReadingSource.id).where(ReadingSource.device_pk == device.id,
                                                                 ReadingSource.stream.in_(streams))
        ).all())

    ids = known()
    missing = streams - ids.keys()
    if missing:
        stmt = insert_for(ReadingSource.__table__).on_conflict_do_nothing(index_elements=["device_pk", "stream"])
        db.session.execute(stmt, [{"device_pk": device.id, "stream": s, "created_at": now} for s in sorted(missing)])
        ids = known()
    return ids


def _rows(device: Device, samples: list[Sample], sources: dict[str, int], now: datetime) -> list[ReadingRow]:
    rows: list[ReadingRow] = []
    centre_id = device.centre_id
    for sample in samples:
        event, payload = sample.event, sample.payload
        source, sequence, point, sensor, at = (sources[event.stream], event.sequence, payload.location,
                                               payload.sensor, event.created_at)
        if payload.status is SensorStatus.FAULT:
            rows.append(ReadingRow(source, sequence, FAULT_QUANTITY, centre_id, point, sensor, at, None,
                                   str(payload.fault), now))
            continue
        for quantity, value in payload.values.items():
            low, high = PHYSICAL_RANGE[quantity]
            # A value no working sensor could report is kept as evidence, but as a fault, never an exceedance.
            fault = None if low <= value <= high else OUT_OF_RANGE
            rows.append(ReadingRow(source, sequence, quantity.value, centre_id, point, sensor, at, value, fault, now))
    return rows


def _insert(rows: list[ReadingRow]) -> set[tuple[int, int, str]]:
    """Insert what is new in multi-row statements; the (source, sequence, quantity) of every row written.

    Written with the driver's own placeholders: SQLAlchemy's per-value type processing cost more than the
    database did. Times go in as SQLAlchemy stores them (SQLite: naive UTC text; PostgreSQL: timestamptz).
    """
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    written: set[tuple[int, int, str]] = set()
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start:start + ROWS_PER_STATEMENT]
        params: list[object] = []
        for row in chunk:
            if sqlite:
                at = row.at.replace(tzinfo=None).isoformat(" ", "microseconds")
                received = row.received_at.replace(tzinfo=None).isoformat(" ", "microseconds")
                params.extend((*row[:6], at, row.value, row.fault, received))
            else:
                params.extend(row)
        values = ", ".join([f"({', '.join([mark] * len(READING_COLUMNS))})"] * len(chunk))
        sql = (f"INSERT INTO env_reading ({', '.join(READING_COLUMNS)}) VALUES {values} "
               "ON CONFLICT (source_id, sequence, quantity) DO NOTHING RETURNING source_id, sequence, quantity")
        written.update(tuple(r) for r in connection.exec_driver_sql(sql, tuple(params)))  # type: ignore[misc]
    return written


def ingest_readings(device: Device, events: list[Event], now: datetime) -> list[EventResult]:
    """Store a batch's readings at once; each answered accepted, duplicate or rejected with a reason code."""
    samples, results = _validate(device, events, now)
    if not samples:
        return results
    sources = _source_ids(device, {s.event.stream for s in samples}, now)
    rows = _rows(device, samples, sources, now)
    written = _insert(rows)
    new_rows = [r for r in rows if (r.source_id, r.sequence, r.quantity) in written]
    new_events = {(r.source_id, r.sequence) for r in new_rows}
    for sample in samples:
        new = (sources[sample.event.stream], sample.event.sequence) in new_events
        # Built unvalidated: the key was validated with its event and the status is one of two constants.
        results.append(EventResult.model_construct(key=sample.event.key,
                                                   status=AckStatus.ACCEPTED if new else AckStatus.DUPLICATE))
    if new_rows:
        record_rollups(device.centre_id, new_rows)
        update_sensor_states(device, new_rows)
        raise_fault_alerts(device, new_rows, now)
    return results

