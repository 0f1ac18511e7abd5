"""Append to and verify the hash-chained audit log."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from types import SimpleNamespace
from typing import Any, cast

import rfc8785
from sqlalchemy import insert, select

from server.audit.models import AccessEvent, AuditEntry, AuditHead, chain_for
from server.database import db
from server.errors import ProblemCollector

GENESIS_HASH = "0" * 64


def _plain(value: Any) -> Any:
    """Turn a snapshot value into something canonical JSON can hold."""
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def format_instant(value: datetime) -> str:
    """Fixed microsecond precision in UTC: what is hashed is exactly what the database keeps."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest(snapshot: dict[str, Any] | None) -> str | None:
    """SHA-256 of the canonical JSON of a record's snapshot (personal data stays out of the log)."""
    if snapshot is None:
        return None
    return hashlib.sha256(rfc8785.dumps(_plain(snapshot))).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    """The hash that chains an entry: over every field, including the previous hash."""
    body = {
        "chain": entry.chain,
        "seq": entry.seq,
        "centre_id": entry.centre_id,
        "at": format_instant(entry.at),
        "actor_id": entry.actor_id,
        "actor_kind": entry.actor_kind,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before_digest,
        "after": entry.after_digest,
        "prev": entry.prev_hash,
    }
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def ensure_chain(centre_id: int | None) -> None:
    """Create a chain's head row; done once when its centre is created, so appenders never race on it."""
    chain = chain_for(centre_id)
    if db.session.get(AuditHead, chain) is None:
        db.session.add(AuditHead(chain=chain, seq=0, head_hash=GENESIS_HASH))
        db.session.flush()


def _locked_head(centre_id: int | None) -> AuditHead:
    """The chain's head, locked for this transaction: appenders take turns."""
    chain = chain_for(centre_id)
    # FOR UPDATE serialises appenders on PostgreSQL; on SQLite a writing transaction holds the database write
    # lock from its first write, and what it read before was checked unchanged (server.database), so the head the
    # session holds is current (a commit or rollback expires it) and needs no query per entry.
    if db.session.get_bind().dialect.name == "sqlite":
        head = db.session.get(AuditHead, chain)
    else:
        head = db.session.execute(
            select(AuditHead).where(AuditHead.chain == chain).with_for_update()
        ).scalar_one_or_none()
    if head is None:
        ensure_chain(centre_id)
        head = db.session.execute(
            select(AuditHead).where(AuditHead.chain == chain).with_for_update()
        ).scalar_one()
    return head


def _next_row(
    head: AuditHead, *, centre_id: int | None, actor_id: int | None, actor_kind: str, action: str,
    object_type: str, object_id: Any, before: dict[str, Any] | None, after: dict[str, Any] | None, at: datetime,
) -> dict[str, Any]:
    """The columns of the chain's next entry after `head`, its hash included; the head moves on to it."""
    row: dict[str, Any] = {
        "chain": head.chain,
        "seq": head.seq + 1,
        "centre_id": centre_id,
        "at": at.astimezone(UTC),
        "actor_id": actor_id,
        "actor_kind": actor_kind,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "before_digest": digest(before),
        "after_digest": digest(after),
        "prev_hash": head.head_hash,
    }
    # Hashed from plain values: no ORM object is built for an entry of a bulk append.
    row["entry_hash"] = entry_hash(cast(AuditEntry, SimpleNamespace(**row)))
    head.seq = row["seq"]
    head.head_hash = row["entry_hash"]
    return row


