"""JSON API of PIPL consents (个人信息保护法 第31条): statuses, decisions, texts, and the child's photo.

A child's statuses and history, a guardian's decision, the office's paper form, the centre's texts and their
versions, and the child's photo (stored only under a photos consent in force).

A guardian reaches only the children they are a guardian of (another family: 404); staff read every child.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, request
from flask_babel import lazy_gettext as _l
from pydantic import Field
from sqlalchemy import select

from server.apispec import Day, Id, Schema, responses, spec
from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.bounds import parses_own_body
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.errors import NotFound, Problem, ValidationFailed
from server.people import consents
from server.people import operations as ops
from server.people.consent_models import (
    ConsentChoice,
    ConsentDecision,
    ConsentMethod,
    ConsentPurpose,
    ConsentState,
)
from server.people.models import Child, Contact

bp = Blueprint("consents_api", __name__, url_prefix="/api/v1")
MULTIPART_OVERHEAD = 64 * 1024  # the multipart envelope around a photo


class ConsentDecisionOut(Schema):
    id: int
    child_id: int
    contact_id: int
    contact_name: str = ""
    purpose: ConsentPurpose
    version: int
    decision: ConsentChoice
    at: datetime = Field(description="in force from (a paper form: the start of the day it was signed)")
    method: ConsentMethod
    signed_name: str | None = Field(None, description="the name the guardian typed to sign on the phone")
    recorded_by_id: int | None
    recorded_at: datetime


class ConsentStatusOut(Schema):
    purpose: ConsentPurpose
    state: ConsentState = Field(description="given | withdrawn | refused (declined, never given) | none")
    in_force: bool
    version: int | None = Field(description="the version of the latest decision")
    current_version: int
    new_version_to_sign: bool = Field(description="in force under an older version: the current one is to sign")
    since: datetime | None = Field(description="when the latest decision took effect")


class ChildConsentsOut(Schema):
    child_id: int
    statuses: list[ConsentStatusOut]
    history: list[ConsentDecisionOut] = Field(description="every decision, newest first")


class ConsentDecisionIn(Schema):
    purpose: ConsentPurpose
    version: Id = Field(description="the version read; signing needs the current one (else 409 stale_version)")
    decision: ConsentChoice
    signed_name: str | None = Field(None, max_length=60, description="to sign: the guardian's name as on file")


class PaperConsentIn(Schema):
    contact_id: Id = Field(description="the guardian who signed the paper form")
    purpose: ConsentPurpose
    decision: ConsentChoice
    consent_on: Day = Field(description="the day on the form (not in the future)")
    version: Id | None = Field(None, description="the version on the form; default the current one")


class ConsentDocumentOut(Schema):
    id: int | None = Field(description="none: the product's default text, not on file until first signed")
    purpose: ConsentPurpose
    version: int
    text_zh: str
    text_en: str
    is_default: bool
    published_at: datetime | None
    published_by_id: int | None


class ConsentDocumentList(Schema):
    current: list[ConsentDocumentOut]
    history: list[ConsentDocumentOut] = Field(description="every version on file, newest first per purpose")


class ConsentDocumentIn(Schema):
    purpose: ConsentPurpose
    text_zh: str = Field(min_length=1, max_length=consents.MAX_TEXT)
    text_en: str = Field(min_length=1, max_length=consents.MAX_TEXT)


class ChildPhotoOut(Schema):
    id: int
    content_type: str
    sha256: str
    created_at: datetime


def _child(child_id: int, actor: Actor, now: datetime) -> Child:
    """The child, if the actor may see it; a guardian only as one of its guardians (a pick-up adult: 404)."""
    child = ops.get_child(child_id, actor=actor, now=now, log=False)  # decisions are not health data
    if not actor.can(Perm.CHILDREN_ALL, child.centre_id, now) and consents.guardian_contact(child, actor) is None:
        raise NotFound()
    return child


def child_consents(child: Child, now: datetime) -> ChildConsentsOut:
    """A child's statuses now and its history, as the API shows them."""
    statuses = consents.consent_statuses([child.id], now)[child.id]
    names = dict(db.session.execute(select(Contact.id, Contact.name).where(
        Contact.centre_id == child.centre_id)).all())
    return ChildConsentsOut(
        child_id=child.id,
        statuses=[ConsentStatusOut(purpose=s.purpose, state=s.state, in_force=s.in_force, version=s.version,
                                   current_version=s.current_version, new_version_to_sign=s.new_version_to_sign,
                                   since=s.latest.at if s.latest else None) for s in statuses.values()],
        history=[_decision_out(row, names) for row in consents.history([child.id])])


