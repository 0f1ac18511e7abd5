"""Reminders: a notice that needs an acknowledgement is pushed again at the rule's intervals until acknowledged.

Daily for 30 days, then every 30 days (`families.notice_acknowledgement`, Famly's practice). Each reminder is a
row (`NoticeReminder`, once per number) and its pushes are outbox rows; a job that missed slots issues only the
latest reminder due, never a burst. Reminders stop with the acknowledgement, or when the child has left.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.audit.operations import audit_record
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.timezones import centre_today
from server.database import db
from server.notices.kinds import KINDS, kind_of
from server.notices.models import GuardianNotice, NoticeAcknowledgement, NoticeReminder
from server.notices.outbox import enqueue_notice
from server.notices.timing import ack_timing
from server.people.models import Child

REMINDER_FIELDS = ("notice_id", "number", "due_at", "issued_at")


def _waiting(now: datetime) -> list[tuple[GuardianNotice, Centre, Child]]:
    """Notices of kinds that need an acknowledgement, still unacknowledged, queued before now."""
    needing = [key for key, kind in KINDS.items() if kind.needs_ack]
    acked = select(NoticeAcknowledgement.id).where(NoticeAcknowledgement.notice_id == GuardianNotice.id)
    return [(n, c, k) for n, c, k in db.session.execute(
        select(GuardianNotice, Centre, Child).join(Centre, Centre.id == GuardianNotice.centre_id)
        .join(Child, Child.id == GuardianNotice.child_id)
        .where(GuardianNotice.kind.in_(needing), ~acked.exists(), GuardianNotice.created_at < now)
        .order_by(GuardianNotice.id)).all()]


def issue_reminders(now: datetime, *, every: int = 50,
                    after_each: Callable[[], None] | None = None) -> list[NoticeReminder]:
    """Issue, for every waiting notice, the latest reminder that fell due and was not issued yet (audited).

    `after_each` runs after every `every` reminders (the job commits there), so a run that finds a thousand due
    never holds SQLite's one write lock for seconds: a kiosk's batch gets in between.
    """
    waiting = _waiting(now)
    if not waiting:
        return []
    issued = dict(db.session.execute(select(NoticeReminder.notice_id, func.max(NoticeReminder.number)).where(
        NoticeReminder.notice_id.in_([n.id for n, _, _ in waiting])).group_by(NoticeReminder.notice_id)).all())
    made: list[NoticeReminder] = []
    system = Actor.system()
    for notice, centre, child in waiting:
        if child.left_on is not None and child.left_on < centre_today(centre, now):
            continue
        timing = ack_timing(centre, kind_of(notice.kind), notice.created_at)
        if timing is None:
            continue
        number = timing.latest_due(notice.created_at, now)
        if number <= issued.get(notice.id, 0):
            continue
        row = NoticeReminder(centre_id=notice.centre_id, notice_id=notice.id, number=number,
                             due_at=timing.due_at(notice.created_at, number), issued_at=now)
        try:
            with db.session.begin_nested():  # a second process issuing the same reminder: one row
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            continue
        audit_record(row, "guardian_notice.remind", None, REMINDER_FIELDS, actor=system, now=now)
        enqueue_notice(notice, reminder=number, actor=system, now=now)
        made.append(row)
        if after_each is not None and len(made) % every == 0:
            after_each()
    return made
