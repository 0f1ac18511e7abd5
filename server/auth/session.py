"""How a request is authenticated: session cookie (HTML UI) or personal bearer token (API)."""

from __future__ import annotations

from flask import Flask, current_app, flash, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user

from server.audit.operations import log_access
from server.auth.actor import AccessRefused, Actor
from server.auth.models import User
from server.auth.operations import actor_for, user_for_token
from server.clock import utcnow
from server.database import db
from server.errors import Forbidden, Unauthorised, render_api_error
from server.extensions import csrf, login_manager

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class SessionUser(UserMixin):
    """Flask-Login's view of a user; the id carries the session version so log-out kills copies."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version}"

    @property
    def is_active(self) -> bool:
        return self.user.is_active


@login_manager.user_loader
def _load_user(session_id: str) -> SessionUser | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return SessionUser(user)


def current_actor() -> Actor:
    """The actor of this request, or 401. Session-authenticated writes must carry the CSRF token."""
    if "actor" in g:
        return g.actor
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = user_for_token(header[7:].strip(), utcnow())
        if user is None:
            raise Unauthorised(_l("Invalid or expired token"), code="bad_token")
    elif current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            csrf.protect()
        user = current_user.user
    else:
        raise Unauthorised()
    g.actor = actor_for(user, current_app.extensions["tuoyu.contacts_of_user"])
    return g.actor


def current_user_record() -> User:
    actor = current_actor()
    user = db.session.get(User, actor.user_id)
    assert user is not None
    return user


def _log_refusal(exc: Forbidden) -> None:
    """Write the refusal to the access log, committed apart from the request (whose changes are dropped)."""
    db.session.rollback()
    actor = g.get("actor")
    log_access(
        centre_id=getattr(exc, "centre_id", None), user_id=actor.user_id if actor else None, action="denied",
        object_type="request", object_id=request.path[:64], now=utcnow(), detail=exc.code,
    )
    db.session.commit()


def refuse_form(exc: Forbidden, *, back: str) -> ResponseReturnValue:
    """An HTML form's refusal, caught by its view: logged like an API refusal, flashed, answered 403 in the layout.

    `back` is the page the form was on; the answer stays a 403 (not a redirect) so nothing reads it as done.
    """
    _log_refusal(exc)
    flash(str(exc.message))  # the session stores plain text, not a lazy string
    return render_template("refused.html", message=exc.message, back=back), exc.status


def register_refusal_logging(app: Flask) -> None:
    """Refused access (expired grant, out of scope) is logged and committed apart from the request."""

    @app.errorhandler(AccessRefused)
    def _refused(exc: AccessRefused) -> ResponseReturnValue:
        _log_refusal(exc)
        return render_api_error(exc)
