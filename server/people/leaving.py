"""A child leaves the centre (离园/退托): the last day, why, and a note; the registers and kiosks follow.

The child stays in every register up to and including `left_on` and drops out of class lists, kiosk rosters,
expected attendance and ratios from the day after (each reads `left_on`). Leaving is recorded once: a leaving
already recorded answers 409; a wrong date is corrected by the office through `update_child`, audited.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from server.audit.operations import audit_record, snapshot
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.errors import Conflict, ProblemCollector
from server.people.models import Child, LeaveReason
from server.people.operations import CHILD_FIELDS

LEAVE_FIELDS = (*CHILD_FIELDS, "left_reason", "left_note")
MAX_NOTE = 200
# A leaving date this far ahead is a typing error, not a plan (the office records it when it is agreed).
MAX_DAYS_AHEAD = 366


def leave_child(child: Child, *, left_on: date, reason: LeaveReason, note: str | None, actor: Actor, now: datetime,
                today: date) -> Child:
    """Record that a child leaves: `left_on` is the last day at the centre (`today`: the centre's local date)."""
    authorise(actor, Perm.CHILDREN_WRITE, child.centre_id, now)
    if child.left_on is not None:
        raise Conflict(_l("This child has already left."), code="already_left", field="left_on")
    problems = ProblemCollector()
    text = (note or "").strip() or None
    if left_on < child.enrolled_on:
        problems.add("left_before_enrolled", _l("The leaving date is before the enrolment date."), "left_on")
    if (left_on - today).days > MAX_DAYS_AHEAD:
        problems.add("left_too_far", _l("The leaving date must be within a year."), "left_on")
    if reason not in LeaveReason:
        problems.add("bad_choice", _l("Choose one of the options."), "reason")
    if text is not None and len(text) > MAX_NOTE:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_NOTE), "note")
    problems.raise_if_any()
    before = snapshot(child, LEAVE_FIELDS)
    child.left_on, child.left_reason, child.left_note = left_on, LeaveReason(reason), text
    db.session.flush()
    audit_record(child, "child.leave", before, LEAVE_FIELDS, actor=actor, now=now)
    return child
