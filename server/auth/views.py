"""HTML log-in, log-out, the language switch and the password change (forced after a one-time password)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from server.auth import operations as ops
from server.auth.actor import Actor
from server.auth.session import SessionUser, current_actor, current_user_record
from server.clock import utcnow
from server.database import db, read_before_writing
from server.errors import ApiError, Forbidden, Problem, ValidationFailed, render_api_error
from server.extensions import limiter

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=256)])


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect to another host after log-in.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.dashboard")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@read_before_writing  # checking the password (argon2) takes a while: never while holding the write lock
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def login() -> str | Response | tuple[str, int]:
    """Log in with username and password."""
    form = LoginForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            user = ops.authenticate(form.username.data or "", form.password.data or "",
                                    remote_addr=request.remote_addr, now=utcnow())
        except ApiError as exc:
            db.session.commit()  # the failed attempt is evidence: keep it
            return render_template("auth/login.html", form=form, error=exc.message), exc.status
        db.session.commit()
        session.clear()
        login_user(SessionUser(user))
        if user.locale:
            session["lang"] = user.locale
        if user.must_change_password:
            return redirect(url_for("auth.change_password"))
        return redirect(_safe_next(request.args.get("next")))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=None), status


@bp.post("/logout")
def logout() -> Response:
    """Log out here and everywhere else this account's session cookie was copied."""
    if current_user.is_authenticated:
        user = current_user.user
        ops.end_sessions(user, actor=Actor(kind="user", user_id=user.id), now=utcnow())
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have been logged out."))
    response = redirect(url_for("auth.login"))
    # No copy of a page (the room tablet's kept screen among them) outlives the session in the browser's cache.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.get("/lang/<string:code>")
def switch_language(code: str) -> Response:
    """Switch the interface language (Chinese or English)."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


# What a session that must change its password may still reach; everything else leads to the change.
OPEN_WHILE_CHANGING = {"auth.change_password", "auth.logout", "auth.login", "auth.switch_language", "static"}
PASSWORD_PROBLEMS = {
    "wrong_password": _l("The current password is wrong."),
    "password_too_short": _l("The password must have at least 8 characters."),
    "password_unchanged": _l("Choose a password other than the current one."),
    "password_mismatch": _l("The two new passwords differ."),
}


class PasswordChangeRequired(Forbidden):
    code = "password_change_required"
    message = _l("Change your one-time password first")


@bp.before_app_request
def _password_first() -> ResponseReturnValue | None:
    """An account with a one-time password reaches nothing but the change (and log-out) until it is done."""
    if request.endpoint in OPEN_WHILE_CHANGING or not current_user.is_authenticated:
        return None
    if not current_user.user.must_change_password:
        return None
    if request.path.startswith("/api/"):
        return render_api_error(PasswordChangeRequired())
    return redirect(url_for("auth.change_password"))


def _password_page(errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("auth/change_password.html", errors=errors or {},
                           forced=current_user.user.must_change_password), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change one's own password (forced after a one-time password); the other sessions of the account end."""
    if request.method == "GET":
        return _password_page()
    actor, now = current_actor(), utcnow()  # checks the CSRF token
    user = current_user_record()
    current, new = request.form.get("current_password", ""), request.form.get("new_password", "")
    try:
        if new != request.form.get("confirm_password", ""):
            raise ValidationFailed([Problem("password_mismatch", "", "confirm_password")])
        ops.change_password(user, current[:256], new[:256], actor=actor, now=now)
    except ValidationFailed as exc:
        db.session.rollback()
        errors: dict[str, list[str]] = {}
        for p in exc.problems:
            errors.setdefault(p.field or "", []).append(str(PASSWORD_PROBLEMS.get(p.code, p.message)))
        return _password_page(errors, 422)
    db.session.commit()
    login_user(SessionUser(user))  # this session carries on under the new session version
    flash(_("Your password has been changed."))
    return redirect(url_for("dashboard.dashboard"))
