"""Medication consents: the terms a consent may say, who signs for a child, withdrawal; reading consents.

Consents are made by a guardian signing a request (`server.care.medication.requests`); doses are
`server.care.medication.doses`. What a consent may say (its window
around each time, how many times a day) is the rulebook's `care.medication_consent`
(`compliance.care.medication.consent_limits`), read for the centre on the day. Drug names are health data:
every read here authorises HEALTH_READ and is logged. A consent row is locked (`lock_consent`) by every change
that depends on its doses, so a dose, a correction and a withdrawal of one consent never interleave.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.care import DoseRecord, MedicationConsentRecord, consent_locked
from compliance.care.medication import ConsentLimits, consent_limits
from server.audit.operations import audit_record, log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.care.medication.models import ConsentWithdrawal, MedicationConsent, MedicationDose, MedicationSignature
from server.care.medication.signature import check_signature
from server.care.operations.common import rules_on
from server.database import db
from server.errors import Conflict, NotFound, Problem, ProblemCollector, ValidationFailed
from server.people.models import Child, ChildContact, Contact

CONSENT_FIELDS = ("child_id", "drug", "dose", "dose_unit", "route", "times", "first_day", "last_day",
                  "window_minutes", "max_doses_per_day", "signed_by_contact_id", "signed_at", "signature_id", "note",
                  "amends_id", "reason", "request_id", "signed_via")
WITHDRAWAL_FIELDS = ("consent_id", "at", "reason")
SIGNATURE_FIELDS = ("sha256", "content_type", "size", "width", "height")


# ---- the library's view -------------------------------------------------------------------------------------

def withdrawals(consent_ids: Iterable[int]) -> dict[int, ConsentWithdrawal]:
    """The withdrawal of each consent that has one."""
    ids = list(consent_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(ConsentWithdrawal).where(ConsentWithdrawal.consent_id.in_(ids))).scalars()
    return {w.consent_id: w for w in rows}


def amended_ids(consent_ids: Iterable[int]) -> set[int]:
    """Those of the consents a correction replaced (readers use the correction)."""
    ids = list(consent_ids)
    if not ids:
        return set()
    stmt = select(MedicationConsent.amends_id).where(MedicationConsent.amends_id.in_(ids))
    return {i for i in db.session.execute(stmt).scalars() if i is not None}


def consent_record(consent: MedicationConsent, withdrawal: ConsentWithdrawal | None = None,
                   signer: str | None = None) -> MedicationConsentRecord:
    """The library's view of a consent."""
    return MedicationConsentRecord(
        id=consent.id, child_id=consent.child_id, drug=consent.drug, dose=Decimal(consent.dose),
        dose_unit=consent.dose_unit, route=consent.route, times=tuple(time.fromisoformat(t) for t in consent.times),
        first_day=consent.first_day, last_day=consent.last_day, signed_by=signer or f"c{consent.signed_by_contact_id}",
        signed_at=consent.signed_at, window_minutes=consent.window_minutes,
        max_doses_per_day=consent.max_doses_per_day, withdrawn_at=withdrawal.at if withdrawal else None)


def dose_record(dose: MedicationDose) -> DoseRecord:
    """The library's view of a dose (staff as `s<id>`, so two people of one name stay two)."""
    return DoseRecord(id=dose.id, child_id=dose.child_id, consent_id=dose.consent_id, at=dose.at, drug=dose.drug,
                      dose=Decimal(dose.dose), dose_unit=dose.dose_unit, route=dose.route,
                      given_by=f"s{dose.given_by_id}", witnessed_by=f"s{dose.witnessed_by_id}")


def doses_of_consents(consent_ids: Iterable[int]) -> list[MedicationDose]:
    """The doses given under the consents, in time order."""
    ids = list(consent_ids)
    if not ids:
        return []
    return list(db.session.execute(select(MedicationDose).where(MedicationDose.consent_id.in_(ids))
                                   .order_by(MedicationDose.at, MedicationDose.id)).scalars())