def record_change(
    *,
    centre_id: int | None,
    actor_id: int | None,
    actor_kind: str,
    action: str,
    object_type: str,
    object_id: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> AuditEntry:
    """Append one entry to the centre's chain under a lock on the chain head."""
    entry = AuditEntry(**_next_row(_locked_head(centre_id), centre_id=centre_id, actor_id=actor_id,
                                   actor_kind=actor_kind, action=action, object_type=object_type,
                                   object_id=object_id, before=before, after=after, at=now))
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class ChangeToAudit:
    """One change for `record_changes`: what was done to which record, its audited fields before and after.

    `at`: when it happened (a backfill dates each entry so); None is the call's `now`.
    """

    action: str
    object_type: str
    object_id: Any
    after: dict[str, Any] | None
    before: dict[str, Any] | None = None
    at: datetime | None = None


def record_changes(changes: Sequence[ChangeToAudit], *, centre_id: int | None, actor: Any, now: datetime) -> int:
    """Append many entries to one centre's chain in one go: the head locked once, one insert for them all.

    The same entries, digests and hashes as `record_change` one by one (a bulk load: the demo's month). `actor`
    is anything with `user_id` and `kind` (an `Actor`). Answers how many were appended.
    """
    if not changes:
        return 0
    head = _locked_head(centre_id)
    rows = [_next_row(head, centre_id=centre_id, actor_id=actor.user_id, actor_kind=actor.kind, action=change.action,
                      object_type=change.object_type, object_id=change.object_id, before=change.before,
                      after=change.after, at=change.at or now) for change in changes]
    db.session.execute(insert(AuditEntry), rows)
    db.session.flush()
    return len(rows)


@dataclass(frozen=True)
class ChainReport:
    """Outcome of recomputing one chain."""

    chain: str
    entries: int
    ok: bool
    broken_at_seq: int | None = None
    reason: str | None = None


def verify_chain(chain: str) -> ChainReport:
    """Recompute a chain from genesis; report the first entry that does not hold."""
    stmt = select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq, AuditEntry.id)
    # Streamed (a server-side cursor on PostgreSQL): a year of entries never sits in memory.
    result = db.session.execute(stmt.execution_options(yield_per=2000))
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    try:
        for entry in result.scalars():
            count += 1
            if entry.seq != expected_seq:
                return ChainReport(chain, count, False, expected_seq,
                                   f"sequence gap: expected {expected_seq}, found {entry.seq}")
            if entry.prev_hash != expected_prev:
                return ChainReport(chain, count, False, entry.seq, "previous-hash link broken")
            if entry_hash(entry) != entry.entry_hash:
                return ChainReport(chain, count, False, entry.seq, "entry content does not match its hash")
            expected_prev, expected_seq = entry.entry_hash, expected_seq + 1
    finally:
        result.close()
    head = db.session.get(AuditHead, chain)
    if head is None:
        return ChainReport(chain, count, count == 0, None if count == 0 else 1, None if count == 0 else "chain head missing")
    last = expected_seq - 1
    if last != head.seq or head.head_hash != expected_prev:
        # The first entry the head does not vouch for: an extra one, a missing one, or the last.
        broken = head.seq + 1 if last > head.seq else (last + 1 if last < head.seq else last)
        return ChainReport(chain, count, False, broken,
                           "chain head does not match the last entry (entries removed or added at the end)")
    return ChainReport(chain, count, True)


def all_chains() -> list[str]:
    """Every chain known from heads or entries."""
    heads = set(db.session.execute(select(AuditHead.chain)).scalars())
    entries = set(db.session.execute(select(AuditEntry.chain).distinct()).scalars())
    return sorted(heads | entries)


def log_access(
    *, centre_id: int | None, user_id: int | None, action: str, object_type: str, object_id: Any,
    now: datetime, detail: str | None = None,
) -> AccessEvent:
    """Record a read, download or refusal of sensitive data (PIPL Art. 28/31)."""
    event = AccessEvent(
        centre_id=centre_id, user_id=user_id, at=now, action=action,
        object_type=object_type, object_id=str(object_id), detail=detail,
    )
    db.session.add(event)
    db.session.flush()
    return event


def snapshot(obj: object, fields: tuple[str, ...]) -> dict[str, Any]:
    """The audited fields of a record, as a plain dict (digested, never stored in clear)."""
    return {name: getattr(obj, name) for name in fields}


def audited_update(
    obj: Any, changes: dict[str, Any], fields: tuple[str, ...], action: str,
    check: Callable[[dict[str, Any], ProblemCollector], None], *, actor: Any, now: datetime,
) -> Any:
    """Check the record as it would be after `changes` (every problem at once), apply them, audit before/after."""
    before = snapshot(obj, fields)
    problems = ProblemCollector()
    check({**before, **changes}, problems)
    problems.raise_if_any()
    for key, value in changes.items():
        setattr(obj, key, value)
    db.session.flush()
    audit_record(obj, action, before, fields, actor=actor, now=now)
    return obj


def audit_record(
    obj: Any, action: str, before: dict[str, Any] | None, fields: tuple[str, ...], *, actor: Any, now: datetime
) -> AuditEntry:
    """Audit a change to a centre-owned record (anything with `id` and `centre_id`)."""
    centre_id = obj.id if obj.__tablename__ == "centre" else obj.centre_id
    return record_change(
        centre_id=centre_id, actor_id=actor.user_id, actor_kind=actor.kind, action=action,
        object_type=obj.__tablename__, object_id=obj.id, before=before, after=snapshot(obj, fields), now=now,
    )
