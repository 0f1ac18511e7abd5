"""Medication pages of staff, on the room tablet (1280×800) and in the office: requests, doses, a child's list.

Endpoints the room tablet links to: `medication.request_form(child_id)` (staff type the bottle's label; the
guardians are notified and sign on their phone: `family_views`) and `medication.dose_form(consent_id)` (the
giver is the logged-in member of staff; the witness taps their own name and types their PIN).
`medication.child_medication(child_id)` lists a child's requests waiting for a signature, consents and doses.
Each form calls the same operation as the API.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Response, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.care.medication import consents, doses
from server.care.medication import family_views as _family_views  # noqa: F401 - the family's routes, same blueprint
from server.care.medication import requests as medication_requests
from server.care.medication.api import PIN_LIMIT, give, pin_refused
from server.care.medication.due import doses_due
from server.care.medication.models import MedicationConsent
from server.care.medication.pages import (
    PIN_FIELD,
    blank_terms,
    bp,
    decimal_field,
    first,
    local,
    next_page,
    run,
    terms_context,
    terms_from_form,
)
from server.centre.models import Centre
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.errors import NotFound
from server.extensions import limiter
from server.people.models import Child
from server.people.operations import get_child
from server.people.views import FormReader

__all__ = ["bp"]


def _child(child_id: int, perm: Perm) -> tuple[Centre, Child, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    child = get_child(child_id, actor=actor, now=now, log=False)
    authorise(actor, perm, child.centre_id, now)
    centre = db.session.get(Centre, child.centre_id)
    assert centre is not None
    return centre, child, actor, now


def _consent(consent_id: int, perm: Perm) -> tuple[Centre, Child, MedicationConsent, Actor, datetime]:
    consent = db.session.get(MedicationConsent, consent_id)
    if consent is None:
        raise NotFound()
    centre, child, actor, now = _child(consent.child_id, perm)
    return centre, child, consent, actor, now


@bp.get("/medication/children/<int:child_id>")
@login_required
def child_medication(child_id: int) -> ResponseReturnValue:
    """A child's requests waiting for a signature, consents (signature, withdrawn, locked) and doses; reads logged."""
    centre, child, actor, now = _child(child_id, Perm.HEALTH_READ)
    views = consents.child_consents(child, actor=actor, now=now)
    asked = medication_requests.child_requests(child, actor=actor, now=now)
    given = doses.child_doses(child, actor=actor, now=now)
    due = doses_due([child.id], now)[child.id]
    may_write = actor.can(Perm.CARE_WRITE, centre.id, now)
    staff = {s.id: s.name for s in doses.colleagues(centre.id, centre_today(centre, now))}
    return render_template("care/medication_child.html", centre=centre, child=child, consents=views, doses=given,
                           requests=asked, due=due, may_write=may_write, staff=staff,
                           local=lambda i: local(centre, i),
                           signers={c.id: c.name for c in consents.guardians_of(child)},
                           today=centre_today(centre, now))


def _request_page(centre: Centre, child: Child, now: datetime, amends: MedicationConsent | None,
                  form: dict[str, list[str]] | None = None, errors: dict[str, list[str]] | None = None) -> str:
    values = form
    if values is None:
        values = blank_terms(centre, now)
        if amends is not None:  # a correction starts from what the guardian signed
            values = {"drug": [amends.drug], "dose": [f"{Decimal(amends.dose).normalize():f}"],
                      "dose_unit": [amends.dose_unit], "route": [amends.route], "times": list(amends.times),
                      "first_day": [amends.first_day.isoformat()], "last_day": [amends.last_day.isoformat()],
                      "window_minutes": [str(amends.window_minutes)],
                      "max_doses_per_day": [str(amends.max_doses_per_day or "")], "note": [amends.note or ""]}
    return render_template("care/medication_request.html", centre=centre, child=child, form=values,
                           errors=errors or {}, amends=amends, guardians=consents.guardians_of(child),
                           **terms_context(centre, now, values))


def _amends(child: Child) -> MedicationConsent | None:
    """The consent a request form corrects (`?amends=<consent id>`), the child's own; none for a new request."""
    raw = request.args.get("amends", "")
    if not raw:
        return None
    consent = db.session.get(MedicationConsent, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if consent is None or consent.child_id != child.id:
        raise NotFound()
    return consent


@bp.get("/medication/children/<int:child_id>/request")
@login_required
def request_form(child_id: int) -> ResponseReturnValue:
    """The request form staff fill from the bottle's label; the guardians then sign it on their phone."""
    centre, child, _actor, now = _child(child_id, Perm.CARE_WRITE)
    return _request_page(centre, child, now, _amends(child))


@bp.post("/medication/children/<int:child_id>/request")
@login_required
def create_request(child_id: int) -> ResponseReturnValue:
    """Keep the request and notify the guardians; problems shown per field with what was typed kept."""
    centre, child, actor, now = _child(child_id, Perm.CARE_WRITE)
    amends = _amends(child)
    back = url_for("medication.child_medication", child_id=child.id)

    def change(form: FormReader) -> None:
        terms = terms_from_form(form)
        form.raise_if_any()
        medication_requests.request_consent(child, **terms, amends=amends, reason=request.form.get("reason"),
                                            actor=actor, now=now)
        flash(_("Request sent: the guardians sign it on their phone"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]], refusals: list[str]) -> str:
        return _request_page(centre, child, now, amends, form, errors)
    return run(change, back=back, render=render, done=next_page() or back)


