"""Medication requests: staff type what the bottle says, the guardian signs it on their phone (or declines it).

A request is no consent: no dose can be given against it (a dose names a consent). Staff make one from the room
tablet or the office (`request_consent`, CARE_WRITE), which queues a notice `medication_consent.to_sign` for the
child's guardians linking to the phone's sign page; a guardian may also start one themselves and sign it in one
go (`request_and_sign`). Signing (`sign_request`, FAMILY_WRITE, own children only) makes the `MedicationConsent`
— signed by the guardian's contact, with the signature drawn on the phone, recorded by the guardian's account —
and acknowledges the notice. A request that corrects a consent (`amends`) becomes, once signed, a consent amending
that one (before its first dose only, as before). A declined request is a row with the reason.

Drug names are health data: every read here authorises HEALTH_READ and is logged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.audit.operations import audit_record, log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.care.medication.consents import (
    CONSENT_FIELDS,
    Terms,
    check_amendable,
    check_terms,
    guardian_acting,
    guardians_of,
    keep_signature,
)
from server.care.medication.models import (
    MedicationConsent,
    MedicationRequest,
    MedicationRequestDecline,
    RequestSource,
    SigningChannel,
)
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_today
from server.database import db
from server.errors import Conflict, NotFound, Problem, ProblemCollector, ValidationFailed
from server.notices import operations as notices
from server.people.models import Child, Contact
from server.people.operations import get_child

TO_SIGN = "medication_consent.to_sign"  # the notice kind (server/notices/kinds.py)
# The notice's subject: a catalogue msgid, translated when the notice reaches the guardian.
TO_SIGN_SUBJECT = "A medication request is waiting for your signature"
SIGN_ENDPOINT = "medication.family_sign"
REQUEST_FIELDS = ("child_id", "drug", "dose", "dose_unit", "route", "times", "first_day", "last_day",
                  "window_minutes", "max_doses_per_day", "note", "amends_consent_id", "reason", "started_by",
                  "requested_by_contact_id")
DECLINE_FIELDS = ("request_id", "contact_id", "reason", "at")
MAX_REASON = 2000


class RequestState(StrEnum):
    """Where a request stands: waiting for a signature, signed (a consent), declined, or its last day passed."""

    WAITING = "waiting"
    SIGNED = "signed"
    DECLINED = "declined"
    EXPIRED = "expired"


@dataclass(frozen=True)
class RequestView:
    """A request with its outcome: the consent signed from it, or the decline, and its state on `today`."""

    request: MedicationRequest
    consent: MedicationConsent | None
    decline: MedicationRequestDecline | None
    state: RequestState


# ---- writing ------------------------------------------------------------------------------------------------

def _terms(child: Child, values: dict[str, object], problems: ProblemCollector, today: date) -> Terms:
    return check_terms(child, problems, today=today, **values)  # type: ignore[arg-type]


def _amended(child: Child, amends: MedicationConsent | None, reason: str | None,
             problems: ProblemCollector) -> str | None:
    if amends is None:
        return None
    if amends.child_id != child.id or amends.centre_id != child.centre_id:
        raise NotFound()
    why = (reason or "").strip()
    if not why:
        problems.add("reason_required", _l("Say why the consent is corrected"), "reason")
    elif len(why) > MAX_REASON:
        problems.add("too_long", _l("Too long"), "reason")
    return why or None


def _store(child: Child, terms: Terms, *, amends: MedicationConsent | None, reason: str | None,
           by_guardian: Contact | None, actor: Actor, now: datetime) -> MedicationRequest:
    row = MedicationRequest(
        centre_id=child.centre_id, child_id=child.id, drug=terms.drug, dose=terms.dose, dose_unit=terms.dose_unit,
        route=terms.route, times=terms.times, first_day=terms.first_day, last_day=terms.last_day,
        window_minutes=terms.window_minutes, max_doses_per_day=terms.max_doses_per_day, note=terms.note,
        amends_consent_id=amends.id if amends is not None else None, reason=reason,
        started_by=RequestSource.GUARDIAN if by_guardian is not None else RequestSource.STAFF,
        requested_by_contact_id=by_guardian.id if by_guardian is not None else None, created_at=now,
        created_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "medication_request.create", None, REQUEST_FIELDS, actor=actor, now=now)
    return row


def request_consent(
    child: Child, *, drug: str, dose: Decimal | str, dose_unit: str, route: str, times: Sequence[time | str],
    first_day: date, last_day: date, window_minutes: int | None = None, max_doses_per_day: int | None = None,
    note: str | None = None, amends: MedicationConsent | None = None, reason: str | None = None, actor: Actor,
    now: datetime,
) -> MedicationRequest:
    """Staff ask the guardians to sign: the request is stored and one notice queued for the child's guardians.

    The terms are checked as a consent's (`check_terms`: the rulebook's window and count). With `amends`: a
    correction of that consent, `reason` required; a consent a dose locked, already corrected or withdrawn: 409.
    """
    authorise(actor, Perm.CARE_WRITE, child.centre_id, now)
    centre = centre_by_id(child.centre_id)
    problems = ProblemCollector()
    terms = _terms(child, {"drug": drug, "dose": dose, "dose_unit": dose_unit, "route": route, "times": times,
                           "first_day": first_day, "last_day": last_day, "window_minutes": window_minutes,
                           "max_doses_per_day": max_doses_per_day, "note": note}, problems, centre_today(centre, now))
    why = _amended(child, amends, reason, problems)
    if not guardians_of(child):  # nobody could sign it
        problems.add("no_guardian", _l("No guardian is linked to this child: the office links one first."), "")
    problems.raise_if_any()
    if amends is not None:
        check_amendable(amends)
    row = _store(child, terms, amends=amends, reason=why, by_guardian=None, actor=actor, now=now)
    notices.queue_notice(centre_id=child.centre_id, child_id=child.id, kind=TO_SIGN, subject=TO_SIGN_SUBJECT,
                         detail={"link": {"endpoint": SIGN_ENDPOINT, "args": {"code": centre.code,
                                                                              "request_id": row.id}}},
                         actor=actor, now=now)
    return row


def _lock(request: MedicationRequest) -> None:
    """Hold the request's row (PostgreSQL; SQLite's transactions are IMMEDIATE): two signatures take turns."""
    db.session.execute(select(MedicationRequest.id).where(MedicationRequest.id == request.id).with_for_update())


def _open_or_refuse(request: MedicationRequest) -> None:
    if signed_consent(request.id) is not None:
        raise Conflict(_l("This request is already signed"), code="already_signed")
    if decline_of(request.id) is not None:
        raise Conflict(_l("This request was declined"), code="request_declined")


def _consent(request: MedicationRequest, terms: Terms, contact: Contact, signature_id: int, *, actor: Actor,
             now: datetime) -> MedicationConsent:
    consent = MedicationConsent(
        centre_id=request.centre_id, child_id=request.child_id, drug=terms.drug, dose=terms.dose,
        dose_unit=terms.dose_unit, route=terms.route, times=terms.times, first_day=terms.first_day,
        last_day=terms.last_day, window_minutes=terms.window_minutes, max_doses_per_day=terms.max_doses_per_day,
        signed_by_contact_id=contact.id, signed_at=now, signature_id=signature_id, note=terms.note,
        amends_id=request.amends_consent_id, reason=request.reason if request.amends_consent_id else None,
        request_id=request.id, signed_via=SigningChannel.PHONE, recorded_at=now, recorded_by_id=actor.user_id)
    db.session.add(consent)
    db.session.flush()
    audit_record(consent, "medication_consent.amend" if consent.amends_id else "medication_consent.sign", None,
                 CONSENT_FIELDS, actor=actor, now=now)
    return consent


def _terms_of(request: MedicationRequest, child: Child, problems: ProblemCollector, today: date) -> Terms:
    """The request's terms checked again at the signature: the rulebook may have changed, the last day passed."""
    return _terms(child, {"drug": request.drug, "dose": request.dose, "dose_unit": request.dose_unit,
                          "route": request.route, "times": list(request.times), "first_day": request.first_day,
                          "last_day": request.last_day, "window_minutes": request.window_minutes,
                          "max_doses_per_day": request.max_doses_per_day, "note": request.note}, problems, today)