def _decision_out(row: ConsentDecision, names: dict[int, str]) -> ConsentDecisionOut:
    return ConsentDecisionOut.model_validate(row).model_copy(update={"contact_name": names.get(row.contact_id, "")})


@bp.get("/children/<int:child_id>/consents")
@spec.validate(resp=responses(HTTP_200=ChildConsentsOut), tags=["consents"])
def list_child_consents(child_id: int):
    """A child's consents (data processing, photos): status now, the current version and every decision."""
    actor, now = current_actor(), utcnow()
    return child_consents(_child(child_id, actor, now), now)


@bp.post("/children/<int:child_id>/consents")
@spec.validate(json=ConsentDecisionIn, resp=responses(HTTP_201=ChildConsentsOut), tags=["consents"])
def decide(child_id: int, json: ConsentDecisionIn):
    """A guardian signs (given, with their name) or withdraws (at once) a consent for their own child."""
    actor, now = current_actor(), utcnow()
    child = _child(child_id, actor, now)
    consents.decide(child, purpose=json.purpose, version=json.version, decision=json.decision,
                    signed_name=json.signed_name, actor=actor, now=now,
                    notices=current_app.extensions.get(consents.NOTICE_HANDS_KEY))
    return child_consents(child, now), 201


@bp.post("/children/<int:child_id>/consents/paper")
@spec.validate(json=PaperConsentIn, resp=responses(HTTP_201=ChildConsentsOut), tags=["consents"])
def record_paper(child_id: int, json: PaperConsentIn):
    """The office records a guardian's signed paper form: a consent given or withdrawn, on a day."""
    actor, now = current_actor(), utcnow()
    child = ops.get_child(child_id, actor=actor, now=now, log=False)
    contact = db.session.get(Contact, json.contact_id)
    if contact is None or contact.centre_id != child.centre_id:
        raise ValidationFailed([Problem("not_guardian", _l("Only a guardian can give consent."), "contact_id")])
    consents.record_paper(child, contact, purpose=json.purpose, decision=json.decision, on=json.consent_on,
                          version=json.version, actor=actor, now=now)
    return child_consents(child, now), 201


def _document_out(view: consents.DocumentView) -> ConsentDocumentOut:
    return ConsentDocumentOut(id=view.id, purpose=view.purpose, version=view.version, text_zh=view.text_zh,
                              text_en=view.text_en, is_default=view.is_default, published_at=view.published_at,
                              published_by_id=view.published_by_id)


@bp.get("/centres/<string:code>/consent-documents")
@spec.validate(resp=responses(HTTP_200=ConsentDocumentList), tags=["consents"])
def list_documents(code: str):
    """The centre's consent texts: the current version of each purpose, and every version on file."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return ConsentDocumentList(
        current=[_document_out(v) for v in consents.current_documents(centre, now).values()],
        history=[_document_out(consents.DocumentView.of(row)) for row in consents.document_history(centre.id)])


@bp.post("/centres/<string:code>/consent-documents")
@spec.validate(json=ConsentDocumentIn, resp=responses(HTTP_201=ConsentDocumentOut), tags=["consents"])
def publish(code: str, json: ConsentDocumentIn):
    """Publish a new version of a consent text (the director); every enrolled child's guardians are asked to sign."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = consents.publish_version(centre, json.purpose, text_zh=json.text_zh, text_en=json.text_en,
                                   notify=current_app.extensions[consents.QUEUE_NOTICE_KEY], actor=actor, now=now)
    return _document_out(consents.DocumentView.of(row)), 201


@bp.put("/children/<int:child_id>/photo")
@spec.validate(resp=responses(HTTP_201=ChildPhotoOut), tags=["consents"])
@parses_own_body
def put_child_photo(child_id: int):
    """The child's pick-up check photo (multipart field `photo`), only under a photos consent in force.

    Refused at once after a withdrawal: 422 photo_consent_missing.
    """
    actor, now = current_actor(), utcnow()
    child = ops.get_child(child_id, actor=actor, now=now, log=False)
    if (request.content_length or 0) > ops.MAX_PHOTO_BYTES + MULTIPART_OVERHEAD:
        raise ValidationFailed([Problem("bad_photo_size", _l("The photo must be under 2 MB."), "photo")])
    upload = request.files.get("photo")
    data = upload.stream.read(ops.MAX_PHOTO_BYTES + 1) if upload else b""
    photo = ops.set_child_photo(child, data, upload.mimetype if upload else "", actor=actor, now=now)
    return ChildPhotoOut.model_validate(photo), 201
