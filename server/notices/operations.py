"""Queue a notice for a child's guardians and record its delivery (the parent loop, issue #16, delivers it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.audit.operations import audit_record
from server.auth.actor import Actor
from server.database import db
from server.errors import Conflict
from server.notices.models import GuardianNotice, GuardianNoticeDelivery

NOTICE_FIELDS = ("child_id", "kind", "subject", "detail", "created_by_id")
DELIVERY_FIELDS = ("notice_id", "delivered_at", "channel")
MAX_KIND, MAX_SUBJECT, MAX_CHANNEL = 40, 200, 20


def queue_notice(*, centre_id: int, child_id: int, kind: str, subject: str, detail: dict[str, Any], actor: Actor,
                 now: datetime) -> GuardianNotice:
    """Queue one notice (undelivered); audited. `subject` is a catalogue msgid, `detail` plain JSON values.

    The caller has authorised its own write; this is the consequence of it, not a separate permission.
    """
    if not kind or len(kind) > MAX_KIND or not subject or len(subject) > MAX_SUBJECT:
        raise ValueError("a notice needs a kind (≤ 40 characters) and a subject msgid (≤ 200)")
    row = GuardianNotice(centre_id=centre_id, child_id=child_id, kind=kind, subject=subject, detail=dict(detail),
                         created_at=now, created_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "guardian_notice.queue", None, NOTICE_FIELDS, actor=actor, now=now)
    return row


def record_delivery(notice: GuardianNotice, *, channel: str, actor: Actor, now: datetime) -> GuardianNoticeDelivery:
    """The notice was delivered to the guardians now, by `channel`: its own row, audited; 409 when delivered already.

    For the parent loop (issue #16), which has authorised its own work; the notice is never updated.
    """
    if not channel or len(channel) > MAX_CHANNEL:
        raise ValueError("a delivery names its channel (≤ 20 characters)")
    if delivery_of(notice) is not None:
        raise Conflict(_l("This notice is already delivered"), code="already_delivered")
    row = GuardianNoticeDelivery(centre_id=notice.centre_id, notice_id=notice.id, delivered_at=now, channel=channel)
    try:
        with db.session.begin_nested():  # two deliveries at once: the unique notice_id lets one through
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("This notice is already delivered"), code="already_delivered") from None
    audit_record(row, "guardian_notice.deliver", None, DELIVERY_FIELDS, actor=actor, now=now)
    return row


def delivery_of(notice: GuardianNotice) -> GuardianNoticeDelivery | None:
    """The notice's delivery, or None while it is still to send."""
    return db.session.execute(select(GuardianNoticeDelivery).where(
        GuardianNoticeDelivery.notice_id == notice.id)).scalar_one_or_none()


def notices_of(child_ids: Iterable[int], *, kind: str | None = None) -> list[GuardianNotice]:
    """The notices of some children (delivered or not), oldest first; optionally of one kind."""
    ids = list(child_ids)
    if not ids:
        return []
    stmt = select(GuardianNotice).where(GuardianNotice.child_id.in_(ids))
    if kind is not None:
        stmt = stmt.where(GuardianNotice.kind == kind)
    return list(db.session.execute(stmt.order_by(GuardianNotice.id)).scalars())


def undelivered(centre_id: int) -> list[GuardianNotice]:
    """A centre's notices still to deliver (no delivery row), oldest first: what the parent loop picks up."""
    delivered = select(GuardianNoticeDelivery.id).where(GuardianNoticeDelivery.notice_id == GuardianNotice.id)
    return list(db.session.execute(
        select(GuardianNotice).where(GuardianNotice.centre_id == centre_id, ~delivered.exists())
        .order_by(GuardianNotice.id)).scalars())