def sign_request(request: MedicationRequest, *, contact: Contact | int, signature_png: bytes, actor: Actor,
                 now: datetime) -> MedicationConsent:
    """The guardian signs the request on their phone: the consent (in force from now); the notice acknowledged.

    FAMILY_WRITE, the guardian's own contact and child (another family: 404). Signed or declined already: 409.
    Terms no longer valid (the last day passed, the rulebook's window narrowed) or a bad signature: 422.
    """
    child = db.session.get(Child, request.child_id)
    assert child is not None
    signer = guardian_acting(child, contact, actor=actor, now=now)
    _lock(request)
    _open_or_refuse(request)
    problems = ProblemCollector()
    terms = _terms_of(request, child, problems, centre_today(centre_by_id(child.centre_id), now))
    problems.raise_if_any()
    amends = db.session.get(MedicationConsent, request.amends_consent_id) if request.amends_consent_id else None
    if amends is not None:
        check_amendable(amends)
    signature = keep_signature(child.centre_id, signature_png, problems, actor=actor, now=now)
    consent = _consent(request, terms, signer, signature.id, actor=actor, now=now)
    _acknowledge(request, signer, actor=actor, now=now)
    return consent


def request_and_sign(
    child: Child, *, contact: Contact | int, signature_png: bytes, drug: str, dose: Decimal | str, dose_unit: str,
    route: str, times: Sequence[time | str], first_day: date, last_day: date, window_minutes: int | None = None,
    max_doses_per_day: int | None = None, note: str | None = None, actor: Actor, now: datetime,
) -> MedicationConsent:
    """A guardian writes the request on their phone and signs it at once: both rows, no notice (they are signing).

    Every problem (the terms and the signature) at once as 422; nothing stored then.
    """
    signer = guardian_acting(child, contact, actor=actor, now=now)
    problems = ProblemCollector()
    terms = _terms(child, {"drug": drug, "dose": dose, "dose_unit": dose_unit, "route": route, "times": times,
                           "first_day": first_day, "last_day": last_day, "window_minutes": window_minutes,
                           "max_doses_per_day": max_doses_per_day, "note": note}, problems,
                   centre_today(centre_by_id(child.centre_id), now))
    signature = keep_signature(child.centre_id, signature_png, problems, actor=actor, now=now)
    request = _store(child, terms, amends=None, reason=None, by_guardian=signer, actor=actor, now=now)
    return _consent(request, terms, signer, signature.id, actor=actor, now=now)