def is_locked(consent: MedicationConsent) -> bool:
    """A dose was given under the consent: it may no longer change (`compliance.care.consent_locked`)."""
    return consent_locked(consent_record(consent), [dose_record(d) for d in doses_of_consents([consent.id])])


def lock_consent(consent: MedicationConsent) -> None:
    """Hold the consent's row until the transaction ends (PostgreSQL; SQLite's transactions are IMMEDIATE).

    Taken before reading the consent's doses, withdrawal or corrections for a change that depends on them: two
    tablets giving the same dose, or a dose and a correction, then run one after the other.
    """
    db.session.execute(select(MedicationConsent.id).where(MedicationConsent.id == consent.id).with_for_update())


def limits_for(centre_id: int, day: date) -> ConsentLimits:
    """What a consent may say at the centre on `day` (the rulebook's `care.medication_consent`)."""
    limits = consent_limits(rules_on(centre_id, day))
    if limits is None:  # the rule is in force from 2012: only a rulebook without it gets here
        raise Conflict(_l("Medication consents are not in force at this centre"), code="rule_not_in_force")
    return limits


# ---- reading (health data: authorised and logged) -----------------------------------------------------------

@dataclass(frozen=True)
class ConsentView:
    """A consent with what readers need: withdrawn, replaced by a correction, locked by a dose."""

    consent: MedicationConsent
    withdrawal: ConsentWithdrawal | None
    amended: bool
    locked: bool


def child_consents(child: Child, *, actor: Actor, now: datetime) -> list[ConsentView]:
    """A child's consents, newest first; health data: the read is logged. (`child` as `people.get_child` gave it.)"""
    authorise(actor, Perm.HEALTH_READ, child.centre_id, now)
    rows = list(db.session.execute(select(MedicationConsent).where(MedicationConsent.centre_id == child.centre_id,
                                                                   MedicationConsent.child_id == child.id)
                                   .order_by(MedicationConsent.id.desc())).scalars())
    ids = [c.id for c in rows]
    gone, amended = withdrawals(ids), amended_ids(ids)
    dosed = {d.consent_id for d in doses_of_consents(ids)}
    log_access(centre_id=child.centre_id, user_id=actor.user_id, action="read", object_type="medication_consent",
               object_id=f"child:{child.id}", now=now)
    return [ConsentView(c, gone.get(c.id), c.id in amended, c.id in dosed) for c in rows]


def consent_view(consent: MedicationConsent, *, actor: Actor, now: datetime) -> ConsentView:
    """One consent (drug, dose, times) with its flags, for the dose form; health data: the read is logged."""
    authorise(actor, Perm.HEALTH_READ, consent.centre_id, now)
    log_access(centre_id=consent.centre_id, user_id=actor.user_id, action="read", object_type="medication_consent",
               object_id=consent.id, now=now)
    return ConsentView(consent, withdrawals([consent.id]).get(consent.id), bool(amended_ids([consent.id])),
                       is_locked(consent))


def read_signature(consent: MedicationConsent, *, actor: Actor, now: datetime) -> MedicationSignature:
    """The guardian's drawn signature of a consent; every view is logged."""
    authorise(actor, Perm.HEALTH_READ, consent.centre_id, now)
    row = db.session.get(MedicationSignature, consent.signature_id)
    if row is None:
        raise NotFound()
    log_access(centre_id=consent.centre_id, user_id=actor.user_id, action="read", object_type="medication_signature",
               object_id=consent.id, now=now)
    return row


def guardians_of(child: Child) -> list[Contact]:
    """The contacts linked to the child as guardians (who may sign a consent)."""
    return list(db.session.execute(
        select(Contact).join(ChildContact, ChildContact.contact_id == Contact.id)
        .where(ChildContact.child_id == child.id, ChildContact.is_guardian.is_(True), Contact.centre_id == child.centre_id)
        .order_by(Contact.id)).scalars())


