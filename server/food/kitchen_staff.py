"""The kitchen's food-handler health certificates (staff domain), for the food section and the kitchen tablet."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from compliance.food.samples import KitchenCertificateRecord
from compliance.rulebook import Rulebook
from compliance.staffing.catalogue import default_catalogue
from compliance.staffing.status import effective_expiry, warning_figures
from server.database import db
from server.people.models import Staff, StaffRole
from server.staff.operations.eligibility import held_by_person

CODE = "food_handler_health"


def kitchen_certificates(centre_id: int, start: date, end: date, rules: Rulebook) -> list[KitchenCertificateRecord]:
    """Each kitchen worker employed some day of start..end, with their latest food-handler certificate's expiry."""
    staff = list(db.session.execute(select(Staff).where(
        Staff.centre_id == centre_id, Staff.role == StaffRole.KITCHEN, Staff.hired_on <= end,
        (Staff.left_on.is_(None)) | (Staff.left_on >= start)).order_by(Staff.name, Staff.id)).scalars())
    held = held_by_person(centre_id, [s.id for s in staff])
    catalogue, out = default_catalogue(), []
    for s in staff:
        creds = [c for c in held.get(s.id, ()) if c.type_code == CODE]
        expiries = [effective_expiry(c, catalogue, rules) for c in creds]
        expires = None if not creds or None in expiries else max(e for e in expiries if e is not None)
        out.append(KitchenCertificateRecord(s.id, s.name, bool(creds), expires, s.hired_on, s.left_on))
    return out


def certificate_warnings(centre_id: int, today: date, rules: Rulebook) -> list[tuple[KitchenCertificateRecord, int]]:
    """Kitchen workers whose certificate is missing, expired (days left < 0) or within the warning figures."""
    figures = warning_figures(rules)
    soonest = max(figures) if figures else 30
    found = []
    for cert in kitchen_certificates(centre_id, today, today, rules):
        if not cert.held:
            found.append((cert, -1))
        elif cert.expires_on is not None and (cert.expires_on - today).days <= soonest:
            found.append((cert, (cert.expires_on - today).days))
    return found
