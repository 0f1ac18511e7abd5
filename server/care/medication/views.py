"""Medication pages on the room tablet (1280×800): the guardian signs a consent; a caregiver gives a dose.

Endpoints the room tablet links to: `medication.consent_form(child_id)` (the guardian signs on the tablet's
signature pad) and `medication.dose_form(consent_id)` (the giver is the logged-in member of staff; the witness
taps their own name and types their PIN). `medication.child_medication(child_id)` lists a child's consents and
doses. Each form calls the same operation as the API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.care.medication import consents, doses
from server.care.medication.api import PIN_LIMIT, give, pin_refused
from server.care.medication.due import doses_due
from server.care.medication.models import MedicationConsent
from server.care.medication.signature import decode
from server.centre.models import Centre
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed, problems_by_field
from server.extensions import limiter
from server.i18n import is_chinese
from server.people.models import Child
from server.people.operations import get_child
from server.people.views import PROBLEM_TEXTS, FormReader

bp = Blueprint("medication", __name__, url_prefix="/medication")
TIME_SLOTS = 4  # time fields on the consent form
ROUTES = (_l("oral"), _l("topical"), _l("eye drops"), _l("ear drops"), _l("nose drops"), _l("inhaled"))
UNITS = ("ml", "mg", _l("pill"), _l("drop"), _l("sachet"))
TEXTS = {**PROBLEM_TEXTS, "required": _l("This is required.")}


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


def _local(centre: Centre, instant: datetime) -> str:
    return instant.astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M")


def _refusal_texts(exc: doses.DoseRefused) -> list[str]:
    return [r.zh if is_chinese() else r.en for r in exc.refusals]


def _run(change: Callable[[FormReader], Any], *, back: str, render: Callable[..., ResponseReturnValue],
         done: str) -> ResponseReturnValue:
    """One operation; refused → 403 page; problems → 422 with the form kept; a refused dose → 422, reasons listed."""
    form = FormReader()
    try:
        change(form)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except doses.DoseRefused as exc:
        db.session.rollback()
        return render(request.form.to_dict(flat=False), {}, _refusal_texts(exc)), 422
    except ValidationFailed as exc:
        db.session.rollback()
        return render(request.form.to_dict(flat=False), problems_by_field(exc.problems, TEXTS), []), 422
    except Conflict as exc:
        db.session.rollback()
        return render(request.form.to_dict(flat=False), problems_by_field([Problem(exc.code, exc.message, "")]), []), 409
    return redirect(done)


def _next() -> str | None:
    """Where to go after a form (`?next=`, e.g. back to the room tablet): a path of this site only."""
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _first(form: dict[str, list[str]], name: str, default: str = "") -> str:
    values = form.get(name) or [default]
    return values[0]


@bp.get("/children/<int:child_id>")
@login_required
def child_medication(child_id: int) -> ResponseReturnValue:
    """A child's consents (signature, withdrawn, locked) and doses; the reads are logged."""
    centre, child, actor, now = _child(child_id, Perm.HEALTH_READ)
    views = consents.child_consents(child, actor=actor, now=now)
    given = doses.child_doses(child, actor=actor, now=now)
    due = doses_due([child.id], now)[child.id]
    may_write = actor.can(Perm.CARE_WRITE, centre.id, now)
    staff = {s.id: s.name for s in doses.colleagues(centre.id, centre_today(centre, now))}
    return render_template("care/medication_child.html", centre=centre, child=child, consents=views, doses=given,
                           due=due, may_write=may_write, staff=staff, local=lambda i: _local(centre, i),
                           signers={c.id: c.name for c in consents.guardians_of(child)},
                           today=centre_today(centre, now))


def _consent_page(centre: Centre, child: Child, now: datetime, form: dict[str, list[str]] | None = None,
                  errors: dict[str, list[str]] | None = None, _refusals: list[str] | None = None) -> str:
    today = centre_today(centre, now)
    limits = consents.limits_for(centre.id, today)
    values = form or {"first_day": [today.isoformat()], "last_day": [today.isoformat()],
                      "window_minutes": [str(limits.window_minutes)]}
    times = (values.get("times") or []) + [""] * TIME_SLOTS
    return render_template("care/medication_consent.html", centre=centre, child=child, form=values,
                           first=lambda name, default="": _first(values, name, default), errors=errors or {},
                           guardians=consents.guardians_of(child), times=times[:TIME_SLOTS],
                           routes=[str(r) for r in ROUTES], units=[str(u) for u in UNITS],
                           window_range=(limits.narrowest_window, limits.window_minutes), max_times=limits.max_times)


@bp.get("/children/<int:child_id>/consent")
@login_required
def consent_form(child_id: int) -> ResponseReturnValue:
    """The consent form the guardian signs on the tablet (drug, dose, route, times, days; a drawn signature)."""
    centre, child, _, now = _child(child_id, Perm.CARE_WRITE)
    return _consent_page(centre, child, now)


def _decimal(form: FormReader, name: str) -> Decimal | None:
    raw = request.form.get(name, "").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        form.problems.append(Problem("bad_dose", _l("Enter the dose as a number"), name))
        return None
    if not value.is_finite() or value <= 0 or value > 100_000:
        form.problems.append(Problem("bad_dose", _l("The dose must be more than 0"), name))
        return None
    return value


