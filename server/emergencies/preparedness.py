"""What the preparedness modules share: who is on the staff on a day, the caller's own staff record, local days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select

from compliance import Period
from server.audit.models import AuditEntry
from server.audit.operations import record_change, snapshot
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import Staff

MAX_NOTE = 300
MAX_TEXT = 4000


def active_staff(centre_id: int, on: date) -> list[Staff]:
    """The centre's staff employed on a day, by name."""
    return list(db.session.execute(select(Staff).where(
        Staff.centre_id == centre_id, Staff.hired_on <= on, or_(Staff.left_on.is_(None), Staff.left_on >= on))
        .order_by(Staff.name, Staff.id)).scalars())


def staff_of(actor: Actor, centre_id: int, on: date) -> Staff | None:
    """The caller's own staff record at the centre, if they are employed there on that day."""
    if actor.user_id is None:
        return None
    return next((s for s in active_staff(centre_id, on) if s.user_id == actor.user_id), None)


def period_instants(centre: Centre, period: Period) -> tuple[datetime, datetime]:
    """The period's first instant and the instant after its last local day."""
    zone = centre_zone(centre)
    return (datetime.combine(period.start, time(), zone),
            datetime.combine(period.end + timedelta(days=1), time(), zone))


def local_day(centre: Centre, at: datetime) -> date:
    return at.astimezone(centre_zone(centre)).date()


def local_text(centre: Centre, at: datetime | None) -> str:
    """An instant as the centre's local time, for screens and registers."""
    return at.astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def audit_with(obj: Any, action: str, fields: tuple[str, ...], recorded: dict[str, Any], *, actor: Actor,
               now: datetime, before: dict[str, Any] | None = None) -> AuditEntry:
    """Audit a record with what was recorded alongside it (its items, its participants): all in the snapshot."""
    return record_change(centre_id=obj.centre_id, actor_id=actor.user_id, actor_kind=actor.kind, action=action,
                         object_type=obj.__tablename__, object_id=obj.id, before=before,
                         after={**snapshot(obj, fields), **recorded}, now=now)
