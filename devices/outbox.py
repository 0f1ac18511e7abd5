"""Durable device outbox: every event is committed to SQLite before anyone is told it happened.

Lifecycle of a row (STYLE convention 10)::

    put() ──> pending ──claim()──> sending ──ack()──────────> (deleted: the server has it)
                 ^                    │  └──dead_letter()──> dead (kept aside, never retried)
                 └────release()───────┘
                 └────recover() at start-up (a crash mid-delivery left it in sending)

SQLite runs in WAL mode with ``synchronous=FULL``: in WAL mode ``NORMAL`` may roll
back a committed transaction after a power cut, ``FULL`` fsyncs the WAL on every
commit. ``put()`` returns only after that commit, so a kiosk may show green as soon
as ``put()`` returns. Payloads are stored as JSON text (never pickle).

One :class:`Outbox` object is safe to share between threads (one connection behind a
lock); several processes may open the same file (SQLite file locks, ``BEGIN
IMMEDIATE`` and a busy timeout). Only one *deliverer* may claim from a file, because
``recover()`` assumes every ``sending`` row was abandoned.
"""

from __future__ import annotations

import enum
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Self

from pydantic import ValidationError

from devices.wire.protocol import Event, EventKind, Reason, format_utc, new_key
from hardware.clock import Clock

SCHEMA_VERSION = 1
"""``PRAGMA user_version`` of a fully migrated outbox file."""

OUTBOX_PATH_ENV = "TUOYU_OUTBOX_PATH"
DEFAULT_OUTBOX_PATH = "instance/outbox.sqlite3"

# One list entry per schema version; entry i migrates user_version i -> i + 1.
_MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # AUTOINCREMENT: a sequence number is never reused, even after the newest rows are deleted.
        """
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL,
            payload TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0 CHECK (priority IN (0, 1)),
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_at TEXT,
            dead_reason TEXT,
            dead_message TEXT,
            dead_at TEXT
        )
        """,
        "CREATE INDEX events_queue ON events (state, priority DESC, seq)",
    ],
]


class OutboxError(RuntimeError):
    """The outbox file cannot be used as asked (wrong device, newer schema, no WAL)."""


class RowState(enum.StrEnum):
    """Where a stored event is in its lifecycle (acked rows are deleted)."""

    PENDING = "pending"
    SENDING = "sending"
    DEAD = "dead"


@dataclass(frozen=True)
class DeadLetter:
    """An event the server refused; kept for a person to look at, never retried by itself."""

    event: Event
    reason: str
    message: str | None
    dead_at: datetime


def outbox_path_from_env(environ: Mapping[str, str] | None = None) -> Path:
    """The outbox file from ``TUOYU_OUTBOX_PATH``, defaulting to ``instance/outbox.sqlite3``."""
    env = os.environ if environ is None else environ
    return Path(env.get(OUTBOX_PATH_ENV) or DEFAULT_OUTBOX_PATH)


