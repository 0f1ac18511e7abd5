"""HTML log-in, log-out and language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from server.auth import operations as ops
from server.auth.actor import Actor
from server.auth.session import SessionUser
from server.clock import utcnow
from server.database import db
from server.errors import ApiError
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
    return redirect(url_for("auth.login"))


@bp.get("/lang/<string:code>")
def switch_language(code: str) -> Response:
    """Switch the interface language (中文 / English)."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))
