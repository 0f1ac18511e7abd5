"""The demo's control page: "show" a guardian's card to the simulated kiosk's camera."""

from __future__ import annotations

import httpx
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from server.attendance.models import Credential
from server.attendance.operations.credentials import card_text
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.people.models import Contact, Staff

bp = Blueprint("demo", __name__, url_prefix="/demo")


def _kiosk_url() -> str:
    url = current_app.config.get("DEMO_KIOSK_URL")
    if not url:
        abort(404)  # only while `tuoyu demo` runs a simulated kiosk
    return str(url)


@bp.get("/kiosk")
@login_required
def kiosk() -> str:
    """Every adult with a card, and a button to hold it up to the demo kiosk."""
    kiosk_url = _kiosk_url()
    actor, now = current_actor(), utcnow()
    centre = get_centre("demo", actor=actor, now=now, perm=Perm.CONTACTS_WRITE)
    rows = db.session.execute(
        select(Credential, Contact.name, Staff.name).outerjoin(Contact, Contact.id == Credential.contact_id)
        .outerjoin(Staff, Staff.id == Credential.staff_id)
        .where(Credential.centre_id == centre.id, Credential.revoked_at.is_(None)).order_by(Credential.id)
    ).all()
    return render_template("demo/kiosk.html", rows=rows, kiosk_url=kiosk_url, centre=centre)


@bp.post("/kiosk/show/<int:credential_id>")
@login_required
def show(credential_id: int) -> Response:
    """Put this credential's card in front of the simulated kiosk's camera for two seconds."""
    kiosk_url = _kiosk_url()
    actor, now = current_actor(), utcnow()
    credential = db.session.get(Credential, credential_id)
    if credential is None or not actor.can(Perm.CONTACTS_WRITE, credential.centre_id, now):
        abort(404)
    try:
        httpx.post(f"{kiosk_url}/demo/show", json={"text": card_text(credential, now=now), "hold_s": 2}, timeout=5)
        flash(_("Shown to the door kiosk"))
    except httpx.HTTPError as exc:
        flash(_("The demo kiosk did not answer: %(error)s", error=exc))
    return redirect(url_for("demo.kiosk"))
