"""Complaints: a guardian makes one, the director answers it, then closes it; each step its own timed row.

Received → answered → closed, each audited. A new complaint raises an alert for the director (`families.complaint`)
whose condition (`complaint_unanswered`, listed by the app factory in `tuoyu.alert_conditions`) holds until the
answer: nobody resolves it by hand before, and answering resolves it. Answering queues a `complaint.answered`
notice to the family. Deadlines are the rule `families.complaint_handling` (`compliance.feedback`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from compliance.feedback import (
    ComplaintLimits,
    ComplaintRecord,
    ComplaintTiming,
    complaint_categories,
    complaint_limits,
    complaint_timing,
    rating_items,
)
from server.alerts.models import Alert
from server.alerts.operations import raise_alert, resolve
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.operations import centre_by_id
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.families.family import guardian_children, guardian_contact_of
from server.families.models import Complaint, ComplaintAnswer, ComplaintClosure, ComplaintStatus
from server.notices.operations import queue_notice

MAX_TEXT = 2000
COMPLAINT_FIELDS = ("family_child_id", "child_id", "contact_id", "filed_by_id", "category", "text", "received_at")
ANSWER_FIELDS = ("complaint_id", "text", "answered_at", "answered_by_id")
CLOSURE_FIELDS = ("complaint_id", "outcome", "closed_at", "closed_by_id")
ALERT_KIND = "families.complaint"
ALERT_SEVERITY = "warning"
NOTICE_KIND = "complaint.answered"
NOTICE_SUBJECT = "Your complaint has been answered"
_l("Your complaint has been answered")  # the msgid is translated when the notice is delivered
FAMILY_PAGE = "families.family_complaints"


@dataclass(frozen=True)
class ComplaintLine:
    """A complaint with its answer and closing, its status and where it stands against its deadlines."""

    complaint: Complaint
    answer: ComplaintAnswer | None
    closure: ComplaintClosure | None
    timing: ComplaintTiming | None  # None when the rule is not in force

    @property
    def status(self) -> ComplaintStatus:
        if self.closure is not None:
            return ComplaintStatus.CLOSED
        return ComplaintStatus.ANSWERED if self.answer is not None else ComplaintStatus.RECEIVED

    @property
    def overdue(self) -> bool:
        """Its answer or its closing is missing past its deadline."""
        return self.timing is not None and (self.timing.unanswered_overdue or self.timing.unclosed_overdue)


def category_names(key: str) -> tuple[str, str]:
    """A category's Chinese and English names (a rating item's, or other)."""
    item = next((i for i in rating_items() if i.key == key), None)
    return (item.zh, item.en) if item is not None else ("其他", "Other")


def as_record(complaint: Complaint, answer: ComplaintAnswer | None, closure: ComplaintClosure | None) -> ComplaintRecord:
    """The compliance library's record of a complaint."""
    return ComplaintRecord(complaint.id, complaint.received_at, complaint.category,
                           answer.answered_at if answer else None, closure.closed_at if closure else None)


def limits_for(centre: Centre, now: datetime) -> ComplaintLimits | None:
    return complaint_limits(effective_rules(centre, centre_today(centre, now)))


def file_complaint(centre: Centre, *, category: str, text: str, child_id: int | None, actor: Actor,
                   now: datetime) -> Complaint:
    """A guardian makes a complaint (about one of their children, or their family); an alert tells the director."""
    authorise(actor, Perm.FAMILY_WRITE, centre.id, now)
    children = guardian_children(actor, centre.id)
    problems = ProblemCollector()
    if not children:
        problems.add("not_a_guardian", _l("Only a guardian of a child of this centre may make a complaint"), None)
    if category not in complaint_categories():
        problems.add("bad_choice", _l("Choose one of the options."), "category")
    body = (text or "").strip()
    if not body:
        problems.add("required", _l("Say what went wrong"), "text")
    elif len(body) > MAX_TEXT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_TEXT), "text")
    ids = [c.id for c in children]
    if child_id is not None and child_id not in ids:
        problems.add("unknown_child", _l("Choose one of your children"), "child_id")
    problems.raise_if_any()
    family = child_id if child_id is not None else ids[0]
    row = Complaint(centre_id=centre.id, family_child_id=family, child_id=child_id,
                    contact_id=guardian_contact_of(actor, family), filed_by_id=actor.user_id, category=category,
                    text=body, received_at=now)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "complaint.receive", None, COMPLAINT_FIELDS, actor=actor, now=now)
    limits = limits_for(centre, now)
    due = (now + limits.answer).astimezone(centre_zone(centre)) if limits else None
    zh, en = category_names(category)
    raise_alert(centre.id, kind=ALERT_KIND, severity=ALERT_SEVERITY, dedupe_key=f"complaint:{row.id}",
                message_zh=f"新的家长投诉（{zh}）待答复" + (f"，请于 {due:%m-%d %H:%M} 前答复" if due else ""),
                message_en=f"A new complaint ({en.lower()}) awaits an answer" + (f" by {due:%m-%d %H:%M}" if due else ""),
                subject={"complaint": row.id}, now=now)
    return row


