"""Corrections of the day's attendance by hand: a missed or wrong scan becomes a new row that amends.

The original check-in or check-out is never edited: the correction is a new `AttendanceEvent` (method
"manual") whose `amends_id` names the row it replaces, if there was one. The register reads the latest
amendment; the pack shows the original beside it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.attendance.models import AttendanceEvent, AttendanceKind
from server.attendance.rooms.operations import live
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.database import db
from server.errors import ProblemCollector
from server.people.models import Child

CORRECTABLE = (AttendanceKind.CHECK_IN, AttendanceKind.CHECK_OUT)
MAX_NOTE = 200


def effective_events(centre: Centre, child_id: int, on: date) -> list[AttendanceEvent]:
    """The child's check-ins and check-outs of a centre-local day that no later row amends, in time order."""
    tz = centre_zone(centre)
    start = datetime.combine(on, time.min, tzinfo=tz)
    rows = list(db.session.execute(
        select(AttendanceEvent).where(
            AttendanceEvent.centre_id == centre.id, AttendanceEvent.child_id == child_id,
            AttendanceEvent.at >= start, AttendanceEvent.at < start + timedelta(days=1),
            AttendanceEvent.kind != AttendanceKind.REFUSED,
        ).order_by(AttendanceEvent.at, AttendanceEvent.id)
    ).scalars())
    amended = {e.amends_id for e in rows if e.amends_id is not None}
    return [e for e in rows if e.id not in amended]


def correct_attendance(
    centre: Centre, child: Child, *, kind: AttendanceKind, at: datetime, reason: str,
    actor: Actor, now: datetime,
) -> AttendanceEvent:
    """Record a missed check-in or check-out, or the right time of a wrong one, with the reason.

    The day's check-in that counts (the first) or check-out that counts (the last), if any, is amended.
    """
    authorise(actor, Perm.ATTENDANCE_WRITE, centre.id, now)
    problems = ProblemCollector()
    note = (reason or "").strip()
    if kind not in CORRECTABLE:
        problems.add("bad_choice", _l("Choose check-in or check-out"), "kind")
    if not note:
        problems.add("reason_required", _l("A correction needs its reason"), "reason")
    elif len(note) > MAX_NOTE:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_NOTE), "reason")
    if at > now:
        problems.add("in_future", _l("The time cannot be later than now"), "at")
    on = at.astimezone(centre_zone(centre)).date()
    if child.centre_id != centre.id or child.enrolled_on > on or (child.left_on is not None and child.left_on < on):
        problems.add("not_enrolled", _l("The child is not enrolled that day"), "at")
    problems.raise_if_any()
    same = [e for e in effective_events(centre, child.id, on) if e.kind is kind]
    original = (same[0] if kind is AttendanceKind.CHECK_IN else same[-1]) if same else None
    event = AttendanceEvent(centre_id=centre.id, kind=kind, child_id=child.id, method="manual", at=at,
                            flags=[], amends_id=original.id if original else None, note=note, recorded_at=now)
    db.session.add(event)
    db.session.flush()
    audit_record(event, "attendance.correct", None, ("child_id", "kind", "at", "amends_id", "note"),
                 actor=actor, now=now)
    live.refresh(centre, now)  # presence follows the corrected time: the rooms' ratios at once
    return event
