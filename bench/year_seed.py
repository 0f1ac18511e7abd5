"""Seed a year of a 150-child centre for bench/pack_year.py: one month lived through the operations, then copied.

The first four weeks are the demo centre's (`server.demo.seed.seed_demo`) with its three classes grown to 150
children: every register is written by the real operations, so each row has the shape a real row has. A year
through the operations would take far too long, so the dated records of that month are then copied twelve
times, each copy 28 days (four whole weeks, so weekdays stay weekdays) further back, with SQLAlchemy Core
`insert()` executemany in batches: integer keys are offset per copy (and the foreign keys to copied tables with
them), dates and instants moved, monthly keys (`month`) moved by whole months, and a unique text key that
nothing else would tell apart gets a suffix. People, rooms, devices, accounts and their files are not copied:
the same 150 children are there all year (their enrolment moved to the year's first day).

The centre's audit chain is rebuilt with the real `entry_hash`: the month's entries and their copies, in time
order, numbered and chained again, so `verify_chain` holds for the year.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

COPIES = 12  # the lived month and twelve copies: 13 × 28 = 364 days
SHIFT_DAYS = 28
KEY_OFFSET = 10_000_000  # per copy: far above any key the month used
BATCH = 5_000
# Entities (people, rooms, devices, accounts, documents, settings, the chain itself): never copied.
ENTITY_TABLES = frozenset({
    "audit_head", "audit_entry", "centre", "job_run", "login_attempt", "user_account", "api_token", "membership",
    "device", "device_event", "room", "room_status", "staff", "child", "contact", "child_contact", "credential",
    "phone_key", "photo", "consent_document", "consent_decision", "emergency_plan", "emergency_plan_version",
    "emergency_plan_read", "env_series", "env_sensor", "env_reading_source", "notice_channel", "notice_address",
    "notice_preference", "kiosk_screen_setting", "safeguarding_lead", "safeguarding_lead_revocation",
    "safeguarding_inspector_scope", "supply_minimum", "medication_signature", "staff_document", "staff_credential",
    "staff_employment_event", "health_allergy", "health_condition", "health_condition_closure",
    "health_entry_exam", "health_growth_measurement", "enrolment_code", "idempotent_request", "evaluation_run", "finding", "banned_person",
    "centre_closure", "fire_certificate", "alembic_version", "emergency_alert_link",
})


def _shift_month(value: date, months: int) -> date:
    month0 = value.month - 1 - months
    year, month = value.year + month0 // 12, month0 % 12 + 1
    return value.replace(year=year, month=month, day=min(value.day, calendar.monthrange(year, month)[1]))


class _Plan:
    """How one table's rows are copied: which columns move, which keys are offset, which get a suffix."""

    def __init__(self, table: sa.Table, copied: set[str]) -> None:
        self.table = table
        self.dates = [c.name for c in table.columns if isinstance(c.type, (sa.Date, sa.DateTime))
                      or "DateTime" in type(c.type).__name__]
        self.months = [name for name in self.dates if name == "month"]
        pk = list(table.primary_key.columns)
        self.keys = [pk[0].name] if len(pk) == 1 and isinstance(pk[0].type, sa.Integer) and not pk[0].foreign_keys \
            else []
        self.refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table.name in copied]
        moved = set(self.dates) | set(self.keys) | set(self.refs)
        self.suffix: list[str] = []
        self.offset: list[str] = []
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint) and not moved.intersection(constraint.columns.keys()):
                numbers = [c for c in constraint.columns if isinstance(c.type, sa.Integer) and not c.foreign_keys]
                texts = [c for c in constraint.columns if isinstance(c.type, sa.String)]
                if numbers:
                    self.offset.append(numbers[0].name)
                elif texts:
                    self.suffix.append(texts[0].name)

    def in_window(self, row: dict[str, Any], window: tuple[date, date], tz: Any, month: date) -> bool:
        """Whether the row belongs to the lived window (by its first date), the window's last month for `month`."""
        if not self.dates:
            return True
        value = row[self.dates[0]]
        if value is None:
            return True
        if self.dates[0] in self.months:
            return (value.year, value.month) == (month.year, month.month)
        if isinstance(value, datetime):
            value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(tz).date()
        return window[0] <= value < window[1]

    def copy(self, row: dict[str, Any], k: int) -> dict[str, Any]:
        new = dict(row)
        delta = timedelta(days=SHIFT_DAYS * k)
        for name in self.dates:
            value = new[name]
            if value is not None:
                new[name] = _shift_month(value, k) if name in self.months else value - delta
        for name in (*self.keys, *self.refs, *self.offset):
            if new[name] is not None:
                new[name] += KEY_OFFSET * k
        for name in self.suffix:
            if new[name] is not None:
                new[name] = f"{new[name]}~{k}"
        return new


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def replicate_year(conn: Connection, metadata: sa.MetaData, centre_id: int, window: tuple[date, date], tz: Any,
                   tables: Iterable[str] | None = None) -> dict[str, int]:
    """Copy the records of the lived window (28 days: first day, day after the last) `COPIES` times back in time.

    A record belongs to the window by its first date column (a monthly one by the window's last whole month);
    a record of a copied parent only goes with its parent. Returns the rows added per table.
    """
    assert (window[1] - window[0]).days == SHIFT_DAYS
    last_month = window[1].replace(day=1) - timedelta(days=1)
    year_start = window[0] - timedelta(days=SHIFT_DAYS * COPIES)
    wanted = set(tables) if tables is not None else None
    copied = {t.name for t in metadata.sorted_tables if t.name not in ENTITY_TABLES
              and (wanted is None or t.name in wanted)
              and any(isinstance(c.type, (sa.Date, sa.DateTime)) or "DateTime" in type(c.type).__name__
                      for c in t.columns)}
    # A child table of a copied one (nap checks of a nap) is copied with it, dated or not.
    for table in metadata.sorted_tables:
        if table.name not in ENTITY_TABLES and any(fk.column.table.name in copied for fk in table.foreign_keys):
            copied.add(table.name)
    added: dict[str, int] = {}
    kept: dict[str, set[Any]] = {}  # table → keys of the rows copied
    for table in metadata.sorted_tables:
        if table.name not in copied:
            continue
        plan = _Plan(table, copied)
        order = [table.c[name] for name in plan.keys] or list(table.primary_key.columns)
        parents = [(fk.parent.name, fk.column.table.name) for fk in table.foreign_keys
                   if fk.column.table.name in copied and fk.column.table.name != table.name]
        rows = [dict(r) for r in conn.execute(sa.select(table).order_by(*order)).mappings()]
        rows = [r for r in rows if plan.in_window(r, window, tz, last_month)
                and all(r[column] is None or r[column] in kept.get(parent, ()) for column, parent in parents)]
        if plan.keys:
            kept[table.name] = {r[plan.keys[0]] for r in rows}
        if not rows:
            continue
        count = 0
        for k in range(1, COPIES + 1):
            for batch in _batches(plan.copy(row, k) for row in rows):
                conn.execute(table.insert(), batch)
                count += len(batch)
        added[table.name] = count
    _move_entities_back(conn, metadata, centre_id, year_start)
    return added


