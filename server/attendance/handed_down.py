"""What attendance answers for the floors below it, handed down by the app factory (they may not import it).

Health's 晨检 queue asks who checked in today, its entry exam when a child was last present, and care's
medication asks for a witness's kiosk PIN hash (attendance keeps the credentials).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from compliance import Period
from server.attendance.models import AttendanceEvent, AttendanceKind, Credential
from server.attendance.registers import register_lines
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import Child


def present_children(centre_id: int, day: date) -> dict[int, int | None]:
    """The children checked in at a centre that local day, with their class (attendance's register)."""
    centre = db.session.get(Centre, centre_id)
    if centre is None:
        return {}
    return {line.child_id: line.room_id for line in register_lines(centre, Period(day, day)) if line.present}


def child_days_present(child_id: int, until: date) -> list[date]:
    """The centre-local days a child checked in, up to `until`, ascending."""
    child = db.session.get(Child, child_id)
    centre = db.session.get(Centre, child.centre_id) if child is not None else None
    if centre is None:
        return []
    tz = centre_zone(centre)
    ats = db.session.execute(select(AttendanceEvent.at).where(
        AttendanceEvent.child_id == child_id, AttendanceEvent.kind == AttendanceKind.CHECK_IN)).scalars()
    return sorted({d for d in (at.astimezone(tz).date() for at in ats) if d <= until})


def staff_pin_hash(centre_id: int, staff_id: int) -> str | None:
    """The kiosk PIN hash of a member of staff: their latest unrevoked credential's."""
    return db.session.execute(select(Credential.pin_hash).where(
        Credential.centre_id == centre_id, Credential.staff_id == staff_id, Credential.revoked_at.is_(None),
        Credential.pin_hash.is_not(None)).order_by(Credential.id.desc())).scalars().first()