def complaint_of(alert: Alert) -> int | None:
    """The complaint an alert of this kind is about."""
    value = (alert.subject or {}).get("complaint")
    return value if isinstance(value, int) else None


def complaint_unanswered(alert: Alert) -> bool:
    """The alert's condition: its complaint has no answer yet (then nobody may resolve it by hand)."""
    complaint_id = complaint_of(alert)
    if complaint_id is None:
        return False
    return db.session.execute(select(ComplaintAnswer.id).where(
        ComplaintAnswer.complaint_id == complaint_id)).first() is None


def _in_family(complaint: Complaint, actor: Actor) -> bool:
    if complaint.contact_id is not None and complaint.contact_id in actor.contact_ids:
        return True
    ids = {c.id for c in guardian_children(actor, complaint.centre_id)}
    return complaint.family_child_id in ids or (complaint.child_id is not None and complaint.child_id in ids)


def get_complaint(complaint_id: int, *, actor: Actor, now: datetime) -> Complaint:
    """A complaint: for those who read feedback, and for the family that made it (others: not found)."""
    row = db.session.get(Complaint, complaint_id)
    if row is None:
        raise NotFound()
    if actor.can(Perm.FEEDBACK_READ, row.centre_id, now):
        return row
    if actor.can(Perm.FAMILY_WRITE, row.centre_id, now):
        if not _in_family(row, actor):
            raise NotFound()
        return row
    authorise(actor, Perm.FEEDBACK_READ, row.centre_id, now)  # refuses, logged like any refusal
    return row


def _answer_of(complaint_id: int) -> ComplaintAnswer | None:
    return db.session.execute(select(ComplaintAnswer).where(
        ComplaintAnswer.complaint_id == complaint_id)).scalar_one_or_none()


def _closure_of(complaint_id: int) -> ComplaintClosure | None:
    return db.session.execute(select(ComplaintClosure).where(
        ComplaintClosure.complaint_id == complaint_id)).scalar_one_or_none()


def _text(value: str, field: str) -> str:
    text = (value or "").strip()
    problems = ProblemCollector()
    if not text:
        problems.add("required", _l("This is required."), field)
    elif len(text) > MAX_TEXT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_TEXT), field)
    problems.raise_if_any()
    return text


def _insert_once(row: ComplaintAnswer | ComplaintClosure, conflict: Conflict) -> None:
    try:
        with db.session.begin_nested():  # two directors at once: the unique complaint_id lets one through
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise conflict from None


def answer_complaint(complaint: Complaint, *, text: str, actor: Actor, now: datetime) -> ComplaintAnswer:
    """Answer a complaint (once); the family is notified and the director's alert resolves."""
    authorise(actor, Perm.FEEDBACK_MANAGE, complaint.centre_id, now)
    already = Conflict(_l("This complaint is already answered"), code="already_answered")
    if _answer_of(complaint.id) is not None:
        raise already
    row = ComplaintAnswer(centre_id=complaint.centre_id, complaint_id=complaint.id, text=_text(text, "text"),
                          answered_at=now, answered_by_id=actor.user_id)
    _insert_once(row, already)
    audit_record(row, "complaint.answer", None, ANSWER_FIELDS, actor=actor, now=now)
    centre = centre_by_id(complaint.centre_id)
    queue_notice(centre_id=complaint.centre_id, child_id=complaint.family_child_id, kind=NOTICE_KIND,
                 subject=NOTICE_SUBJECT,
                 detail={"complaint_id": complaint.id, "link": {"endpoint": FAMILY_PAGE, "args": {"code": centre.code}}},
                 actor=actor, now=now)
    for alert in db.session.execute(select(Alert).where(
            Alert.centre_id == complaint.centre_id, Alert.kind == ALERT_KIND,
            Alert.dedupe_key == f"complaint:{complaint.id}", Alert.resolved_at.is_(None))).scalars():
        resolve(alert, actor=Actor.system(), now=now)
    return row