def decline_request(request: MedicationRequest, *, contact: Contact | int, reason: str, actor: Actor,
                    now: datetime) -> MedicationRequestDecline:
    """The guardian declines the request (with the reason): it can no longer be signed; the notice is answered."""
    child = db.session.get(Child, request.child_id)
    assert child is not None
    signer = guardian_acting(child, contact, actor=actor, now=now)
    why = (reason or "").strip()
    if not why or len(why) > MAX_REASON:
        raise ValidationFailed([Problem("reason_required", _l("Say why you decline"), "reason")])
    _lock(request)
    _open_or_refuse(request)
    row = MedicationRequestDecline(centre_id=request.centre_id, request_id=request.id, contact_id=signer.id,
                                   reason=why, at=now, by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "medication_request.decline", None, DECLINE_FIELDS, actor=actor, now=now)
    _acknowledge(request, signer, actor=actor, now=now)
    return row


def _acknowledge(request: MedicationRequest, contact: Contact, *, actor: Actor, now: datetime) -> None:
    """The guardian answered the request: its notice (queued when staff made it) is acknowledged by them."""
    notice = notices.open_notice_for(request.child_id, TO_SIGN, {"request_id": request.id})
    if notice is None:  # a guardian's own request has none; or another guardian acknowledged it already
        return
    try:
        notices.acknowledge(notice, contact_id=contact.id, actor=actor, now=now)
    except Conflict:
        pass  # acknowledged meanwhile by the child's other guardian