def _dose_page(centre: Centre, child: Child, consent: MedicationConsent, actor: Actor, now: datetime,
               form: dict[str, list[str]] | None = None, errors: dict[str, list[str]] | None = None,
               refusals: list[str] | None = None) -> str:
    view = consents.consent_view(consent, actor=actor, now=now)  # drug names: HEALTH_READ, and the read logged
    giver = doses.staff_of_actor(centre.id, actor)
    today = centre_today(centre, now)
    witnesses = sorted((s for s in doses.colleagues(centre.id, today) if giver is None or s.id != giver.id),
                       key=lambda s: s.home_room_id != child.room_id)  # the child's class first
    values = form or {"drug": [consent.drug], "dose": [f"{Decimal(consent.dose).normalize():f}"],
                      "dose_unit": [consent.dose_unit], "route": [consent.route]}
    due = [d for d in doses_due([child.id], now)[child.id] if d.consent_id == consent.id]
    signer = next((c.name for c in consents.guardians_of(child) if c.id == consent.signed_by_contact_id), "")
    return render_template("care/medication_dose.html", centre=centre, child=child, consent=consent, view=view,
                           giver=giver, witnesses=witnesses, form=values, errors=errors or {},
                           first=lambda name, default="": first(values, name, default), refusals=refusals or [],
                           due=due, signer=signer, local=lambda i: local(centre, i),
                           dose_text=f"{Decimal(consent.dose).normalize():f}")


@bp.get("/medication/consents/<int:consent_id>/dose")
@login_required
def dose_form(consent_id: int) -> ResponseReturnValue:
    """The dose form: the consent shown, the giver is who is logged in, the witness taps their name and PIN.

    The drug names are health data: HEALTH_READ as well as CARE_WRITE, and the read is logged.
    """
    centre, child, consent, actor, now = _consent(consent_id, Perm.CARE_WRITE)
    authorise(actor, Perm.HEALTH_READ, centre.id, now)
    return _dose_page(centre, child, consent, actor, now)


@bp.post("/medication/consents/<int:consent_id>/dose")
@limiter.limit(PIN_LIMIT, methods=["POST"], deduct_when=pin_refused)
@login_required
def give_dose(consent_id: int) -> ResponseReturnValue:
    """Record the dose now; refusals listed in words, nothing stored; a wrong PIN shown at the PIN field."""
    centre, child, consent, actor, now = _consent(consent_id, Perm.CARE_WRITE)
    authorise(actor, Perm.HEALTH_READ, centre.id, now)  # the form comes back with the consent on any problem
    back = url_for("medication.dose_form", consent_id=consent.id)

    def change(form: FormReader) -> None:
        dose = decimal_field(form, "dose")
        witness_id = form.number("witness_id")
        form.raise_if_any()
        values = {"drug": request.form.get("drug", ""), "dose": dose, "dose_unit": request.form.get("dose_unit", ""),
                  "route": request.form.get("route", ""), "witness_pin": request.form.get(PIN_FIELD, ""),
                  "note": form.text("note")}
        give(child, values, consent_id=consent.id, witness_id=witness_id, actor=actor, now=now)
        flash(_("Dose recorded"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]], refusals: list[str]) -> str:
        form.pop(PIN_FIELD, None)  # never echoed back
        return _dose_page(centre, child, consent, actor, now, form, errors, refusals)
    return run(change, back=back, render=render,
               done=next_page() or url_for("medication.child_medication", child_id=child.id))


@bp.post("/medication/consents/<int:consent_id>/withdraw")
@login_required
def withdraw(consent_id: int) -> ResponseReturnValue:
    """Staff record that the guardian withdrew the consent (with the reason)."""
    centre, child, consent, actor, now = _consent(consent_id, Perm.CARE_WRITE)
    back = url_for("medication.child_medication", child_id=child.id)

    def change(form: FormReader) -> None:
        consents.withdraw_consent(consent, reason=request.form.get("reason", ""), actor=actor, now=now)
        flash(_("Consent withdrawn"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]], refusals: list[str]) -> ResponseReturnValue:
        for texts in errors.values():
            for text in texts:
                flash(text)
        return child_medication(child.id)
    return run(change, back=back, render=render, done=back)


@bp.get("/medication/consents/<int:consent_id>/signature.png")
@login_required
def signature(consent_id: int) -> ResponseReturnValue:
    """The guardian's drawn signature; every view is logged."""
    _, _, consent, actor, now = _consent(consent_id, Perm.HEALTH_READ)
    row = consents.read_signature(consent, actor=actor, now=now)
    return Response(row.data, mimetype="image/png", headers={"Cache-Control": "private, no-store",
                                                             "X-Content-Type-Options": "nosniff"})
