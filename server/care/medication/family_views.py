"""The family's medication pages on a phone: requests to sign, consents in force, a new request signed at once.

`medication.family_medication` lists the guardian's children's requests waiting for a signature, consents in
force (each withdrawable at once) and ended ones, with a form to ask for a medicine themselves and sign it in one
go. `medication.family_sign` is where a notice `medication_consent.to_sign` links: the request as staff typed it,
a signature pad (`static/care/signature.js`), "sign" and "decline". For guardians only (a member of staff is
refused: they use the tablet), and only for their own children (another family's request: 404).
"""

from __future__ import annotations

from datetime import datetime

from flask import flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from server.auth.actor import AccessRefused, Actor, authorise
from server.auth.roles import Perm, Role
from server.auth.session import current_actor
from server.care.medication import consents
from server.care.medication import requests as medication_requests
from server.care.medication.models import MedicationConsent, MedicationRequest
from server.care.medication.pages import blank_terms, bp, local, run, terms_context, terms_from_form
from server.care.medication.signature import decode
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.errors import NotFound, Problem
from server.people.links import linked_child_ids
from server.people.models import Child, Contact
from server.people.views import FormReader


def _family(code: str) -> tuple[Centre, Actor, datetime]:
    """The centre, for a guardian there (FAMILY_WRITE); staff are refused: the tablet is theirs."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.FAMILY_WRITE, centre.id, now)
    if Role.GUARDIAN not in actor.roles_at(centre.id, now):
        raise AccessRefused(_l("These pages are for the children's families"), code="families_only",
                            centre_id=centre.id)
    return centre, actor, now


def _children(centre: Centre, actor: Actor) -> list[Child]:
    """The children of the centre the actor is a guardian of, youngest last."""
    if not actor.contact_ids:
        return []
    return list(db.session.execute(select(Child).where(Child.centre_id == centre.id,
                                                       Child.id.in_(linked_child_ids(actor)))
                                   .order_by(Child.born_on, Child.id)).scalars())


def _own(child: Child, actor: Actor) -> Contact:
    """The actor's own guardian contact for the child; another family's child: 404."""
    contact = consents.own_guardian_contact(child, actor)
    if contact is None:
        raise NotFound()
    return contact


def _overview(centre: Centre, actor: Actor, now: datetime, form: dict[str, list[str]] | None = None,
              errors: dict[str, list[str]] | None = None) -> str:
    """Each child's requests and consents (reads logged: drug names are health data), and the new request form."""
    today = centre_today(centre, now)
    children = []
    for child in _children(centre, actor):
        asked = medication_requests.child_requests(child, actor=actor, now=now)
        views = consents.child_consents(child, actor=actor, now=now)
        live = [v for v in views if v.withdrawal is None and not v.amended and v.consent.last_day >= today]
        ended = [v for v in views if v not in live][:10]
        children.append({"child": child, "waiting": [v for v in asked if v.state == "waiting"],
                         "declined": [v for v in asked if v.state == "declined"][:5], "live": live, "ended": ended})
    values = form or blank_terms(centre, now)
    return render_template("care/family_medication.html", centre=centre, children=children, form=values,
                           errors=errors or {}, local=lambda i: local(centre, i), today=today,
                           **terms_context(centre, now, values))


@bp.get("/centres/<string:code>/family/medication")
@login_required
def family_medication(code: str) -> ResponseReturnValue:
    """The guardian's medication page: requests to sign, consents in force and ended, and a new request."""
    centre, actor, now = _family(code)
    return _overview(centre, actor, now)


@bp.post("/centres/<string:code>/family/medication")
@login_required
def family_request(code: str) -> ResponseReturnValue:
    """The guardian asks for a medicine and signs at once: the request and its consent, in force from now."""
    centre, actor, now = _family(code)
    back = url_for("medication.family_medication", code=centre.code)

    def change(form: FormReader) -> None:
        child_id = form.number("child_id")
        child = next((c for c in _children(centre, actor) if c.id == child_id), None)
        if child is None:
            form.problems.append(Problem("bad_choice", _l("Choose your child"), "child_id"))
        terms = terms_from_form(form)
        form.raise_if_any()
        assert child is not None
        medication_requests.request_and_sign(child, contact=_own(child, actor),
                                             signature_png=decode(request.form.get("signature_png")), **terms,
                                             actor=actor, now=now)
        flash(_("Signed: the consent is in force"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]], refusals: list[str]) -> str:
        return _overview(centre, actor, now, form, errors)
    return run(change, back=back, render=render, done=back)


