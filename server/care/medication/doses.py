"""Doses: give one under the guardian's consent with a witness, and read a child's doses.

`give_dose` asks the library (`compliance.care.dose_allowed`) and stores nothing when it refuses: every reason at
once (422 `dose_refused`). It locks the consent's row before reading the doses already given, so two tablets
giving the same dose at once store one. The witness confirms with their own kiosk PIN; attendance keeps the
PINs and care does not import attendance, so the app factory hands the lookup down as
`app.extensions[STAFF_PIN_KEY]`: `(centre_id, staff_id) -> argon2 hash | None`. A dose queued offline on a
tablet is accepted as late as any care entry (`server.care.operations.common.entry_time`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.care import DoseRecord, Refusal, dose_allowed
from server.audit.operations import audit_record, log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.care.medication.consents import (
    amended_ids,
    consent_record,
    dose_record,
    doses_of_consents,
    guardians_of,
    lock_consent,
    withdrawals,
)
from server.care.medication.models import MedicationConsent, MedicationDose
from server.care.operations.common import entry_time
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.errors import ApiError, Conflict, NotFound, Problem, ProblemCollector, ValidationFailed
from server.people.models import Child, Staff

STAFF_PIN_KEY = "tuoyu.staff_pin_hash"  # app.extensions: (centre_id, staff_id) -> the staff's kiosk PIN hash
StaffPinHash = Callable[[int, int], str | None]
DOSE_FIELDS = ("consent_id", "child_id", "at", "drug", "dose", "dose_unit", "route", "given_by_id", "witnessed_by_id",
               "note")


class DoseRefused(ApiError):
    """The dose may not be given: every reason of `compliance.care.Refusal`, in both languages."""

    status = 422
    code = "dose_refused"
    message = _l("This dose may not be given")

    def __init__(self, refusals: Sequence[Refusal]):
        super().__init__()
        self.refusals = tuple(refusals)

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["error"]["refusals"] = [{"code": r.value, "zh": r.zh, "en": r.en} for r in self.refusals]
        body["error"]["details"] = [{"code": r.value, "message": r.zh, "field": None} for r in self.refusals]
        return body


# ---- reading ------------------------------------------------------------------------------------------------

def child_doses(child: Child, *, start: date | None = None, end: date | None = None, actor: Actor,
                now: datetime) -> list[MedicationDose]:
    """A child's doses (local days `start`..`end`, both optional), newest first; the read is logged."""
    authorise(actor, Perm.HEALTH_READ, child.centre_id, now)
    tz = centre_zone(centre_by_id(child.centre_id))
    stmt = select(MedicationDose).where(MedicationDose.centre_id == child.centre_id, MedicationDose.child_id == child.id)
    if start is not None:
        stmt = stmt.where(MedicationDose.at >= datetime.combine(start, time(), tzinfo=tz))
    if end is not None:
        stmt = stmt.where(MedicationDose.at < datetime.combine(end + timedelta(days=1), time(), tzinfo=tz))
    rows = list(db.session.execute(stmt.order_by(MedicationDose.at.desc(), MedicationDose.id.desc())).scalars())
    log_access(centre_id=child.centre_id, user_id=actor.user_id, action="read", object_type="medication_dose",
               object_id=f"child:{child.id}", now=now)
    return rows


def family_doses(child: Child, day: date, *, actor: Actor, now: datetime) -> list[MedicationDose]:
    """The doses given to a child on a local day, oldest first: for the family's day (drug, dose, time).

    HEALTH_READ, and a reader who does not see every child (a guardian) only for a child they are a guardian of
    (another family's: 404); the read is logged.
    """
    authorise(actor, Perm.HEALTH_READ, child.centre_id, now)
    if not actor.can(Perm.CHILDREN_ALL, child.centre_id, now) and \
            not {c.id for c in guardians_of(child)} & set(actor.contact_ids):
        raise NotFound()
    return sorted(child_doses(child, start=day, end=day, actor=actor, now=now), key=lambda d: (d.at, d.id))


def staff_of_actor(centre_id: int, actor: Actor) -> Staff | None:
    """The member of staff the logged-in user is at the centre (the giver of a dose)."""
    if actor.user_id is None:
        return None
    return db.session.execute(select(Staff).where(Staff.centre_id == centre_id, Staff.user_id == actor.user_id)
                              .order_by(Staff.id)).scalars().first()


def colleagues(centre_id: int, day: date) -> list[Staff]:
    """The centre's staff employed on `day` (who may witness a dose)."""
    return list(db.session.execute(
        select(Staff).where(Staff.centre_id == centre_id, Staff.hired_on <= day,
                            (Staff.left_on.is_(None)) | (Staff.left_on > day)).order_by(Staff.name, Staff.id)).scalars())