def _compact(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Outbox:
    """A durable queue of :class:`~devices.wire.protocol.Event` for one device, in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str], clock: Clock, device_id: str, *,
                 busy_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.RLock()
        is_new = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None,
                                     check_same_thread=False)
        try:
            self._configure(busy_timeout_s)
            self._migrate()
            self.device_id, self.stream = self._identity(device_id)
        except BaseException:
            self._conn.close()
            raise
        if is_new:
            self._fsync_directory()

    # -- set-up -------------------------------------------------------------------------------

    def _configure(self, busy_timeout_s: float) -> None:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise OutboxError(f"{self.path}: SQLite refused WAL mode (got {mode!r})")
        conn.execute("PRAGMA synchronous = FULL")
        if conn.execute("PRAGMA synchronous").fetchone()[0] != 2:
            raise OutboxError(f"{self.path}: SQLite refused synchronous=FULL")

    def _migrate(self) -> None:
        with self._write() as cur:
            version = cur.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise OutboxError(f"{self.path}: schema version {version} is newer than this code "
                                  f"({SCHEMA_VERSION}); refusing to touch it")
            for target in range(version, SCHEMA_VERSION):
                for statement in _MIGRATIONS[target]:
                    cur.execute(statement)
                cur.execute(f"PRAGMA user_version = {target + 1}")

    def _identity(self, device_id: str) -> tuple[str, str]:
        with self._write() as cur:
            meta = dict(cur.execute("SELECT name, value FROM meta").fetchall())
            if "device_id" not in meta:
                meta = {"device_id": device_id, "stream": new_key()}
                cur.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", meta.items())
        if meta["device_id"] != device_id:
            raise OutboxError(f"{self.path} belongs to device {meta['device_id']!r}, not {device_id!r}; "
                              "deliver or archive it before re-provisioning")
        return meta["device_id"], meta["stream"]

    def _fsync_directory(self) -> None:
        # A new file's directory entry is only durable once the directory itself is synced.
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        """One ``BEGIN IMMEDIATE`` transaction; committed (and fsynced) when the block ends."""
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def close(self) -> None:
        """Close the connection (committed data is already on disk)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing events -----------------------------------------------------------------------

    def put(self, kind: EventKind | str, payload: dict[str, Any], *, priority: bool | None = None) -> Event:
        """Store a new event durably and return it; returns only after the commit is on disk.

        ``priority`` defaults to the kind (``safety.*`` events go first). Raises
        ``ValueError`` (pydantic ``ValidationError``) for an unknown kind, a payload that
        is not plain JSON or one larger than the protocol allows; nothing is stored then.
        """
        kind = EventKind(kind)
        if priority is None:
            priority = kind.is_safety
        draft = Event(key=new_key(), device_id=self.device_id, stream=self.stream, sequence=1, kind=kind,
                      created_at=self._clock.now(), payload=payload)
        text = _compact(draft.payload)
        with self._write() as cur:
            cur.execute(
                "INSERT INTO events (key, kind, created_at, payload, priority) VALUES (?, ?, ?, ?, ?)",
                (draft.key, kind.value, format_utc(draft.created_at), text, int(priority)),
            )
            sequence = cur.lastrowid
        # A private copy of the payload, so later changes by the caller cannot alter the returned event.
        return draft.model_copy(update={"sequence": sequence, "payload": json.loads(text)})

    # -- delivery -----------------------------------------------------------------------------

    def claim(self, limit: int, *, priority_only: bool = False) -> list[Event]:
        """Move up to ``limit`` pending events to ``sending`` and return them, priority first, then oldest.

        A stored row that no longer validates is dead-lettered with ``invalid_local``
        instead of being returned, so one bad row cannot block the queue.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        where = "state = 'pending' AND priority = 1" if priority_only else "state = 'pending'"
        now = format_utc(self._clock.now())
        events: list[Event] = []
        with self._write() as cur:
            rows = cur.execute(
                f"SELECT seq, key, kind, created_at, payload FROM events WHERE {where} "
                "ORDER BY priority DESC, seq LIMIT ?",
                (limit,),
            ).fetchall()
            for seq, key, kind, created_at, payload in rows:
                try:
                    event = self._row_event(seq, key, kind, created_at, payload)
                except (ValidationError, ValueError) as exc:
                    cur.execute(
                        "UPDATE events SET state = 'dead', dead_reason = ?, dead_message = ?, dead_at = ? "
                        "WHERE seq = ?",
                        (Reason.INVALID_LOCAL.value, str(exc)[:500], now, seq),
                    )
                    continue
                cur.execute(
                    "UPDATE events SET state = 'sending', attempts = attempts + 1, claimed_at = ? WHERE seq = ?",
                    (now, seq),
                )
                events.append(event)
        return events

    def _row_event(self, seq: int, key: str, kind: str, created_at: str, payload: str) -> Event:
        return Event.model_validate({
            "key": key, "device_id": self.device_id, "stream": self.stream, "sequence": seq,
            "kind": kind, "created_at": created_at, "payload": json.loads(payload),
        })

    def settle(self, *, acked: Iterable[str] = (), released: Iterable[str] = (),
               dead: Mapping[str, tuple[str, str | None]] | None = None) -> None:
        """Apply a server answer in one transaction: delete ``acked``, requeue ``released``, dead-letter ``dead``.

        ``dead`` maps a key to ``(reason code, message or None)``.
        """
        acked, released = list(acked), list(released)
        now = format_utc(self._clock.now())
        with self._write() as cur:
            for chunk in _chunks(acked):
                cur.execute(f"DELETE FROM events WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            for chunk in _chunks(released):
                cur.execute(
                    f"UPDATE events SET state = 'pending', claimed_at = NULL "
                    f"WHERE state = 'sending' AND key IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            for key, (reason, message) in (dead or {}).items():
                cur.execute(
                    "UPDATE events SET state = 'dead', dead_reason = ?, dead_message = ?, dead_at = ?, "
                    "claimed_at = NULL WHERE key = ? AND state != 'dead'",
                    (reason, message, now, key),
                )

    def ack(self, keys: Iterable[str]) -> None:
        """Delete events the server has (answered ``accepted`` or ``duplicate``)."""
        self.settle(acked=keys)

    def release(self, keys: Iterable[str]) -> None:
        """Put ``sending`` events back to ``pending`` for a later retry."""
        self.settle(released=keys)

    def dead_letter(self, key: str, reason: str, message: str | None = None) -> None:
        """Move an event aside for good: it is kept and listed, but never sent again by itself."""
        self.settle(dead={key: (reason, message)})

    def recover(self) -> int:
        """At start-up, return every ``sending`` row to ``pending`` (a crash interrupted its delivery).

        Returns how many rows were recovered. Call it before the deliverer starts, never
        while one is running on the same file.
        """
        with self._write() as cur:
            cur.execute("UPDATE events SET state = 'pending', claimed_at = NULL WHERE state = 'sending'")
            return cur.rowcount

    def requeue_dead(self, keys: Iterable[str]) -> int:
        """Send dead-lettered events again (an operator's decision, e.g. after a server fix)."""
        keys = list(keys)
        count = 0
        with self._write() as cur:
            for chunk in _chunks(keys):
                cur.execute(
                    "UPDATE events SET state = 'pending', dead_reason = NULL, dead_message = NULL, dead_at = NULL "
                    f"WHERE state = 'dead' AND key IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
                count += cur.rowcount
        return count

    # -- looking ------------------------------------------------------------------------------

    def pending_count(self) -> int:
        """Events not yet delivered (pending or sending): the N of "offline, N waiting"."""
        return self._read("SELECT count(*) FROM events WHERE state IN ('pending', 'sending')")[0][0]

    def counts(self) -> dict[RowState, int]:
        """How many rows are in each state."""
        found = dict(self._read("SELECT state, count(*) FROM events GROUP BY state"))
        return {state: found.get(state.value, 0) for state in RowState}

    def dead_count(self) -> int:
        """Events kept aside after a rejection."""
        return self._read("SELECT count(*) FROM events WHERE state = 'dead'")[0][0]

    def oldest_pending_age(self) -> timedelta | None:
        """How long the oldest undelivered event has waited (``None`` when nothing waits)."""
        oldest = self._read("SELECT min(created_at) FROM events WHERE state IN ('pending', 'sending')")[0][0]
        if oldest is None:
            return None
        created = datetime.fromisoformat(oldest)
        return max(self._clock.now() - created, timedelta(0))

    def last_sequence(self) -> int:
        """The sequence number of the newest event ever stored in this file (0 if none)."""
        row = self._read("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
        return row[0][0] if row else 0

    def last_priority_sequence(self) -> int | None:
        """The newest pending priority event's sequence, so a deliverer can notice a new one."""
        return self._read("SELECT max(seq) FROM events WHERE state = 'pending' AND priority = 1")[0][0]

    def keys(self, state: RowState) -> list[str]:
        """Keys of the events in one state, oldest first."""
        return [row[0] for row in self._read("SELECT key FROM events WHERE state = ? ORDER BY seq", (state.value,))]

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """The oldest dead-lettered events with their reasons (for the device's status page)."""
        rows = self._read(
            "SELECT seq, key, kind, created_at, payload, dead_reason, dead_message, dead_at FROM events "
            "WHERE state = 'dead' ORDER BY seq LIMIT ?",
            (limit,),
        )
        letters = []
        for seq, key, kind, created_at, payload, reason, message, dead_at in rows:
            event = Event.model_construct(
                key=key, device_id=self.device_id, stream=self.stream, sequence=seq, kind=kind,
                created_at=datetime.fromisoformat(created_at), payload=json.loads(payload),
            )
            letters.append(DeadLetter(event=event, reason=reason, message=message,
                                      dead_at=datetime.fromisoformat(dead_at)))
        return letters

    def settings(self) -> dict[str, str | int]:
        """The durability settings in force on this connection, for the device health page."""
        sync_names = {0: "off", 1: "normal", 2: "full", 3: "extra"}
        return {
            "journal_mode": str(self._read("PRAGMA journal_mode")[0][0]).lower(),
            "synchronous": sync_names.get(self._read("PRAGMA synchronous")[0][0], "?"),
            "user_version": self._read("PRAGMA user_version")[0][0],
        }

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` result (``"ok"`` when the file is sound)."""
        return self._read("PRAGMA integrity_check")[0][0]
