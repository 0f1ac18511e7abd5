"""JSON API of medication: requests for the guardian to sign, consents, withdrawals, doses.

Staff type a request from the bottle's label (`POST …/medication-requests`); the guardians are notified and sign
it on their phone (`medication.family_sign`): that makes the consent. A correction of a consent before its first
dose is a new request (`…/amend`). Writes need CARE_WRITE and take an `Idempotency-Key` (the room tablet's
offline queue); reads need HEALTH_READ (drug names are health data) and are logged. A guardian reads their own
children's medication.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from flask import Blueprint, Response, g
from flask_babel import lazy_gettext as _l
from pydantic import Field

from server.apispec import Day, Id, Instant, Schema, responses, spec
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.care.medication import consents, doses, requests
from server.care.medication.models import ConsentWithdrawal, MedicationConsent, MedicationDose, MedicationRequest
from server.clock import utcnow
from server.database import db
from server.errors import NotFound, Problem, ValidationFailed
from server.extensions import limiter
from server.idempotency import idempotent
from server.people.models import Child, Staff
from server.people.operations import get_child

bp = Blueprint("medication_api", __name__, url_prefix="/api/v1")
# Wrong witness PINs per client address: a PIN is 6–8 digits, so guessing must stay slow.
PIN_LIMIT = "10 per 10 minutes"
_PIN_REFUSED = "medication_pin_refused"
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
MINUTES_A_DAY = 24 * 60  # bounds of the request only: the rulebook's limits are the operation's to check


class MedicationRequestIn(Schema):
    drug: str = Field(min_length=1, max_length=120)
    dose: Decimal = Field(gt=0, le=100_000, max_digits=10, decimal_places=3)
    dose_unit: str = Field(min_length=1, max_length=20, description="ml, mg, 片, 滴…")
    route: str = Field(min_length=1, max_length=40, description="口服, 外用, 滴眼…")
    times: list[Annotated[str, Field(pattern=HHMM)]] = Field(
        min_length=1, max_length=MINUTES_A_DAY, description="local HH:MM at the centre; at most the rulebook's count")
    first_day: Day
    last_day: Day
    window_minutes: int | None = Field(None, ge=1, le=MINUTES_A_DAY,
                                       description="minutes either side of a time; default and widest: the rulebook's")
    max_doses_per_day: int | None = Field(None, ge=1, le=MINUTES_A_DAY, description="default: one per time")
    note: str | None = Field(None, max_length=2000)


class MedicationAmendIn(MedicationRequestIn):
    reason: str = Field(min_length=1, max_length=2000, description="why the consent is corrected")


class MedicationRequestOut(Schema):
    id: int
    child_id: int
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
    amends_consent_id: int | None
    reason: str | None
    started_by: str = Field(description="staff | guardian")
    created_at: datetime
    state: str = Field("waiting", description="waiting (for a guardian's signature) | signed | declined | expired")
    consent_id: int | None = Field(None, description="the consent the guardian signed from it")
    declined_reason: str | None = None


class MedicationRequestList(Schema):
    items: list[MedicationRequestOut]


class MedicationWithdrawIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class MedicationConsentOut(Schema):
    id: int
    child_id: int
    drug: str
    dose: Decimal
    dose_unit: str
    route: str
    times: list[str]
    first_day: date
    last_day: date
    window_minutes: int
    max_doses_per_day: int | None
    signed_by_contact_id: int
    signed_at: datetime
    note: str | None
    amends_id: int | None
    reason: str | None
    request_id: int | None = Field(None, description="the request the guardian signed")
    signed_via: str = Field("phone", description="phone (the guardian's) | tablet (consents signed before)")
    recorded_at: datetime
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None
    amended: bool = Field(False, description="a correction replaced this consent: it no longer counts")
    locked: bool = Field(False, description="a dose was given under it: it cannot change")


class MedicationConsentList(Schema):
    items: list[MedicationConsentOut]


class MedicationWithdrawalOut(Schema):
    consent_id: int
    at: datetime
    reason: str


class MedicationDoseIn(Schema):
    consent_id: Id | None = Field(description="the consent the dose is given under (none: refused, no consent)")
    drug: str = Field(min_length=1, max_length=120)
    dose: Decimal = Field(gt=0, le=100_000, max_digits=10, decimal_places=3)
    dose_unit: str = Field(min_length=1, max_length=20)
    route: str = Field(min_length=1, max_length=40)
    witness_id: Id | None = Field(description="the second member of staff (none: refused, no witness)")
    witness_pin: str | None = Field(None, max_length=16, description="the witness's own kiosk PIN")
    at: Instant | None = Field(None, description="when it was given (default now; older from a tablet's queue, as care entries)")
    note: str | None = Field(None, max_length=2000)


class MedicationDoseOut(Schema):
    id: int
    consent_id: int
    child_id: int
    at: datetime
    drug: str
    dose: Decimal
    dose_unit: str
    route: str
    given_by_id: int
    witnessed_by_id: int
    note: str | None
    recorded_at: datetime


class MedicationDoseList(Schema):
    items: list[MedicationDoseOut]


class MedicationDoseQuery(Schema):
    start: Day | None = Field(None, alias="from")
    end: Day | None = Field(None, alias="to")


def consent_out(view: consents.ConsentView) -> MedicationConsentOut:
    out = MedicationConsentOut.model_validate(view.consent)
    out = out.model_copy(update={"signed_via": str(getattr(view.consent.signed_via, "value", view.consent.signed_via))})
    return out.model_copy(update={"withdrawn_at": view.withdrawal.at if view.withdrawal else None,
                                  "withdrawal_reason": view.withdrawal.reason if view.withdrawal else None,
                                  "amended": view.amended, "locked": view.locked})


def _child(child_id: int, perm: Perm) -> tuple[Child, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    child = get_child(child_id, actor=actor, now=now, log=False)
    authorise(actor, perm, child.centre_id, now)
    return child, actor, now


def _consent(consent_id: int, perm: Perm) -> tuple[MedicationConsent, Child, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    consent = db.session.get(MedicationConsent, consent_id)
    if consent is None:
        raise NotFound()
    child = get_child(consent.child_id, actor=actor, now=now, log=False)  # a guardian: their own children only
    authorise(actor, perm, consent.centre_id, now)
    return consent, child, actor, now


def request_out(view: requests.RequestView) -> MedicationRequestOut:
    out = MedicationRequestOut.model_validate(view.request)
    return out.model_copy(update={"started_by": str(getattr(view.request.started_by, "value", view.request.started_by)),
                                  "state": str(view.state), "consent_id": view.consent.id if view.consent else None,
                                  "declined_reason": view.decline.reason if view.decline else None})


def _request_values(json: MedicationRequestIn) -> dict[str, object]:
    return json.model_dump(exclude={"reason"})


@bp.get("/children/<int:child_id>/medication-consents")
@spec.validate(resp=responses(HTTP_200=MedicationConsentList), tags=["medication"])
def list_consents(child_id: int):
    """A child's consents, newest first (withdrawn, corrected and locked ones marked); the read is logged."""
    child, actor, now = _child(child_id, Perm.HEALTH_READ)
    return MedicationConsentList(items=[consent_out(v) for v in consents.child_consents(child, actor=actor, now=now)])