def _times(form: FormReader) -> list[time]:
    out = []
    for raw in request.form.getlist("times"):
        if raw.strip():
            try:
                out.append(time.fromisoformat(raw.strip()[:5]))
            except ValueError:
                form.problems.append(Problem("bad_time", _l("Times are local HH:MM"), "times"))
    return out


def _small_int(form: FormReader, name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 4:
        form.problems.append(Problem("bad_choice", "", name))
        return None
    return int(raw)


@bp.post("/children/<int:child_id>/consent")
@login_required
def record_consent(child_id: int) -> ResponseReturnValue:
    """Keep the signed consent; problems shown per field with what was typed and drawn kept."""
    centre, child, actor, now = _child(child_id, Perm.CARE_WRITE)
    back = url_for("medication.child_medication", child_id=child.id)

    def change(form: FormReader) -> None:
        dose, times = _decimal(form, "dose"), _times(form)
        first_day, last_day = form.day("first_day", required=True), form.day("last_day", required=True)
        window, daily = _small_int(form, "window_minutes"), _small_int(form, "max_doses_per_day")
        signer = form.number("signed_by_contact_id")
        if signer is None:
            form.problems.append(Problem("not_guardian", _l("Only a guardian of the child may sign"),
                                         "signed_by_contact_id"))
        form.raise_if_any()
        assert dose is not None and first_day is not None and last_day is not None and signer is not None
        consents.record_consent(child, drug=request.form.get("drug", ""), dose=dose,
                           dose_unit=request.form.get("dose_unit", ""), route=request.form.get("route", ""),
                           times=times, first_day=first_day, last_day=last_day, signed_by=signer,
                           signature_png=decode(request.form.get("signature_png")), window_minutes=window,
                           max_doses_per_day=daily, note=form.text("note"), actor=actor, now=now)
        flash(_("Consent recorded"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]], refusals: list[str]) -> str:
        return _consent_page(centre, child, now, form, errors)
    return _run(change, back=back, render=render, done=_next() or back)


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
                           first=lambda name, default="": _first(values, name, default), refusals=refusals or [],
                           due=due, signer=signer, local=lambda i: _local(centre, i),
                           dose_text=f"{Decimal(consent.dose).normalize():f}")


@bp.get("/consents/<int:consent_id>/dose")
@login_required
def dose_form(consent_id: int) -> ResponseReturnValue:
    """The dose form: the consent shown, the giver is who is logged in, the witness taps their name and PIN.

    The drug names are health data: HEALTH_READ as well as CARE_WRITE, and the read is logged.
    """
    centre, child, consent, actor, now = _consent(consent_id, Perm.CARE_WRITE)
    authorise(actor, Perm.HEALTH_READ, centre.id, now)
    return _dose_page(centre, child, consent, actor, now)


@bp.post("/consents/<int:consent_id>/dose")
@limiter.limit(PIN_LIMIT, methods=["POST"], deduct_when=pin_refused)
@login_required
def give_dose(consent_id: int) -> ResponseReturnValue:
    """Record the dose now; refusals listed in words, nothing stored; a wrong PIN shown at the PIN field."""
    centre, child, consent, actor, now = _consent(consent_id, Perm.CARE_WRITE)
    authorise(actor, Perm.HEALTH_READ, centre.id, now)  # the form comes back with the consent on any problem
    back = url_for("medication.dose_form", consent_id=consent.id)

    def change(form: FormReader) -> None:
        dose = _decimal(form, "dose")
        witness_id = form.number("witness_id")
        form.raise_if_any()
        values = {"drug": request.form.get("drug", ""), "dose": dose, "dose_unit": request.form.get("dose_unit", ""),
                  "route": request.form.get("route", ""), "witness_pin": request.form.get("witness_pin", ""),
                  "note": form.text("note")}
        give(child, values, consent_id=consent.id, witness_id=witness_id, actor=actor, now=now)
        flash(_("Dose recorded"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]], refusals: list[str]) -> str:
        form.pop("witness_pin", None)  # never echoed back
        return _dose_page(centre, child, consent, actor, now, form, errors, refusals)
    return _run(change, back=back, render=render,
                done=_next() or url_for("medication.child_medication", child_id=child.id))


@bp.post("/consents/<int:consent_id>/withdraw")
@login_required
def withdraw(consent_id: int) -> ResponseReturnValue:
    """The guardian withdrew the consent (with the reason)."""
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
    return _run(change, back=back, render=render, done=back)


@bp.get("/consents/<int:consent_id>/signature.png")
@login_required
def signature(consent_id: int) -> ResponseReturnValue:
    """The guardian's drawn signature; every view is logged."""
    _, _, consent, actor, now = _consent(consent_id, Perm.HEALTH_READ)
    row = consents.read_signature(consent, actor=actor, now=now)
    return Response(row.data, mimetype="image/png", headers={"Cache-Control": "private, no-store",
                                                             "X-Content-Type-Options": "nosniff"})

