"""What the centre and the family see of notices: each one's status (sent, read, acknowledged, overdue), in bulk.

The status of a notice is the furthest it got: `acknowledged`; else `overdue` (it needs an acknowledgement and
the rule's deadline passed); else `read` (a guardian opened it), `sent` (a channel delivered it) or `queued`.
Every read here is authorised: staff with NOTICES_READ see the centre's notices, a guardian their own children's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select

from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.operations import centre_by_id
from server.database import db
from server.errors import NotFound
from server.notices.kinds import KINDS, NoticeKind, kind_of
from server.notices.models import (
    GuardianNotice,
    GuardianNoticeDelivery,
    NoticeAcknowledgement,
    NoticeDeliveryAttempt,
    NoticeOutbox,
    NoticeRead,
    NoticeReminder,
    OutboxStatus,
)
from server.notices.recipients import guardian_children
from server.notices.timing import ack_timing
from server.people.models import Child, ChildContact, Relationship


class NoticeStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    READ = "read"
    ACKNOWLEDGED = "acknowledged"
    OVERDUE = "overdue"


LABELS: dict[StrEnum, tuple[str, str]] = {
    NoticeStatus.QUEUED: ("待发送", "Queued"),
    NoticeStatus.SENT: ("已发送", "Sent"),
    NoticeStatus.READ: ("已读", "Read"),
    NoticeStatus.ACKNOWLEDGED: ("已确认", "Acknowledged"),
    NoticeStatus.OVERDUE: ("逾期未确认", "Overdue"),
}


@dataclass(frozen=True)
class NoticeLine:
    """A notice with what happened to it, as of `now`."""

    notice: GuardianNotice
    kind: NoticeKind
    child_name: str
    delivery: GuardianNoticeDelivery | None
    first_read_at: datetime | None
    acknowledgement: NoticeAcknowledgement | None
    acknowledged_by: Relationship | None  # the acknowledging guardian's relationship to the child
    deadline_at: datetime | None
    overdue: bool
    reminders_issued: int
    reminders_sent: int
    outbox: list[NoticeOutbox] = field(default_factory=list)
    attempts: list[NoticeDeliveryAttempt] = field(default_factory=list)

    @property
    def status(self) -> NoticeStatus:
        """The furthest the notice got (see the module's docstring)."""
        if self.acknowledgement is not None:
            return NoticeStatus.ACKNOWLEDGED
        if self.overdue:
            return NoticeStatus.OVERDUE
        if self.first_read_at is not None:
            return NoticeStatus.READ
        return NoticeStatus.SENT if self.delivery is not None else NoticeStatus.QUEUED

    @property
    def waiting_for_ack(self) -> bool:
        return self.kind.needs_ack and self.acknowledgement is None

    @property
    def channels(self) -> list[str]:
        return sorted({row.channel for row in self.outbox})


def _by_notice(rows: Sequence[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.notice_id].append(row)
    return grouped


def notice_lines(notices: Sequence[GuardianNotice], now: datetime, *, with_log: bool = False) -> list[NoticeLine]:
    """The notices with their status (a few queries for all of them); `with_log`: outbox rows and attempts too."""
    if not notices:
        return []
    ids = [n.id for n in notices]
    deliveries = {d.notice_id: d for d in db.session.execute(
        select(GuardianNoticeDelivery).where(GuardianNoticeDelivery.notice_id.in_(ids))).scalars()}
    reads = dict(db.session.execute(select(NoticeRead.notice_id, func.min(NoticeRead.at)).where(
        NoticeRead.notice_id.in_(ids)).group_by(NoticeRead.notice_id)).all())
    acks = {a.notice_id: a for a in db.session.execute(
        select(NoticeAcknowledgement).where(NoticeAcknowledgement.notice_id.in_(ids))).scalars()}
    relationships = {(child_id, contact_id): rel for child_id, contact_id, rel in db.session.execute(
        select(ChildContact.child_id, ChildContact.contact_id, ChildContact.relationship).where(
            ChildContact.contact_id.in_({a.contact_id for a in acks.values()} or {0}))).all()}
    issued = dict(db.session.execute(select(NoticeReminder.notice_id, func.count()).where(
        NoticeReminder.notice_id.in_(ids)).group_by(NoticeReminder.notice_id)).all())
    sent_reminders = dict(db.session.execute(
        select(NoticeOutbox.notice_id, func.count(func.distinct(NoticeOutbox.reminder))).where(
            NoticeOutbox.notice_id.in_(ids), NoticeOutbox.reminder > 0, NoticeOutbox.status == OutboxStatus.SENT)
        .group_by(NoticeOutbox.notice_id)).all())
    names = dict(db.session.execute(select(Child.id, Child.name).where(
        Child.id.in_({n.child_id for n in notices}))).all())
    outbox: dict[int, list[Any]] = {}
    attempts: dict[int, list[Any]] = {}
    if with_log:
        outbox = _by_notice(list(db.session.execute(select(NoticeOutbox).where(NoticeOutbox.notice_id.in_(ids))
                                                    .order_by(NoticeOutbox.id)).scalars()))
        attempts = _by_notice(list(db.session.execute(
            select(NoticeDeliveryAttempt).where(NoticeDeliveryAttempt.notice_id.in_(ids))
            .order_by(NoticeDeliveryAttempt.id)).scalars()))
    centres: dict[int, Centre] = {}
    lines = []
    for notice in notices:
        kind = kind_of(notice.kind)
        centre = centres.setdefault(notice.centre_id, centre_by_id(notice.centre_id))
        timing = ack_timing(centre, kind, notice.created_at)
        deadline = timing.deadline_at(notice.created_at) if timing is not None else None
        ack = acks.get(notice.id)
        lines.append(NoticeLine(
            notice=notice, kind=kind, child_name=names.get(notice.child_id, ""), delivery=deliveries.get(notice.id),
            first_read_at=reads.get(notice.id), acknowledgement=ack,
            acknowledged_by=relationships.get((notice.child_id, ack.contact_id)) if ack else None,
            deadline_at=deadline, overdue=ack is None and deadline is not None and deadline <= now,
            reminders_issued=issued.get(notice.id, 0), reminders_sent=sent_reminders.get(notice.id, 0),
            outbox=outbox.get(notice.id, []), attempts=attempts.get(notice.id, [])))
    return lines


def centre_notices(centre: Centre, *, actor: Actor, now: datetime, child_id: int | None = None,
                   status: NoticeStatus | None = None, with_log: bool = False) -> list[NoticeLine]:
    """The centre's notices, newest first (a guardian: their own children's only), optionally of one child/status."""
    authorise(actor, Perm.NOTICES_READ, centre.id, now)
    stmt = select(GuardianNotice).where(GuardianNotice.centre_id == centre.id)
    if not actor.can(Perm.CHILDREN_ALL, centre.id, now):
        own = guardian_children(actor, centre.id)
        if child_id is not None and child_id not in own:
            raise NotFound()
        stmt = stmt.where(GuardianNotice.child_id.in_(own or {0}))
    if child_id is not None:
        child = db.session.get(Child, child_id)
        if child is None or child.centre_id != centre.id:
            raise NotFound()
        stmt = stmt.where(GuardianNotice.child_id == child_id)
    notices = list(db.session.execute(stmt.order_by(GuardianNotice.created_at.desc(), GuardianNotice.id.desc()))
                   .scalars())
    lines = notice_lines(notices, now, with_log=with_log)
    return [line for line in lines if status is None or line.status is status]


def family_inbox(centre: Centre, *, actor: Actor, now: datetime) -> list[NoticeLine]:
    """A guardian's notices: those waiting for their acknowledgement first, then newest first."""
    authorise(actor, Perm.NOTICES_READ, centre.id, now)
    own = guardian_children(actor, centre.id)
    if not own:
        return []
    notices = list(db.session.execute(select(GuardianNotice).where(
        GuardianNotice.centre_id == centre.id, GuardianNotice.child_id.in_(own))
        .order_by(GuardianNotice.created_at.desc(), GuardianNotice.id.desc())).scalars())
    return sorted(notice_lines(notices, now), key=lambda line: not line.waiting_for_ack)


def overdue_count(centre: Centre, now: datetime) -> int:
    """How many of the centre's notices are past their deadline unacknowledged (the director's card)."""
    needing = [key for key, kind in KINDS.items() if kind.needs_ack]
    acked = select(NoticeAcknowledgement.id).where(NoticeAcknowledgement.notice_id == GuardianNotice.id)
    waiting = list(db.session.execute(select(GuardianNotice).where(
        GuardianNotice.centre_id == centre.id, GuardianNotice.kind.in_(needing), ~acked.exists())).scalars())
    count = 0
    for notice in waiting:
        timing = ack_timing(centre, kind_of(notice.kind), notice.created_at)
        if timing is not None and timing.deadline_at(notice.created_at) <= now:
            count += 1
    return count


def subject_text(notice: GuardianNotice) -> str:
    """The subject in the current language (a msgid of the catalogue)."""
    return gettext(notice.subject)


def body_text(notice: GuardianNotice) -> str | None:
    """The optional body (`detail.body` with `detail.params`) in the current language; None without one."""
    detail = notice.detail or {}
    msgid = detail.get("body")
    if not isinstance(msgid, str) or not msgid:
        return None
    params = detail.get("params") if isinstance(detail.get("params"), dict) else {}
    try:
        return gettext(msgid, **params)
    except (KeyError, ValueError, TypeError):
        return gettext(msgid)
