"""The audit chain and the access log as the pack's plain records (the rest comes from server/inspections/sources)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from compliance import Period
from server.audit.models import AccessEvent, AuditEntry, AuditHead, chain_for
from server.audit.operations import format_instant
from server.auth.models import Membership, User
from server.centre.models import Centre
from server.database import db


def audit_head(centre: Centre) -> dict[str, Any]:
    head = db.session.get(AuditHead, chain_for(centre.id))
    return {"chain": chain_for(centre.id), "seq": head.seq if head else 0,
            "head_hash": head.head_hash if head else None}


def audit_entries(centre: Centre, period: Period, tz: Any) -> Iterator[dict[str, Any]]:
    """The chain entries of the period (local calendar days), streamed."""
    start, end = _instants(period, tz)
    stmt = (select(AuditEntry).where(AuditEntry.chain == chain_for(centre.id), AuditEntry.at >= start,
                                     AuditEntry.at < end).order_by(AuditEntry.seq))
    result = db.session.execute(stmt.execution_options(yield_per=2000))
    try:
        for e in result.scalars():
            yield {"seq": e.seq, "at": format_instant(e.at), "actor_id": e.actor_id, "actor_kind": e.actor_kind,
                   "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
                   "before": e.before_digest, "after": e.after_digest, "prev_hash": e.prev_hash,
                   "entry_hash": e.entry_hash}
    finally:
        result.close()


def access_log(centre: Centre, period: Period, tz: Any) -> Iterator[dict[str, Any]]:
    """Who read, downloaded or was refused what at this centre in the period."""
    start, end = _instants(period, tz)
    role = (select(Membership.role).where(Membership.user_id == AccessEvent.user_id,
                                          Membership.centre_id == centre.id)
            .order_by(Membership.id).limit(1).scalar_subquery())
    stmt = (
        select(AccessEvent, User.display_name, role)
        .outerjoin(User, User.id == AccessEvent.user_id)
        .where(AccessEvent.centre_id == centre.id, AccessEvent.at >= start, AccessEvent.at < end)
        .order_by(AccessEvent.at, AccessEvent.id)
    )
    for event, name, role in db.session.execute(stmt):  # noqa: F402 - the row's role shadows the subquery
        yield {"at": event.at, "actor": name or "-", "role": str(role or "-"), "action": event.action,
               "object": f"{event.object_type}:{event.object_id}", "purpose": event.detail or ""}


def _instants(period: Period, tz: Any) -> tuple[datetime, datetime]:
    """The instants bounding the period's local calendar days."""
    start = datetime.combine(period.start, time.min, tzinfo=tz)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=tz)
    return start, end
