"""The demo's duty roster (排班): every working day of the month behind today and of the current week.

Each week is planned the Friday before (or at set-up), through `assign_shift`: caregivers in their home class on
07:30–16:30 or 08:30–17:30 shifts (alternating week by week), everyone else off the class floor. Only people
certified on the day are put on it (the operation would refuse the rest, saying why), so the caregiver whose
health certificate lapsed drops off the roster from its expiry, and the new hire without a skill certificate is
never on it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from server.attendance.registers import is_working_day
from server.attendance.rooms.operations.live import CAREGIVING_ROLES
from server.audit.models import AuditHead, chain_for
from server.auth.actor import Actor
from server.centre.models import Centre, Room
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import Staff
from server.staff.operations.credentials import current_credentials
from server.staff.operations.eligibility import certified_staff_ids
from server.staff.operations.roster import assign_shift

CARE_SHIFTS = ((time(7, 30), time(16, 30)), (time(8, 30), time(17, 30)))
OFFICE_SHIFT = (time(8, 0), time(17, 0))


def seed_roster(centre: Centre, *, start: date, today: date, setup_at: datetime, now: datetime, actor: Actor,
                away: frozenset[int] = frozenset()) -> int:
    """Shifts from `start` to the Sunday of today's week; returns how many. `away`: employed, not on the floor."""
    tz = centre_zone(centre)
    staff = db.session.execute(select(Staff).where(Staff.centre_id == centre.id).order_by(Staff.id)).scalars().all()
    end = today + timedelta(days=6 - today.weekday())
    # Held while the roster is written: the session's identity map keeps objects only while something refers to
    # them, and each assignment looks the room, the audit head and the credentials up again (a query otherwise).
    _held = [*db.session.execute(select(Room).where(Room.centre_id == centre.id)).scalars().all(),
             *current_credentials(centre.id), db.session.get(AuditHead, chain_for(centre.id))]
    count = 0
    for day in (start + timedelta(days=i) for i in range((end - start).days + 1)):
        if not is_working_day(day):
            continue
        monday = day - timedelta(days=day.weekday())
        planned = datetime.combine(monday - timedelta(days=3), time(17), tzinfo=tz)  # the Friday before, 17:00
        at = min(now, max(setup_at, planned))
        on_staff = [s for s in staff if s.hired_on <= day and (s.left_on is None or s.left_on >= day)
                    and s.id not in away]
        certified = certified_staff_ids(centre.id, [s.id for s in on_staff], day)
        for n, member in enumerate(on_staff):
            if member.id not in certified:
                continue
            in_class = member.role in CAREGIVING_ROLES and member.home_room_id is not None
            starts, ends = CARE_SHIFTS[(n + monday.toordinal() // 7) % 2] if in_class else OFFICE_SHIFT
            assign_shift(centre, staff_id=member.id, room_id=member.home_room_id if in_class else None, day=day,
                         starts=starts, ends=ends, actor=actor, now=at)
            count += 1
    del _held
    return count