# ---- writing ------------------------------------------------------------------------------------------------

def _parse_times(values: Iterable[time | str], limits: ConsentLimits, problems: ProblemCollector) -> list[str]:
    out: set[str] = set()
    for value in values:
        try:
            moment = value if isinstance(value, time) else time.fromisoformat(str(value).strip())
        except ValueError:
            problems.add("bad_time", _l("Times are local HH:MM"), "times")
            return []
        out.add(moment.strftime("%H:%M"))
    if not out:
        problems.add("times_required", _l("At least one time of day"), "times")
    elif len(out) > limits.max_times:
        problems.add("too_many_times", _l("At most %(n)s times a day", n=limits.max_times), "times")
    return sorted(out)


def _keep_signature(centre_id: int, data: bytes, problems: ProblemCollector, *, actor: Actor,
                    now: datetime) -> MedicationSignature | None:
    checked = check_signature(data, problems)
    problems.raise_if_any()
    assert checked is not None
    existing = db.session.execute(select(MedicationSignature).where(
        MedicationSignature.centre_id == centre_id, MedicationSignature.sha256 == checked.sha256)).scalar_one_or_none()
    if existing is not None:
        return existing
    row = MedicationSignature(centre_id=centre_id, sha256=checked.sha256, content_type="image/png",
                              size=len(checked.data), width=checked.width, height=checked.height, data=checked.data,
                              created_at=now, created_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "medication_signature.keep", None, SIGNATURE_FIELDS, actor=actor, now=now)
    return row


@dataclass(frozen=True)
class Terms:
    """What a request asks and a consent says, checked: drug, dose, route, local times, days, window, daily count."""

    drug: str
    dose: Decimal
    dose_unit: str
    route: str
    times: list[str]
    first_day: date
    last_day: date
    window_minutes: int
    max_doses_per_day: int | None
    note: str | None


def check_terms(
    child: Child, problems: ProblemCollector, *, drug: str, dose: Decimal | str | None, dose_unit: str, route: str,
    times: Sequence[time | str], first_day: date, last_day: date, window_minutes: int | None = None,
    max_doses_per_day: int | None = None, note: str | None = None, today: date,
) -> Terms:
    """The terms of a consent, every problem added to `problems` (the caller raises once).

    The window (default and widest: the rulebook's) and the number of times come from `care.medication_consent`
    for the centre on `today`; the last day may not have passed.
    """
    limits = limits_for(child.centre_id, today)
    drug, dose_unit, route = (drug or "").strip(), (dose_unit or "").strip(), (route or "").strip()
    for name, value in (("drug", drug), ("dose_unit", dose_unit), ("route", route)):
        if not value:
            problems.add("required", _l("Required"), name)
    amount = Decimal(0)
    try:
        amount = Decimal(dose) if dose is not None else Decimal(0)
    except ArithmeticError:
        pass
    if not amount.is_finite() or amount <= 0:
        problems.add("bad_dose", _l("The dose must be more than 0"), "dose")
    clock = _parse_times(times, limits, problems)
    if first_day > last_day:
        problems.add("last_before_first", _l("The last day is before the first day"), "last_day")
    if last_day < today:
        problems.add("consent_over", _l("The last day has passed"), "last_day")
    window = limits.window_minutes if window_minutes is None else window_minutes
    if not limits.window_allowed(window):
        problems.add("bad_window", _l("The window is %(low)s to %(high)s minutes", low=limits.narrowest_window,
                                      high=limits.window_minutes), "window_minutes")
    if max_doses_per_day is not None and not 1 <= max_doses_per_day <= max(1, len(clock)):
        problems.add("bad_daily_limit", _l("The daily count is 1 to the number of times"), "max_doses_per_day")
    return Terms(drug=drug, dose=amount, dose_unit=dose_unit, route=route, times=clock, first_day=first_day,
                 last_day=last_day, window_minutes=window, max_doses_per_day=max_doses_per_day,
                 note=(note or "").strip() or None)