# ---- reading ------------------------------------------------------------------------------------------------

def signed_consent(request_id: int) -> MedicationConsent | None:
    """The consent a guardian signed from the request, if any."""
    return db.session.execute(select(MedicationConsent).where(MedicationConsent.request_id == request_id)
                              ).scalar_one_or_none()


def decline_of(request_id: int) -> MedicationRequestDecline | None:
    return db.session.execute(select(MedicationRequestDecline).where(MedicationRequestDecline.request_id == request_id)
                              ).scalar_one_or_none()


def views_of(requests: Iterable[MedicationRequest], today: date) -> list[RequestView]:
    """Each request with its consent or decline and its state on the centre's `today` (three queries in all)."""
    rows = list(requests)
    ids = [r.id for r in rows]
    if not ids:
        return []
    consents = {c.request_id: c for c in db.session.execute(
        select(MedicationConsent).where(MedicationConsent.request_id.in_(ids))).scalars()}
    declines = {d.request_id: d for d in db.session.execute(
        select(MedicationRequestDecline).where(MedicationRequestDecline.request_id.in_(ids))).scalars()}
    out = []
    for row in rows:
        consent, decline = consents.get(row.id), declines.get(row.id)
        state = (RequestState.SIGNED if consent is not None else RequestState.DECLINED if decline is not None
                 else RequestState.EXPIRED if row.last_day < today else RequestState.WAITING)
        out.append(RequestView(row, consent, decline, state))
    return out


def child_requests(child: Child, *, actor: Actor, now: datetime) -> list[RequestView]:
    """A child's requests, newest first (`child` as `people.get_child` gave it); health data: the read is logged."""
    authorise(actor, Perm.HEALTH_READ, child.centre_id, now)
    rows = db.session.execute(select(MedicationRequest).where(
        MedicationRequest.centre_id == child.centre_id, MedicationRequest.child_id == child.id)
        .order_by(MedicationRequest.id.desc())).scalars()
    log_access(centre_id=child.centre_id, user_id=actor.user_id, action="read", object_type="medication_request",
               object_id=f"child:{child.id}", now=now)
    return views_of(rows, centre_today(centre_by_id(child.centre_id), now))


def get_request(request_id: int, *, actor: Actor, now: datetime) -> tuple[MedicationRequest, Child]:
    """One request and its child, if the actor may see the child (a guardian: their own) and read health data.

    The read is logged (the request names a drug).
    """
    request = db.session.get(MedicationRequest, request_id)
    if request is None:
        raise NotFound()
    child = get_child(request.child_id, actor=actor, now=now, log=False)
    authorise(actor, Perm.HEALTH_READ, request.centre_id, now)
    log_access(centre_id=request.centre_id, user_id=actor.user_id, action="read", object_type="medication_request",
               object_id=request.id, now=now)
    return request, child


def waiting_requests(child_ids: Iterable[int], today: date) -> dict[int, list[MedicationRequest]]:
    """Each child's requests still waiting for a guardian's signature on `today`, oldest first.

    Every child asked for is a key. No authorisation: the caller (the room tablet's board with HEALTH_READ, the
    family's own pages) has checked.
    """
    ids = list(dict.fromkeys(child_ids))
    out: dict[int, list[MedicationRequest]] = {i: [] for i in ids}
    if not ids:
        return out
    signed = select(MedicationConsent.id).where(MedicationConsent.request_id == MedicationRequest.id)
    declined = select(MedicationRequestDecline.id).where(MedicationRequestDecline.request_id == MedicationRequest.id)
    for row in db.session.execute(select(MedicationRequest).where(
            MedicationRequest.child_id.in_(ids), MedicationRequest.last_day >= today, ~signed.exists(),
            ~declined.exists()).order_by(MedicationRequest.created_at, MedicationRequest.id)).scalars():
        out[row.child_id].append(row)
    return out