def _new_request(row: MedicationRequest) -> MedicationRequestOut:
    return request_out(requests.RequestView(row, None, None, requests.RequestState.WAITING))


@bp.post("/children/<int:child_id>/medication-requests")
@idempotent
@spec.validate(json=MedicationRequestIn, resp=responses(HTTP_201=MedicationRequestOut), tags=["medication"])
def create_request(child_id: int, json: MedicationRequestIn):
    """Ask the guardians to sign (typed from the bottle's label): a request, not a consent; they are notified.

    No dose can be given until a guardian signed it on their phone.
    """
    child, actor, now = _child(child_id, Perm.CARE_WRITE)
    row = requests.request_consent(child, **_request_values(json), actor=actor, now=now)  # type: ignore[arg-type]
    return _new_request(row), 201


@bp.get("/children/<int:child_id>/medication-requests")
@spec.validate(resp=responses(HTTP_200=MedicationRequestList), tags=["medication"])
def list_requests(child_id: int):
    """A child's requests, newest first, with their state (waiting, signed, declined, expired); the read is logged."""
    child, actor, now = _child(child_id, Perm.HEALTH_READ)
    return MedicationRequestList(items=[request_out(v) for v in requests.child_requests(child, actor=actor, now=now)])


@bp.post("/medication-consents/<int:consent_id>/amend")
@idempotent
@spec.validate(json=MedicationAmendIn, resp=responses(HTTP_201=MedicationRequestOut), tags=["medication"])
def amend_consent(consent_id: int, json: MedicationAmendIn):
    """Correct a consent before its first dose: a new request the guardian signs (its consent replaces this one).

    After a dose: 409 `consent_locked` (the guardian signs a new consent instead).
    """
    consent, child, actor, now = _consent(consent_id, Perm.CARE_WRITE)
    row = requests.request_consent(child, **_request_values(json), amends=consent, reason=json.reason,  # type: ignore[arg-type]
                                   actor=actor, now=now)
    return _new_request(row), 201


