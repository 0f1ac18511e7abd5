"""After an emergency (事后恢复与重建): follow-up tasks until done, and the director's review.

An emergency is closed once its close-out is written, complete once it is reviewed and every follow-up is done.
The rule `emergency.response_record` times the review (N days after the close-out) and the follow-ups (their due
dates); `compliance/evaluators/emergency_response.py` reports what is late.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.apispec import FIRST_DAY, LAST_DAY
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.emergencies import live
from server.emergencies.live_models import Emergency, EmergencyStatus, FollowUp, FollowUpDone, Review
from server.errors import Conflict, NotFound, ProblemCollector
from server.people.models import Staff

MAX_TEXT = 2000
REVIEW_FIELDS = ("emergency_id", "what_happened", "what_worked", "what_to_change", "reviewed_at", "reviewed_by_id")
FOLLOW_UP_FIELDS = ("emergency_id", "what", "owner_staff_id", "due_on", "created_at", "created_by_id")
DONE_FIELDS = ("follow_up_id", "note", "done_at", "done_by_id")


def review_of(emergency: Emergency) -> Review | None:
    return db.session.execute(select(Review).where(Review.emergency_id == emergency.id)).scalar_one_or_none()


def follow_ups_of(emergency_ids: list[int]) -> list[tuple[FollowUp, FollowUpDone | None]]:
    """The follow-ups of these emergencies with their completion, by due date."""
    if not emergency_ids:
        return []
    return [(f, d) for f, d in db.session.execute(
        select(FollowUp, FollowUpDone).outerjoin(FollowUpDone, FollowUpDone.follow_up_id == FollowUp.id)
        .where(FollowUp.emergency_id.in_(emergency_ids)).order_by(FollowUp.due_on, FollowUp.id)).all()]


def status_of(emergency: Emergency) -> EmergencyStatus:
    if live.close_out_of(emergency) is None:
        return EmergencyStatus.OPEN
    if review_of(emergency) is None or any(d is None for _, d in follow_ups_of([emergency.id])):
        return EmergencyStatus.CLOSED
    return EmergencyStatus.COMPLETE


def _text(problems: ProblemCollector, value: str | None, field: str, *, required: bool) -> str:
    body = (value or "").strip()
    if required and not body:
        problems.add("required", _l("This is required."), field)
    elif len(body) > MAX_TEXT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_TEXT), field)
    return body


def add_review(emergency: Emergency, *, what_happened: str, what_worked: str, what_to_change: str, actor: Actor,
               now: datetime) -> Review:
    """The director reviews a closed emergency (once)."""
    authorise(actor, Perm.EMERGENCY_MANAGE, emergency.centre_id, now)
    problems = ProblemCollector()
    happened = _text(problems, what_happened, "what_happened", required=True)
    worked = _text(problems, what_worked, "what_worked", required=False)
    change = _text(problems, what_to_change, "what_to_change", required=False)
    problems.raise_if_any()
    if live.close_out_of(emergency) is None:
        raise Conflict(_l("Close the emergency before reviewing it"), code="still_open")
    if review_of(emergency) is not None:
        raise Conflict(_l("This emergency is already reviewed"), code="already_reviewed")
    row = Review(centre_id=emergency.centre_id, emergency_id=emergency.id, what_happened=happened,
                 what_worked=worked, what_to_change=change, reviewed_at=now, reviewed_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "emergency.review", None, REVIEW_FIELDS, actor=actor, now=now)
    return row


def add_follow_up(emergency: Emergency, *, what: str, owner_staff_id: int | None, due_on: date | None, actor: Actor,
                  now: datetime) -> FollowUp:
    """A task after the emergency, with its owner (a member of staff of the centre) and due date."""
    authorise(actor, Perm.EMERGENCY_MANAGE, emergency.centre_id, now)
    problems = ProblemCollector()
    body = _text(problems, what, "what", required=True)
    if due_on is None:
        problems.add("required", _l("This is required."), "due_on")
    elif not FIRST_DAY <= due_on <= LAST_DAY:
        problems.add("bad_date", _l("Choose a date between 2000 and 2100."), "due_on")
    if owner_staff_id is not None:
        owner = db.session.get(Staff, owner_staff_id)
        if owner is None or owner.centre_id != emergency.centre_id:
            problems.add("unknown_staff", _l("Choose a member of staff of this centre"), "owner_staff_id")
    problems.raise_if_any()
    assert due_on is not None
    row = FollowUp(centre_id=emergency.centre_id, emergency_id=emergency.id, what=body, owner_staff_id=owner_staff_id,
                   due_on=due_on, created_at=now, created_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "emergency.follow_up", None, FOLLOW_UP_FIELDS, actor=actor, now=now)
    return row


def get_follow_up(follow_up_id: int, *, actor: Actor, now: datetime) -> FollowUp:
    row = db.session.get(FollowUp, follow_up_id)
    if row is None:
        raise NotFound()
    authorise(actor, Perm.EMERGENCY_READ, row.centre_id, now)
    return row


def complete_follow_up(follow_up: FollowUp, *, note: str, actor: Actor, now: datetime) -> FollowUpDone:
    """A follow-up done (once), with a note of what was done."""
    authorise(actor, Perm.EMERGENCY_MANAGE, follow_up.centre_id, now)
    problems = ProblemCollector()
    body = _text(problems, note, "note", required=False)
    problems.raise_if_any()
    if db.session.execute(select(FollowUpDone.id).where(FollowUpDone.follow_up_id == follow_up.id)).first():
        raise Conflict(_l("This follow-up is already done"), code="already_done")
    row = FollowUpDone(centre_id=follow_up.centre_id, follow_up_id=follow_up.id, note=body, done_at=now,
                       done_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "emergency.follow_up_done", None, DONE_FIELDS, actor=actor, now=now)
    return row