def close_complaint(complaint: Complaint, *, outcome: str, actor: Actor, now: datetime) -> ComplaintClosure:
    """Close an answered complaint with its outcome (409 before its answer, or when closed already)."""
    authorise(actor, Perm.FEEDBACK_MANAGE, complaint.centre_id, now)
    if _answer_of(complaint.id) is None:
        raise Conflict(_l("Answer the complaint before closing it"), code="not_answered")
    already = Conflict(_l("This complaint is already closed"), code="already_closed")
    if _closure_of(complaint.id) is not None:
        raise already
    row = ComplaintClosure(centre_id=complaint.centre_id, complaint_id=complaint.id, outcome=_text(outcome, "outcome"),
                           closed_at=now, closed_by_id=actor.user_id)
    _insert_once(row, already)
    audit_record(row, "complaint.close", None, CLOSURE_FIELDS, actor=actor, now=now)
    return row


def lines(complaints: Sequence[Complaint], limits: ComplaintLimits | None, now: datetime) -> list[ComplaintLine]:
    """The complaints with their answers, closings and timings at `now` (two queries for them all)."""
    ids = [c.id for c in complaints]
    answers = {a.complaint_id: a for a in db.session.execute(select(ComplaintAnswer).where(
        ComplaintAnswer.complaint_id.in_(ids))).scalars()} if ids else {}
    closures = {c.complaint_id: c for c in db.session.execute(select(ComplaintClosure).where(
        ComplaintClosure.complaint_id.in_(ids))).scalars()} if ids else {}
    out = []
    for c in complaints:
        answer, closure = answers.get(c.id), closures.get(c.id)
        timing = complaint_timing(as_record(c, answer, closure), limits, now) if limits else None
        out.append(ComplaintLine(c, answer, closure, timing))
    return out


def centre_complaints(centre: Centre, *, actor: Actor, now: datetime) -> list[ComplaintLine]:
    """Every complaint of the centre: open ones first (overdue first), then the closed, newest first."""
    authorise(actor, Perm.FEEDBACK_READ, centre.id, now)
    rows = list(db.session.execute(select(Complaint).where(Complaint.centre_id == centre.id)
                                   .order_by(Complaint.received_at.desc(), Complaint.id.desc())).scalars())
    found = lines(rows, limits_for(centre, now), now)
    return sorted(found, key=lambda line: (line.status is ComplaintStatus.CLOSED, not line.overdue))


def family_complaints(centre: Centre, *, actor: Actor, now: datetime) -> list[ComplaintLine]:
    """The complaints of the actor's family (made by them or about their children), newest first."""
    authorise(actor, Perm.FAMILY_WRITE, centre.id, now)
    ids = [c.id for c in guardian_children(actor, centre.id)]
    conditions = [Complaint.family_child_id.in_(ids), Complaint.child_id.in_(ids)]
    if actor.contact_ids:
        conditions.append(Complaint.contact_id.in_(actor.contact_ids))
    if not ids and not actor.contact_ids:
        return []
    rows = list(db.session.execute(select(Complaint).where(Complaint.centre_id == centre.id, or_(*conditions))
                                   .order_by(Complaint.received_at.desc(), Complaint.id.desc())).scalars())
    return lines(rows, limits_for(centre, now), now)


def complaint_line(complaint: Complaint, now: datetime) -> ComplaintLine:
    """One complaint's line (the caller got the complaint through `get_complaint`)."""
    return lines([complaint], limits_for(centre_by_id(complaint.centre_id), now), now)[0]
