"""The CCTV footage retention the director records (days the recorder keeps footage); the latest counts.

Judged by `security.cctv_retention` (≥ 90 days, WS/T 821). A report's referenced footage older than the retention
is shown as probably overwritten (`compliance.incidents.footage_probably_overwritten`).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.errors import ProblemCollector
from server.incidents.models import CctvRetention

RETENTION_FIELDS = ("days", "note", "recorded_at")
MOST_DAYS = 3650


def record_retention(centre_id: int, *, days: int, note: str | None, actor: Actor, now: datetime) -> CctvRetention:
    """Record how many days the recorder keeps footage (checked 1–3650); audited."""
    authorise(actor, Perm.INCIDENTS_REVIEW, centre_id, now)
    problems = ProblemCollector()
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MOST_DAYS:
        problems.add("bad_days", _l("Give the number of days (1–3650)"), "days")
    text = (note or "").strip() or None
    if text and len(text) > 500:
        problems.add("too_long", _l("At most %(most)s characters.", most=500), "note")
    problems.raise_if_any()
    row = CctvRetention(centre_id=centre_id, days=days, note=text, recorded_at=now, recorded_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "cctv_retention.record", None, RETENTION_FIELDS, actor=actor, now=now)
    return row


def current_retention(centre_id: int, at: datetime | None = None) -> CctvRetention | None:
    """The latest retention recorded (by `at`, when given)."""
    stmt = select(CctvRetention).where(CctvRetention.centre_id == centre_id)
    if at is not None:
        stmt = stmt.where(CctvRetention.recorded_at <= at)
    return db.session.execute(stmt.order_by(CctvRetention.recorded_at.desc(), CctvRetention.id.desc())).scalars().first()
