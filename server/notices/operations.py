"""Queue a notice for a child's guardians, and what the guardians do with it: read it, acknowledge it.

`queue_notice` is how the domains above (health, care, families, consents, incidents) tell a family something: it
stores the notice and, in the same transaction, its outbox rows (`server.notices.outbox`). `acknowledge` is also
called by other domains (care acknowledges a `medication_consent.to_sign` notice when the guardian signs).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.errors import Conflict, NotFound
from server.notices.kinds import kind_of
from server.notices.models import GuardianNotice, GuardianNoticeDelivery, NoticeAcknowledgement, NoticeRead
from server.notices.outbox import enqueue_notice
from server.notices.recipients import guardian_children, guardian_contact_ids

NOTICE_FIELDS = ("child_id", "kind", "subject", "detail", "created_by_id")
DELIVERY_FIELDS = ("notice_id", "delivered_at", "channel")
READ_FIELDS = ("notice_id", "contact_id", "at")
ACK_FIELDS = ("notice_id", "contact_id", "at", "by_id")
MAX_KIND, MAX_SUBJECT, MAX_CHANNEL = 40, 200, 20


def _check_detail(detail: dict[str, Any]) -> None:
    """The content convention: optional `body` (a msgid) with `params`, optional `link` {endpoint, args}."""
    if not isinstance(detail, dict):
        raise ValueError("a notice's detail is a JSON object")
    if "body" in detail and not (isinstance(detail["body"], str) and detail["body"]):
        raise ValueError("detail.body is a catalogue msgid")
    if "params" in detail and not isinstance(detail["params"], dict):
        raise ValueError("detail.params is an object of plain values")
    link = detail.get("link")
    if link is not None and not (isinstance(link, dict) and isinstance(link.get("endpoint"), str)
                                 and isinstance(link.get("args", {}), dict)):
        raise ValueError('detail.link is {"endpoint": "...", "args": {...}}')


def queue_notice(*, centre_id: int, child_id: int, kind: str, subject: str, detail: dict[str, Any], actor: Actor,
                 now: datetime) -> GuardianNotice:
    """Queue one notice and its outbox rows (each guardian × channel); audited. ValueError: unknown kind, bad shape.

    `subject` is a catalogue msgid, `detail` plain JSON values (see `_check_detail`). The caller has authorised its
    own write; this is the consequence of it, not a separate permission.
    """
    if not kind or len(kind) > MAX_KIND or not subject or len(subject) > MAX_SUBJECT:
        raise ValueError("a notice needs a kind (≤ 40 characters) and a subject msgid (≤ 200)")
    kind_of(kind)
    _check_detail(detail)
    row = GuardianNotice(centre_id=centre_id, child_id=child_id, kind=kind, subject=subject, detail=dict(detail),
                         created_at=now, created_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "guardian_notice.queue", None, NOTICE_FIELDS, actor=actor, now=now)
    enqueue_notice(row, reminder=0, actor=actor, now=now)
    return row


def record_delivery(notice: GuardianNotice, *, channel: str, actor: Actor, now: datetime) -> GuardianNoticeDelivery:
    """The notice was delivered to the guardians now, by `channel`: its own row, audited; 409 when delivered already.

    The outbox's drain calls it on the first success of any channel; the notice is never updated.
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


def open_notice_for(child_id: int, kind: str, link_args: dict[str, Any]) -> GuardianNotice | None:
    """The latest unacknowledged notice of a child and kind whose link carries these args (e.g. a request id).

    For the domain that acknowledges on the guardian's behalf (care: the consent request just signed).
    """
    acked = select(NoticeAcknowledgement.id).where(NoticeAcknowledgement.notice_id == GuardianNotice.id)
    rows = db.session.execute(select(GuardianNotice).where(
        GuardianNotice.child_id == child_id, GuardianNotice.kind == kind, ~acked.exists())
        .order_by(GuardianNotice.id.desc())).scalars()
    for row in rows:
        args = ((row.detail or {}).get("link") or {}).get("args") or {}
        if all(str(args.get(k)) == str(v) for k, v in link_args.items()):
            return row
    return None