@bp.post("/medication-consents/<int:consent_id>/withdraw")
@idempotent
@spec.validate(json=MedicationWithdrawIn, resp=responses(HTTP_201=MedicationWithdrawalOut), tags=["medication"])
def withdraw_consent(consent_id: int, json: MedicationWithdrawIn):
    """The guardian told the centre they withdraw the consent: no dose under it from now."""
    consent, _, actor, now = _consent(consent_id, Perm.CARE_WRITE)
    row: ConsentWithdrawal = consents.withdraw_consent(consent, reason=json.reason, actor=actor, now=now)
    return MedicationWithdrawalOut.model_validate(row), 201


@bp.get("/medication-consents/<int:consent_id>/signature")
@spec.validate(resp=responses("HTTP_200"), tags=["medication"])
def signature(consent_id: int):
    """The guardian's drawn signature (PNG); every view is logged."""
    consent, _, actor, now = _consent(consent_id, Perm.HEALTH_READ)
    row = consents.read_signature(consent, actor=actor, now=now)
    return Response(row.data, mimetype="image/png", headers={"Cache-Control": "private, no-store",
                                                             "X-Content-Type-Options": "nosniff"})


def pin_refused(response: Response) -> bool:
    """Count an answer against the PIN limit only when it refused a witness's PIN."""
    return bool(g.get(_PIN_REFUSED))


def give(child: Child, values: dict[str, object], *, consent_id: int | None, witness_id: int | None,
         actor: Actor, now: datetime) -> MedicationDose:
    """Resolve the consent, giver (the logged-in staff) and witness, then `doses.give_dose` (API and page)."""
    giver = doses.staff_of_actor(child.centre_id, actor)
    if giver is None:
        raise ValidationFailed([Problem("giver_not_staff", _l("Only a member of staff may give a dose"), "")])
    consent = db.session.get(MedicationConsent, consent_id) if consent_id else None
    witness = db.session.get(Staff, witness_id) if witness_id else None
    if witness_id and witness is None:
        raise ValidationFailed([Problem("unknown_witness", _l("The witness must be a member of staff of this centre"),
                                        "witness_id")])
    try:
        return doses.give_dose(child, consent, given_by=giver, witness=witness, actor=actor, now=now,
                             **values)  # type: ignore[arg-type]
    except ValidationFailed as exc:
        if any(p.code == "wrong_pin" for p in exc.problems):
            g.setdefault(_PIN_REFUSED, True)
        raise


@bp.post("/children/<int:child_id>/medication-doses")
@limiter.limit(PIN_LIMIT, methods=["POST"], deduct_when=pin_refused)
@idempotent
@spec.validate(json=MedicationDoseIn, resp=responses(HTTP_201=MedicationDoseOut), tags=["medication"])
def give_dose(child_id: int, json: MedicationDoseIn):
    """Record a dose the logged-in member of staff gives, witnessed by a colleague with their PIN.

    Outside the consent: 422 `dose_refused` with every reason (`error.refusals`: code, zh, en), nothing stored.
    """
    child, actor, now = _child(child_id, Perm.CARE_WRITE)
    values = json.model_dump(include={"drug", "dose", "dose_unit", "route", "witness_pin", "at", "note"})
    row = give(child, values, consent_id=json.consent_id, witness_id=json.witness_id, actor=actor, now=now)
    return MedicationDoseOut.model_validate(row), 201


@bp.get("/children/<int:child_id>/medication-doses")
@spec.validate(query=MedicationDoseQuery, resp=responses(HTTP_200=MedicationDoseList), tags=["medication"])
def list_doses(child_id: int, query: MedicationDoseQuery):
    """A child's doses (`from`/`to`: local days, optional), newest first; the read is logged."""
    child, actor, now = _child(child_id, Perm.HEALTH_READ)
    rows = doses.child_doses(child, start=query.start, end=query.end, actor=actor, now=now)
    return MedicationDoseList(items=[MedicationDoseOut.model_validate(r) for r in rows])
