"""The office's page for kiosk cards and PINs.

Each adult's and staff member's credential; issue one, reissue a lost card, set a PIN, print the card sheet.
Thin: each form calls the credential operations (which authorise and audit); a refused post answers 403 in the
layout, a post with problems answers 422 with the page again, the problem shown by its field. A typed PIN is
never sent back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import segno
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import func, select

from server.apispec import FIRST_DAY, LAST_DAY
from server.attendance.models import Credential, PhoneKey
from server.attendance.operations import credentials as ops
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.errors import Forbidden, Problem, ValidationFailed, problems_by_field
from server.people.models import Contact, Staff
from server.people.operations import get_contact, get_staff, list_contacts, list_staff

bp = Blueprint("cards", __name__)

# The operations' problems in the catalogue's words (their own messages are bilingual, for the API).
PROBLEM_TEXTS = {
    "required": _l("This is required."),
    "bad_date": _l("Enter a date (year-month-day)."),
    "expiry_in_past": _l("The expiry date must be after today."),
    "pin_format": _l("The PIN must be 6 to 8 digits."),
    "pin_too_simple": _l("This PIN is too easy to guess (one repeated digit or a straight run)."),
}


def _expiry() -> date:
    raw = request.form.get("expires_on", "").strip()
    if not raw:
        raise ValidationFailed([Problem("required", "", "expires_on")])
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationFailed([Problem("bad_date", "", "expires_on")])
    return value


def _person_id(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


def _page(centre: Centre, actor: Actor, now: datetime, *, failed: str | None = None, form: dict[str, Any] | None = None,
          errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    """The people and their credentials; `failed` names the row whose form came back with `errors`."""
    authorise(actor, Perm.CONTACTS_WRITE, centre.id, now)
    creds = list(db.session.execute(select(Credential).where(Credential.centre_id == centre.id)
                                    .order_by(Credential.id)).scalars())
    phones = {credential_id: count for credential_id, count in db.session.execute(
        select(PhoneKey.credential_id, func.count()).join(Credential, Credential.id == PhoneKey.credential_id)
        .where(Credential.centre_id == centre.id, PhoneKey.revoked_at.is_(None)).group_by(PhoneKey.credential_id))}
    by_contact: dict[int, list[Credential]] = {}
    by_staff: dict[int, list[Credential]] = {}
    for cred in creds:
        if cred.contact_id is not None:
            by_contact.setdefault(cred.contact_id, []).append(cred)
        elif cred.staff_id is not None:
            by_staff.setdefault(cred.staff_id, []).append(cred)
    contacts: list[Contact] = list(db.session.execute(list_contacts(centre, actor=actor, now=now)).scalars())
    may_staff = actor.can(Perm.STAFF_WRITE, centre.id, now)
    staff: list[Staff] = list(db.session.execute(list_staff(centre, actor=actor, now=now)).scalars()) if may_staff else []
    today = centre_today(centre, now)
    return render_template(
        "attendance/credentials.html", centre=centre, today=today, default_expiry=today + timedelta(days=365),
        contacts=[(c, by_contact.get(c.id, [])) for c in contacts], staff=[(s, by_staff.get(s.id, [])) for s in staff],
        may_staff=may_staff, phones=phones, failed=failed, form=form or {}, errors=errors or {},
    ), status


@bp.get("/centres/<string:code>/credentials")
@login_required
def credentials(code: str) -> ResponseReturnValue:
    """Every adult's and staff member's kiosk credential, with the forms to issue, reissue and set a PIN."""
    actor, now = current_actor(), utcnow()
    return _page(get_centre(code, actor=actor, now=now), actor, now)


def _change(code: str, failed: str, change: Any) -> ResponseReturnValue:
    """Run one change; 403 in the layout if refused, 422 with the page on problems."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    back = url_for("cards.credentials", code=centre.code)
    try:
        change(centre, actor, now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        typed = {k: v for k, v in request.form.to_dict().items() if k not in ("pin", "csrf_token")}
        return _page(centre, actor, now, failed=failed, form=typed, errors=problems_by_field(exc.problems, PROBLEM_TEXTS),
                     status=422)
    return redirect(back)


@bp.post("/centres/<string:code>/credentials")
@login_required
def issue(code: str) -> ResponseReturnValue:
    """Issue a credential (card serial 1) to a contact (`contact_id`) or a member of staff (`staff_id`).

    `then=phone` (a guardian's phone pass): the same credential, then its page with the code for the phone.
    """
    contact_id, staff_id = _person_id("contact_id"), _person_id("staff_id")
    if (contact_id is None) == (staff_id is None):
        abort(400)
    issued: list[Credential] = []

    def change(centre: Centre, actor: Actor, now: datetime) -> None:
        contact = get_contact(contact_id, actor=actor, now=now) if contact_id is not None else None
        staff = get_staff(staff_id, actor=actor, now=now) if staff_id is not None else None
        issued.append(ops.issue_credential(centre, contact=contact, staff=staff, expires_on=_expiry(), actor=actor,
                                           now=now))
    response = _change(code, f"c{contact_id}" if contact_id is not None else f"s{staff_id}", change)
    if issued and contact_id is not None and request.form.get("then") == "phone":
        return redirect(url_for("cards.phone_page", code=code, credential_id=issued[0].id))
    return response


def _credential(centre: Centre, credential_id: int) -> Credential:
    cred = db.session.get(Credential, credential_id)
    if cred is None or cred.centre_id != centre.id:
        abort(404)
    return cred


@bp.post("/centres/<string:code>/credentials/<int:credential_id>/reissue")
@login_required
def reissue(code: str, credential_id: int) -> ResponseReturnValue:
    """A lost card: revoke its serial and print the next one (reissue_card)."""
    def change(centre: Centre, actor: Actor, now: datetime) -> None:
        ops.reissue_card(_credential(centre, credential_id), actor=actor, now=now)
    return _change(code, f"k{credential_id}", change)


@bp.post("/centres/<string:code>/credentials/<int:credential_id>/pin")
@login_required
def set_pin(code: str, credential_id: int) -> ResponseReturnValue:
    """Set the PIN typed at the kiosk when the phone is dead (set_pin checks the policy)."""
    def change(centre: Centre, actor: Actor, now: datetime) -> None:
        ops.set_pin(_credential(centre, credential_id), request.form.get("pin", "").strip(), actor=actor, now=now)
    return _change(code, f"k{credential_id}", change)


# --- phone passes: open the pass on the guardian's phone, remove a lost phone ---------------------------------


def _contact_credential(centre: Centre, credential_id: int, actor: Actor, now: datetime) -> Credential:
    authorise(actor, Perm.CONTACTS_WRITE, centre.id, now)
    cred = _credential(centre, credential_id)
    if cred.contact_id is None:
        abort(404)  # staff check in by card or PIN; the phone pass is the families'
    return cred


@bp.get("/centres/<string:code>/credentials/<int:credential_id>/phone")
@login_required
def phone_page(code: str, credential_id: int) -> ResponseReturnValue:
    """A guardian's phone pass: the code their phone scans to open it, and the phones enrolled so far.

    The phone makes its own key when the pass opens and enrols it (enroll_phone, audited): the private key
    never leaves the phone, so the office hands over a link, not a secret.
    """
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    cred = _contact_credential(centre, credential_id, actor, now)
    contact = get_contact(cred.contact_id, actor=actor, now=now) if cred.contact_id is not None else None
    link = url_for("attendance.phone_pass", credential=cred.id, _external=True)
    phones = list(db.session.execute(select(PhoneKey).where(PhoneKey.credential_id == cred.id)
                                      .order_by(PhoneKey.id)).scalars())
    return render_template(
        "attendance/phone_link.html", centre=centre, credential=cred, contact=contact, link=link,
        qr=segno.make(link, error="m").svg_data_uri(scale=6, border=2), phones=phones,
        today=centre_today(centre, now),
    )


@bp.post("/centres/<string:code>/credentials/<int:credential_id>/phones/<int:phone_id>/revoke")
@login_required
def revoke_phone(code: str, credential_id: int, phone_id: int) -> ResponseReturnValue:
    """A lost or replaced phone: its codes stop working with the kiosks' next roster (revoke_phone)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    back = url_for("cards.phone_page", code=centre.code, credential_id=credential_id)
    try:
        cred = _contact_credential(centre, credential_id, actor, now)
        phone = db.session.get(PhoneKey, phone_id)
        if phone is None or phone.credential_id != cred.id:
            abort(404)
        ops.revoke_phone(phone, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=url_for("cards.credentials", code=centre.code))
    return redirect(back)
