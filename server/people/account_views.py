"""The director's page for a guardian's log-in: open one, or issue a new one-time password, and hand it over.

The one-time password is shown once, on the answer to the post (never stored in the clear, never cached), with
the address to log in at: printed or read out, it is how a parent first reaches their child's day.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from server.auth.session import current_actor, refuse_form
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, Problem, ValidationFailed, problems_by_field
from server.people import family_accounts as accounts
from server.people.operations import get_contact

bp = Blueprint("family_accounts", __name__)

PROBLEM_TEXTS = {
    "required": _l("This is required."),
    "bad_username": _l("A username has no spaces and at most 80 characters."),
    "not_guardian": _l("Only a guardian of a child of the centre can have a family log-in."),
    "username_taken": _l("Username already taken"),
}


def _account(code: str, contact_id: int) -> tuple[object, accounts.FamilyAccount]:
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    contact = get_contact(contact_id, actor=actor, now=now)
    if contact.centre_id != centre.id:
        abort(404)
    return centre, accounts.family_account(contact, actor=actor, now=now)


def _page(centre: object, account: accounts.FamilyAccount, *, status: int = 200, handed_over: str | None = None,
          errors: dict[str, list[str]] | None = None, username: str | None = None) -> ResponseReturnValue:
    body = render_template("people/family_account.html", centre=centre, account=account, password=handed_over,
                           login_url=url_for("auth.login", _external=True), errors=errors or {},
                           username=username if username is not None else (account.contact.phone or ""))
    # A page with a password on it is never kept by a browser or a proxy.
    return body, status, {"Cache-Control": "no-store"}


@bp.get("/centres/<string:code>/contacts/<int:contact_id>/log-in")
@login_required
def family_login(code: str, contact_id: int) -> ResponseReturnValue:
    """A guardian's log-in: whether they have one, and the form to open one or issue a new password."""
    centre, account = _account(code, contact_id)
    return _page(centre, account)


@bp.post("/centres/<string:code>/contacts/<int:contact_id>/log-in")
@login_required
def open_or_reissue(code: str, contact_id: int) -> ResponseReturnValue:
    """Open the log-in (`action=open`, with a username) or issue a new one-time password (`action=reissue`)."""
    centre, account = _account(code, contact_id)
    actor, now = current_actor(), utcnow()
    back = url_for("family_accounts.family_login", code=code, contact_id=contact_id)
    username = request.form.get("username", "")
    try:
        if request.form.get("action") == "reissue":
            _, password = accounts.reissue_password(account.contact, actor=actor, now=now)
        else:
            _, password = accounts.open_family_account(account.contact, username=username, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        problems = exc.problems if isinstance(exc, ValidationFailed) else [Problem(exc.code, exc.message, exc.field)]
        errors = problems_by_field(problems, PROBLEM_TEXTS)
        return _page(centre, accounts.family_account(account.contact, actor=actor, now=now), status=exc.status,
                     errors=errors, username=username)
    return _page(centre, accounts.family_account(account.contact, actor=actor, now=now), handed_over=password)
