"""Who may be on duty on a day: each person's credentials against their role's requirements.

The entry point for other domains (the ratio engine, the kiosk, the roster): `duty_statuses` and
`certified_staff_ids`. Strict from the first day (issue #14): nobody goes on child-facing duty or counts in a
ratio until the role's credentials are recorded, whether or not the centre has recorded any credential yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from compliance.staffing import HeldCredential, StaffStatus, default_catalogue, mask_number, staff_status
from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.database import db
from server.people.models import Staff
from server.staff.models import StaffCredential
from server.staff.operations.credentials import current_credentials


def held(row: StaffCredential) -> HeldCredential:
    """A credential row as the compliance library's plain record (the number masked)."""
    return HeldCredential(credential_id=row.id, staff_id=row.staff_id, type_code=row.type_code,
                          number_masked=mask_number(row.number), issuer=row.issuer, issued_on=row.issued_on,
                          expires_on=row.expires_on, level=row.level)


def held_by_person(centre_id: int, staff_ids: Iterable[int] | None = None) -> dict[int, list[HeldCredential]]:
    """The credentials that count (no correction replaced them), by person."""
    out: dict[int, list[HeldCredential]] = {}
    for row in current_credentials(centre_id, None if staff_ids is None else list(staff_ids)):
        out.setdefault(row.staff_id, []).append(held(row))
    return out


def duty_statuses(centre_id: int, staff_ids: Iterable[int], day: date) -> dict[int, StaffStatus]:
    """Each person's standing on `day` (the centre's local date): certified or not, and why."""
    ids = sorted(set(staff_ids))
    if not ids:
        return {}
    centre = db.session.get(Centre, centre_id)
    assert centre is not None
    rules, catalogue = effective_rules(centre, day), default_catalogue()
    roles = dict(db.session.execute(
        select(Staff.id, Staff.role).where(Staff.centre_id == centre_id, Staff.id.in_(ids))).all())
    creds = held_by_person(centre_id, ids)
    return {staff_id: staff_status(staff_id, str(role), tuple(creds.get(staff_id, ())), day, catalogue, rules)
            for staff_id, role in roles.items()}


def certified_staff_ids(centre_id: int, staff_ids: Iterable[int], day: date) -> set[int]:
    """Those of `staff_ids` certified for duty on `day` (someone with no credential recorded is not)."""
    return {staff_id for staff_id, status in duty_statuses(centre_id, staff_ids, day).items() if status.certified}