def _request(code: str, request_id: int) -> tuple[Centre, MedicationRequest, Child, Contact, Actor, datetime]:
    centre, actor, now = _family(code)
    row = db.session.get(MedicationRequest, request_id)
    if row is None or row.centre_id != centre.id:
        raise NotFound()
    row, child = medication_requests.get_request(request_id, actor=actor, now=now)  # their own child; logged
    return centre, row, child, _own(child, actor), actor, now


def _sign_page(centre: Centre, row: MedicationRequest, child: Child, now: datetime,
               errors: dict[str, list[str]] | None = None, drawn: str = "") -> str:
    view = medication_requests.views_of([row], centre_today(centre, now))[0]
    amends = db.session.get(MedicationConsent, row.amends_consent_id) if row.amends_consent_id else None
    return render_template("care/family_sign.html", centre=centre, child=child, view=view, row=row, amends=amends,
                           errors=errors or {}, drawn=drawn, local=lambda i: local(centre, i))


@bp.get("/centres/<string:code>/family/medication/requests/<int:request_id>")
@login_required
def family_sign(code: str, request_id: int) -> ResponseReturnValue:
    """The request as staff typed it, a signature pad, "sign" and "decline" (where the notice links)."""
    centre, row, child, _contact, _actor, now = _request(code, request_id)
    return _sign_page(centre, row, child, now)


@bp.post("/centres/<string:code>/family/medication/requests/<int:request_id>")
@login_required
def family_submit_signature(code: str, request_id: int) -> ResponseReturnValue:
    """Sign the request: the consent is in force from now and the notice acknowledged."""
    centre, row, child, contact, actor, now = _request(code, request_id)
    back = url_for("medication.family_sign", code=centre.code, request_id=row.id)

    def change(form: FormReader) -> None:
        medication_requests.sign_request(row, contact=contact, signature_png=decode(request.form.get("signature_png")),
                                         actor=actor, now=now)
        flash(_("Signed: the consent is in force"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]], refusals: list[str]) -> str:
        return _sign_page(centre, row, child, now, errors, (form.get("signature_png") or [""])[0])
    return run(change, back=back, render=render, done=url_for("medication.family_medication", code=centre.code))


@bp.post("/centres/<string:code>/family/medication/requests/<int:request_id>/decline")
@login_required
def family_decline(code: str, request_id: int) -> ResponseReturnValue:
    """Decline the request with the reason (e.g. the dose is wrong): it can no longer be signed."""
    centre, row, child, contact, actor, now = _request(code, request_id)
    back = url_for("medication.family_sign", code=centre.code, request_id=row.id)

    def change(form: FormReader) -> None:
        medication_requests.decline_request(row, contact=contact, reason=request.form.get("reason", ""), actor=actor,
                                            now=now)
        flash(_("Declined: the centre has been told"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]], refusals: list[str]) -> str:
        return _sign_page(centre, row, child, now, errors)
    return run(change, back=back, render=render, done=url_for("medication.family_medication", code=centre.code))


@bp.post("/centres/<string:code>/family/medication/consents/<int:consent_id>/withdraw")
@login_required
def family_withdraw(code: str, consent_id: int) -> ResponseReturnValue:
    """Withdraw a consent: from now no dose may be given under it."""
    centre, actor, now = _family(code)
    consent = db.session.get(MedicationConsent, consent_id)
    if consent is None or consent.centre_id != centre.id:
        raise NotFound()
    child = db.session.get(Child, consent.child_id)
    assert child is not None
    contact = _own(child, actor)
    back = url_for("medication.family_medication", code=centre.code)

    def change(form: FormReader) -> None:
        consents.withdraw_consent(consent, reason=request.form.get("reason", ""), by_guardian=contact, actor=actor,
                                  now=now)
        flash(_("Withdrawn: no more doses under this consent"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]], refusals: list[str]) -> str:
        for texts in errors.values():
            for text in texts:
                flash(text)
        return _overview(centre, actor, now)
    return run(change, back=back, render=render, done=back)