def guardian_acting(child: Child, contact: Contact | int, *, actor: Actor, now: datetime) -> Contact:
    """The guardian `contact` acting for `child` through their own account (FAMILY_WRITE, their own child only).

    Another family's child, or a contact that is not the actor's own: 404. A contact of the actor who is not a
    guardian of this child (e.g. a grandparent who may collect): 422 `not_guardian`. The system (the demo, the
    CLI) acts for any guardian of the child.
    """
    authorise(actor, Perm.FAMILY_WRITE, child.centre_id, now)
    contact_id = contact.id if isinstance(contact, Contact) else contact
    if not actor.is_system and contact_id not in actor.contact_ids:
        raise NotFound()
    found = next((c for c in guardians_of(child) if c.id == contact_id), None)
    if found is None:
        if not actor.is_system and not _linked(child, actor.contact_ids):
            raise NotFound()
        raise ValidationFailed([Problem("not_guardian", _l("Only a guardian of the child may sign"), "contact_id")])
    return found


def _linked(child: Child, contact_ids: Iterable[int]) -> bool:
    ids = list(contact_ids)
    return bool(ids) and db.session.execute(select(ChildContact.id).where(
        ChildContact.child_id == child.id, ChildContact.contact_id.in_(ids))).first() is not None


def own_guardian_contact(child: Child, actor: Actor) -> Contact | None:
    """The actor's own contact who is a guardian of the child (the first), or None."""
    return next((c for c in guardians_of(child) if c.id in actor.contact_ids), None)


def keep_signature(centre_id: int, data: bytes, problems: ProblemCollector, *, actor: Actor,
                   now: datetime) -> MedicationSignature:
    """The drawn signature checked by its content (problems raised with any already collected), kept once."""
    signature = _keep_signature(centre_id, data, problems, actor=actor, now=now)
    assert signature is not None
    return signature


def _check_amendable(consent: MedicationConsent) -> None:
    lock_consent(consent)  # a dose given meanwhile on a tablet is seen (or waits for the correction)
    if is_locked(consent):
        raise Conflict(_l("A dose was given under this consent: it cannot change; the guardian signs a new one"),
                       code="consent_locked")
    if amended_ids([consent.id]):
        raise Conflict(_l("This consent was already corrected: correct the latest version"), code="already_amended")
    if withdrawals([consent.id]):
        raise Conflict(_l("This consent was withdrawn"), code="consent_withdrawn")


def check_amendable(consent: MedicationConsent) -> None:
    """Refuse (409) a correction of a consent a dose locked, already corrected or withdrawn; locks its row."""
    _check_amendable(consent)


def withdraw_consent(consent: MedicationConsent, *, reason: str, by_guardian: Contact | int | None = None,
                     actor: Actor, now: datetime) -> ConsentWithdrawal:
    """The consent is withdrawn: no dose may be given under it from now (the next dose is refused at once).

    By staff (CARE_WRITE: the guardian told them), or by the guardian on their phone (`by_guardian`: their own
    contact; FAMILY_WRITE, their own child only).
    """
    if by_guardian is None:
        authorise(actor, Perm.CARE_WRITE, consent.centre_id, now)
    else:
        child = db.session.get(Child, consent.child_id)
        assert child is not None
        guardian_acting(child, by_guardian, actor=actor, now=now)
    if not (reason or "").strip():
        raise ValidationFailed([Problem("reason_required", _l("Say why the consent is withdrawn"), "reason")])
    lock_consent(consent)  # a dose being given now is stored before the withdrawal, or refused after it
    if withdrawals([consent.id]):
        raise Conflict(_l("This consent was already withdrawn"), code="already_withdrawn")
    row = ConsentWithdrawal(centre_id=consent.centre_id, consent_id=consent.id, at=now, reason=reason.strip(),
                            by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "medication_consent.withdraw", None, WITHDRAWAL_FIELDS, actor=actor, now=now)
    return row
