"""What a guardian does with a report: read their own child's once the director reviewed it, and acknowledge it.

The report reaches the family through its `incident.report` notice (queued by the review); a report of another
family's child, or one not yet reviewed, is 404. The acknowledgement is the notice's (`notices.acknowledge`):
reminders stop, and the report's stage becomes acknowledged.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from server.audit.operations import log_access
from server.auth.actor import AccessRefused, Actor, authorise
from server.auth.roles import Perm, Role
from server.database import db
from server.errors import Conflict, NotFound
from server.incidents.models import IncidentReport, IncidentReview
from server.incidents.operations.signing import review_of
from server.notices.models import GuardianNotice, NoticeAcknowledgement
from server.notices.operations import acknowledge, own_contact
from server.notices.recipients import guardian_children


def family_report(report_id: int, *, actor: Actor, now: datetime) -> tuple[IncidentReport, IncidentReview]:
    """A reviewed report of one of the actor's own children (guardians only); the read is logged."""
    row = db.session.get(IncidentReport, report_id)
    if row is None or not actor.can(Perm.CENTRE_READ, row.centre_id, now):
        raise NotFound()
    authorise(actor, Perm.FAMILY_WRITE, row.centre_id, now)
    if Role.GUARDIAN not in actor.roles_at(row.centre_id, now):
        raise AccessRefused(_l("These pages are for the children's families"), code="families_only",
                            centre_id=row.centre_id)
    review = review_of(row)
    if row.child_id not in guardian_children(actor, row.centre_id) or review is None:
        raise NotFound()
    log_access(centre_id=row.centre_id, user_id=actor.user_id, action="read", object_type="incident_report",
               object_id=row.id, now=now, detail="family")
    return row, review


def notice_of(review: IncidentReview) -> GuardianNotice | None:
    return db.session.get(GuardianNotice, review.notice_id) if review.notice_id is not None else None


def acknowledge_report(report: IncidentReport, review: IncidentReview, *, actor: Actor,
                       now: datetime) -> NoticeAcknowledgement:
    """The guardian says they have read the report (its notice's acknowledgement); 409 when already done."""
    notice = notice_of(review)
    if notice is None:
        raise NotFound()
    contact_id = own_contact(actor, notice)
    if contact_id is None:
        raise Conflict(_l("Only a guardian of the child can do this"), code="not_a_guardian")
    return acknowledge(notice, contact_id=contact_id, actor=actor, now=now)
