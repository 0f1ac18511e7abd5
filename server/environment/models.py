"""Environment telemetry: readings, roll-ups, exceedances and their withdrawals, stuck runs, safety events, series."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.database import UTCDateTime, db

# SQLite only auto-numbers an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key for billions of rows.
BigId = BigInteger().with_variant(Integer(), "sqlite")

FAULT_QUANTITY = ""
"""`quantity` of the one row stored for a fault reading (a sensor that gave no values)."""


class ReadingRow(NamedTuple):
    """One `env_reading` row as ingest builds it (columns in table order, without the id)."""

    source_id: int
    sequence: int
    quantity: str
    centre_id: int
    point: str
    sensor: str
    at: datetime
    value: float | None
    fault: str | None
    received_at: datetime


class ReadingSource(db.Model):
    """One outbox file (stream) of one device: readings dedupe on (source, sequence), so a short id suffices."""

    __tablename__ = "env_reading_source"
    __table_args__ = (UniqueConstraint("device_pk", "stream"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_pk: Mapped[int] = mapped_column(ForeignKey("device.id"))
    stream: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Reading(db.Model):
    """One quantity of one sample, as received. Append-only; a value the sensor cannot report is a fault."""

    __tablename__ = "env_reading"
    __table_args__ = (
        UniqueConstraint("source_id", "sequence", "quantity"),
        Index("ix_env_reading_series", "centre_id", "point", "quantity", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("env_reading_source.id"))
    sequence: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[str] = mapped_column(String(16))  # a devices.wire.readings.Quantity, or FAULT_QUANTITY
    centre_id: Mapped[int] = mapped_column(Integer)  # the device's centre (checked at ingest)
    point: Mapped[str] = mapped_column(String(48))  # the reading's location: "room:3", "fridge-sample"
    sensor: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the device took the sample
    value: Mapped[float | None] = mapped_column(Float)
    fault: Mapped[str | None] = mapped_column(String(16))  # None for a good value
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class _Rollup:
    """Sum and count (not a mean) so late readings merge in by addition."""

    centre_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point: Mapped[str] = mapped_column(String(48), primary_key=True)
    quantity: Mapped[str] = mapped_column(String(16), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)  # start of the minute / hour
    n: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)


class MinuteRollup(_Rollup, db.Model):
    """Good values of one point and quantity in one minute."""

    __tablename__ = "env_minute"


class HourRollup(_Rollup, db.Model):
    """Good values of one point and quantity in one hour."""

    __tablename__ = "env_hour"


class Verdict(enum.StrEnum):
    """How a series' newest window stands against its limits."""

    OK = "ok"  # every limit judged on a valid window mean, all inside
    EXCEEDED = "exceeded"  # a valid window mean outside a limit
    INSUFFICIENT_DATA = "insufficient_data"  # too little data for a valid mean: neither an exceedance nor OK
    FAULT = "fault"  # the sensor is stuck: its values are no data
    NO_LIMIT = "no_limit"  # no rule judges this quantity (PM10)


class Series(db.Model):
    """Working state of one point and quantity: what was seen, what is evaluated, the open exceedance.

    Mutable bookkeeping, not a record: the record of an exceedance is the append-only Exceedance row.
    """

    __tablename__ = "env_series"
    __table_args__ = (UniqueConstraint("centre_id", "point", "quantity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    point: Mapped[str] = mapped_column(String(48))
    quantity: Mapped[str] = mapped_column(String(16))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)  # newest good sample
    dirty_from: Mapped[datetime | None] = mapped_column(UTCDateTime)  # oldest sample not yet evaluated
    evaluated_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    open_rule_id: Mapped[str | None] = mapped_column(String(64))
    open_bound: Mapped[str | None] = mapped_column(String(8))  # upper | lower
    open_limit: Mapped[float | None] = mapped_column(Float)
    open_window_min: Mapped[int | None] = mapped_column(Integer)
    open_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    open_worst: Mapped[float | None] = mapped_column(Float)
    open_alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
    verdict: Mapped[str | None] = mapped_column(String(20))  # a Verdict at `evaluated_to`; None: never judged


class SensorState(db.Model):
    """Health of one sensor of one agent, from its readings: last good sample, last fault."""

    __tablename__ = "env_sensor"
    __table_args__ = (UniqueConstraint("device_pk", "sensor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    device_pk: Mapped[int] = mapped_column(ForeignKey("device.id"))
    sensor: Mapped[str] = mapped_column(String(40))
    point: Mapped[str] = mapped_column(String(48))
    last_reading_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fault_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fault: Mapped[str | None] = mapped_column(String(16))


class Exceedance(db.Model):
    """A closed interval during which a window mean was outside a rule's limit. Append-only, audited."""

    __tablename__ = "env_exceedance"
    __table_args__ = (Index("ix_env_exceedance_centre", "centre_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    point: Mapped[str] = mapped_column(String(48))
    quantity: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[str] = mapped_column(String(64))
    bound: Mapped[str] = mapped_column(String(8))  # upper | lower
    limit_value: Mapped[float] = mapped_column(Float)
    window_min: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    worst_mean: Mapped[float] = mapped_column(Float)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StuckRun(db.Model):
    """A run of equal readings recognised as a stuck sensor: its minutes are no data for any window mean.

    Appended (and audited) when recognised; `ended_at` is set once, when the values move again.
    """

    __tablename__ = "env_stuck_run"
    __table_args__ = (Index("ix_env_stuck_run_series", "centre_id", "point", "quantity", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    point: Mapped[str] = mapped_column(String(48))
    quantity: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float)  # the value the sensor repeated
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the first minute of the run
    recognised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(8))  # server (flat line seen in the values) | agent (stuck fault)
    fault_alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the first minute of moving values again


class ExceedanceWithdrawal(db.Model):
    """The correction withdrawing an exceedance that a sensor fault produced. Appended once, audited, never edited.

    The exceedance row stays as recorded; a withdrawn one counts in no register, chart of minutes out or finding.
    """

    __tablename__ = "env_exceedance_withdrawal"

    id: Mapped[int] = mapped_column(primary_key=True)
    exceedance_id: Mapped[int] = mapped_column(ForeignKey("env_exceedance.id"), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    reason: Mapped[str] = mapped_column(String(16))  # sensor_fault
    fault: Mapped[str] = mapped_column(String(16))  # the FaultCode: stuck
    stuck_run_id: Mapped[int | None] = mapped_column(ForeignKey("env_stuck_run.id"))
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SafetyEvent(db.Model):
    """A debounced change of a safety input (panic button, smoke relay, door contact). Append-only."""

    __tablename__ = "env_safety_event"
    __table_args__ = (Index("ix_env_safety_centre", "centre_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    device_pk: Mapped[int] = mapped_column(ForeignKey("device.id"))
    kind: Mapped[str] = mapped_column(String(16))  # panic | smoke | door
    input: Mapped[str] = mapped_column(String(40))
    location: Mapped[str] = mapped_column(String(48))
    state: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