def _move_entities_back(conn: Connection, metadata: sa.MetaData, centre_id: int, year_start: date) -> None:
    """The centre, its rooms, staff and children were there from the year's first day."""
    first = datetime.combine(year_start, datetime.min.time(), tzinfo=UTC)
    t = metadata.tables
    conn.execute(sa.update(t["centre"]).where(t["centre"].c.id == centre_id).values(created_at=first))
    for name, column in (("child", "enrolled_on"), ("staff", "hired_on")):
        table = t[name]
        conn.execute(sa.update(table).where(table.c.centre_id == centre_id, table.c[column] > year_start)
                     .values({column: year_start}))


def rebuild_chain(conn: Connection, metadata: sa.MetaData, centre_id: int, window: tuple[date, date], tz: Any) -> int:
    """The centre's audit chain with a copy of each of the month's entries per copied month, rechained in time order."""
    from types import SimpleNamespace

    from server.audit.models import chain_for
    from server.audit.operations import GENESIS_HASH, entry_hash

    entries, head = metadata.tables["audit_entry"], metadata.tables["audit_head"]
    chain = chain_for(centre_id)
    month = [dict(r) for r in conn.execute(sa.select(entries).where(entries.c.chain == chain)
                                           .order_by(entries.c.seq)).mappings()]
    rows: list[dict[str, Any]] = list(month)
    for k in range(1, COPIES + 1):
        delta = timedelta(days=SHIFT_DAYS * k)
        for row in month:
            at = row["at"] if row["at"].tzinfo else row["at"].replace(tzinfo=UTC)
            if not window[0] <= at.astimezone(tz).date() < window[1]:
                continue
            copy = dict(row)
            copy["at"] = row["at"] - delta
            if row["object_id"].isdigit():
                copy["object_id"] = str(int(row["object_id"]) + KEY_OFFSET * k)
            rows.append(copy)
    rows.sort(key=lambda r: (r["at"], r["seq"]))
    conn.execute(sa.delete(entries).where(entries.c.chain == chain))
    prev = GENESIS_HASH
    for seq, row in enumerate(rows, start=1):
        row.pop("id", None)
        row["seq"], row["prev_hash"] = seq, prev
        prev = row["entry_hash"] = entry_hash(SimpleNamespace(**row))
    for batch in _batches(rows):
        conn.execute(entries.insert(), batch)
    conn.execute(sa.update(head).where(head.c.chain == chain).values(seq=len(rows), head_hash=prev))
    return len(rows)