def undelivered(centre_id: int) -> list[GuardianNotice]:
    """A centre's notices still to deliver (no delivery row), oldest first."""
    delivered = select(GuardianNoticeDelivery.id).where(GuardianNoticeDelivery.notice_id == GuardianNotice.id)
    return list(db.session.execute(
        select(GuardianNotice).where(GuardianNotice.centre_id == centre_id, ~delivered.exists())
        .order_by(GuardianNotice.id)).scalars())


# ---- what a guardian does --------------------------------------------------------------------------------

def get_notice(notice_id: int, *, actor: Actor, now: datetime) -> GuardianNotice:
    """One notice, if the actor reads notices at its centre and, for a guardian, it is about their own child."""
    row = db.session.get(GuardianNotice, notice_id)
    if row is None:
        raise NotFound()
    authorise(actor, Perm.NOTICES_READ, row.centre_id, now)
    if not actor.can(Perm.CHILDREN_ALL, row.centre_id, now) and \
            row.child_id not in guardian_children(actor, row.centre_id):
        raise NotFound()
    return row


def own_contact(actor: Actor, notice: GuardianNotice) -> int | None:
    """The guardian contact of the notice's child the actor acts as (the lowest id if several), or None."""
    mine = sorted(set(guardian_contact_ids(notice.child_id)) & set(actor.contact_ids))
    return mine[0] if mine else None


def read_of(notice: GuardianNotice, contact_id: int) -> NoticeRead | None:
    """The guardian contact's first reading of the notice, if any."""
    return db.session.execute(select(NoticeRead).where(
        NoticeRead.notice_id == notice.id, NoticeRead.contact_id == contact_id)).scalar_one_or_none()


def mark_read(notice: GuardianNotice, *, contact_id: int, actor: Actor, now: datetime) -> NoticeRead:
    """A guardian contact opened the notice: the first time is kept (audited), later openings change nothing."""
    if contact_id not in guardian_contact_ids(notice.child_id):
        raise NotFound()
    existing = read_of(notice, contact_id)
    if existing is not None:
        return existing
    row = NoticeRead(centre_id=notice.centre_id, notice_id=notice.id, contact_id=contact_id, at=now)
    try:
        with db.session.begin_nested():  # the same guardian on two phones at once: one first read
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        found = read_of(notice, contact_id)
        assert found is not None
        return found
    audit_record(row, "guardian_notice.read", None, READ_FIELDS, actor=actor, now=now)
    return row


def acknowledgement_of(notice: GuardianNotice) -> NoticeAcknowledgement | None:
    """The notice's acknowledgement, if a guardian gave it."""
    return db.session.execute(select(NoticeAcknowledgement).where(
        NoticeAcknowledgement.notice_id == notice.id)).scalar_one_or_none()


def acknowledge(notice: GuardianNotice, *, contact_id: int, actor: Actor, now: datetime) -> NoticeAcknowledgement:
    """A guardian of the child says "我已知晓" (or signed what it asked): its own row, once, audited.

    FAMILY_WRITE at the centre, and `contact_id` must be a guardian of the child the actor acts as (the system
    actor may name any guardian). 404: not theirs; 409: the kind needs no acknowledgement, or already acknowledged.
    Reminders stop from now on (the reminder job and the drain look for this row).
    """
    authorise(actor, Perm.FAMILY_WRITE, notice.centre_id, now)
    if contact_id not in guardian_contact_ids(notice.child_id) or (
            not actor.is_system and contact_id not in actor.contact_ids):
        raise NotFound()
    if not kind_of(notice.kind).needs_ack:
        raise Conflict(_l("This notice needs no acknowledgement"), code="no_acknowledgement_needed")
    if acknowledgement_of(notice) is not None:
        raise Conflict(_l("This notice is already acknowledged"), code="already_acknowledged")
    mark_read(notice, contact_id=contact_id, actor=actor, now=now)
    row = NoticeAcknowledgement(centre_id=notice.centre_id, notice_id=notice.id, contact_id=contact_id, at=now,
                                by_id=actor.user_id)
    try:
        with db.session.begin_nested():  # both parents tap at once: one acknowledgement
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("This notice is already acknowledged"), code="already_acknowledged") from None
    audit_record(row, "guardian_notice.acknowledge", None, ACK_FIELDS, actor=actor, now=now)
    return row
