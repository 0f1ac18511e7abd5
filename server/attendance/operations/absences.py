"""Why a child is away: absences with the reason (因病缺勤 with the disease name); later records amend."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.attendance.models import Absence, AbsenceReason
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.errors import ProblemCollector
from server.people.models import Child


def record_absence(
    child: Child, *, on: date, reason: AbsenceReason, disease: str | None = None, note: str | None = None,
    actor: Actor, now: datetime, today: date,
) -> Absence:
    """Record why a child is away (因病缺勤 needs the disease name); a later record for the day amends."""
    authorise(actor, Perm.ATTENDANCE_WRITE, child.centre_id, now)
    problems = ProblemCollector()
    if reason is AbsenceReason.SICK and not (disease or "").strip():
        problems.add("disease_required", _l("A sick day needs the disease name"), "disease")
    if on > today + timedelta(days=30):
        problems.add("too_far_ahead", _l("At most %(days)s days ahead", days=30), "on")
    if child.enrolled_on > on or (child.left_on is not None and child.left_on < on):
        problems.add("not_enrolled", _l("The child is not enrolled that day"), "on")
    problems.raise_if_any()
    previous = db.session.execute(
        select(Absence).where(Absence.child_id == child.id, Absence.on == on).order_by(Absence.id.desc()).limit(1)
    ).scalar_one_or_none()
    absence = Absence(centre_id=child.centre_id, child_id=child.id, on=on, reason=reason,
                      disease=(disease or "").strip() or None, note=note, recorded_by_id=actor.user_id,
                      recorded_at=now, amends_id=previous.id if previous else None)
    db.session.add(absence)
    db.session.flush()
    audit_record(absence, "absence.record", None, ("child_id", "on", "reason", "disease", "amends_id"),
                 actor=actor, now=now)
    return absence