# ---- giving -------------------------------------------------------------------------------------------------

def _pin_matches(witness: Staff, pin: str | None) -> bool | None:
    """Whether `pin` is the witness's kiosk PIN; None when they have none set."""
    lookup: StaffPinHash | None = current_app.extensions.get(STAFF_PIN_KEY)
    pin_hash = lookup(witness.centre_id, witness.id) if lookup is not None else None
    if not pin_hash:
        return None
    try:
        return PasswordHasher().verify(pin_hash, pin or "")
    except (VerificationError, InvalidHashError):
        return False


def _employed(staff: Staff, day: date) -> bool:
    return staff.hired_on <= day and (staff.left_on is None or staff.left_on > day)


def _check_pin(witness: Staff, pin: str | None) -> None:
    matches = _pin_matches(witness, pin)
    if matches is None:
        raise ValidationFailed([Problem("witness_has_no_pin", _l("The witness has no PIN yet: ask the office to set one"),
                                        "witness_pin")])
    if not matches:
        raise ValidationFailed([Problem("wrong_pin", _l("The witness's PIN is not right"), "witness_pin")])


def give_dose(
    child: Child, consent: MedicationConsent | None, *, drug: str, dose: Decimal, dose_unit: str, route: str,
    given_by: Staff, witness: Staff | None, witness_pin: str | None, at: datetime | None = None,
    note: str | None = None, actor: Actor, now: datetime,
) -> MedicationDose:
    """Record a dose given under `consent` by `given_by` (the logged-in staff), witnessed by a colleague's PIN.

    Refused with every reason at once (422 `dose_refused`, nothing stored) when the library says no; a wrong
    PIN is 422 `wrong_pin`. `at` (default now) may be as old as a tablet's queued care entry; the library judges
    the consent's days and times at `at`.
    """
    authorise(actor, Perm.CARE_WRITE, child.centre_id, now)
    centre = centre_by_id(child.centre_id)
    problems = ProblemCollector()
    at = entry_time(at, now, problems)
    on = centre_today(centre, at)
    if given_by.centre_id != child.centre_id or (not actor.is_system and given_by.user_id != actor.user_id):
        problems.add("giver_not_staff", _l("Only the member of staff logged in may record a dose they give"), "")
    elif not _employed(given_by, on):
        problems.add("giver_not_staff", _l("Only the member of staff logged in may record a dose they give"), "")
    if witness is not None and (witness.centre_id != child.centre_id or not _employed(witness, on)):
        problems.add("unknown_witness", _l("The witness must be a member of staff of this centre"), "witness_id")
    if dose is None or not Decimal(dose).is_finite():
        problems.add("bad_dose", _l("The dose must be a number"), "dose")
    problems.raise_if_any()
    if consent is not None and consent.centre_id != child.centre_id:
        consent = None  # another centre's consent is no consent here (and says nothing of it)
    if consent is not None:
        lock_consent(consent)  # before the doses are read: a second tablet waits here, then sees this dose
        if amended_ids([consent.id]):
            raise Conflict(_l("This consent was corrected: give the dose under the latest version"),
                           code="consent_amended")
    candidate = DoseRecord(id=0, child_id=child.id, consent_id=consent.id if consent else None, at=at,
                           drug=(drug or "").strip(), dose=Decimal(dose), dose_unit=(dose_unit or "").strip(),
                           route=(route or "").strip(), given_by=f"s{given_by.id}",
                           witnessed_by=f"s{witness.id}" if witness is not None else None)
    record = None
    earlier: list[DoseRecord] = []
    if consent is not None:
        record = consent_record(consent, withdrawals([consent.id]).get(consent.id))
        earlier = [dose_record(d) for d in doses_of_consents([consent.id])]
    refusals = dose_allowed(record, earlier, at, candidate, tz=centre_zone(centre), live=True)
    if refusals:
        raise DoseRefused(refusals)
    assert witness is not None and consent is not None
    if not actor.is_system:  # the demo writes history without anyone at the tablet
        _check_pin(witness, witness_pin)
    row = MedicationDose(centre_id=child.centre_id, consent_id=consent.id, child_id=child.id, at=at,
                         drug=candidate.drug, dose=candidate.dose, dose_unit=candidate.dose_unit, route=candidate.route,
                         given_by_id=given_by.id, witnessed_by_id=witness.id, note=(note or "").strip() or None,
                         recorded_at=now, recorded_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "medication_dose.give", None, DOSE_FIELDS, actor=actor, now=now)
    return row
