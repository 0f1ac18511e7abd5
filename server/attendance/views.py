"""HTML pages of the attendance domain (card sheets, the guardian's phone pass)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from server.attendance import cards, phone
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.bounds import arg_id, arg_ids
from server.centre.operations import get_centre
from server.clock import utcnow

bp = Blueprint("attendance", __name__)

PASS_SCOPE = "/pass"


@bp.get("/centres/<string:code>/cards.pdf")
@login_required
def card_sheet(code: str) -> Response:
    """Printable pick-up cards, ten to an A4 page: `?credential=<id>` (repeatable), or every active one."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.CONTACTS_WRITE, centre.id, now)
    ids = arg_ids("credential")
    pdf = cards.card_sheet_pdf(cards.card_faces(centre, ids, actor=actor, now=now))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="cards-{centre.code}.pdf"',
        "Cache-Control": "private, no-store",  # photos and signed credentials
    })


@bp.get(PASS_SCOPE)
@login_required
def phone_pass() -> tuple[str, int] | str:
    """The guardian's phone pass: enrols this phone's key once, then shows a code that changes every 30 s."""
    actor, now = current_actor(), utcnow()
    credentials = phone.own_credentials(actor, now)
    wanted = arg_id("credential")
    chosen = next((c for c in credentials if wanted is None or c.id == wanted), None)
    if chosen is None:
        return render_template("attendance/no_pass.html", has_credentials=bool(credentials)), 404
    return render_template(
        "attendance/pass.html", pass_=phone.phone_pass(chosen, now=now), others=[c.id for c in credentials],
        rendered_at=now.isoformat(), scope=PASS_SCOPE,
    )


@bp.get(f"{PASS_SCOPE}/manifest.webmanifest")
def pass_manifest() -> Response:
    """The web app manifest that lets a phone install the pass (public: it names nobody)."""
    response = jsonify({
        "name": "接送码 / Pick-up pass",
        "short_name": "接送码",
        "description": "出示给门口终端的接送码 / The pick-up code to show the door kiosk",
        "lang": "zh-CN",
        "dir": "ltr",
        "id": PASS_SCOPE,
        "start_url": url_for("attendance.phone_pass"),
        "scope": PASS_SCOPE,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#1d4f91",
        "icons": [{"src": url_for("static", filename=f"attendance/icon-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any"} for size in (192, 512)],
    })
    response.mimetype = "application/manifest+json"
    return response


@bp.get(f"{PASS_SCOPE}/sw.js")
def pass_service_worker() -> Response:
    """The service worker that keeps the pass shell offline; served here so its scope can be /pass."""
    script = render_template(
        "attendance/sw.js", version=phone.shell_version(), page=url_for("attendance.phone_pass"),
        assets=[url_for("static", filename=name) for name in phone.SHELL_ASSETS],
    )
    return Response(script, mimetype="text/javascript", headers={
        "Service-Worker-Allowed": PASS_SCOPE, "Cache-Control": "no-cache",
    })
