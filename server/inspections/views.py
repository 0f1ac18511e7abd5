"""The inspection page: findings by responsibility, registers, pack download, inspector grants."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from compliance import Period, Responsibility
from server.audit.operations import log_access
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.operations import get_centre
from server.centre.records import centre_record
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.errors import ApiError, Forbidden
from server.inspections import operations as ops
from server.inspections.sources import app_sources

bp = Blueprint("inspections", __name__)
REGISTER_PREVIEW_ROWS = 500


@bp.get("/centres/<string:code>/inspection")
@login_required
def inspection(code: str) -> str:
    """Findings grouped by the six primary responsibilities, the registers and the pack form."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now, perm=Perm.FINDINGS_READ)
    findings = ops.current_findings(centre, actor=actor, now=now)
    grouped = [(r, [f for f in findings if f.responsibility == r.value]) for r in Responsibility]
    today = centre_today(centre, now)
    return render_template(
        "inspections/inspection.html", centre=centre, grouped=grouped, run=ops.last_run(centre),
        registers=app_sources().registers, today=today, month_start=today.replace(day=1),
        can_manage=actor.can(Perm.INSPECTORS_GRANT, centre.id, now), findings_total=len(findings),
    )


@bp.get("/centres/<string:code>/registers/<string:name>")
@login_required
def register(code: str, name: str) -> str:
    """One register on screen (the first rows; the pack has all), the read logged."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now, perm=Perm.FINDINGS_READ)
    source = app_sources().register(name)
    if source is None:
        abort(404)
    today = centre_today(centre, now)
    period = Period(today - timedelta(days=365), today)
    rows = list(islice(source.rows(centre_record(centre), period), REGISTER_PREVIEW_ROWS))
    log_access(centre_id=centre.id, user_id=actor.user_id, action="read", object_type="register",
               object_id=name, now=now, detail="register on screen")
    return render_template("inspections/register.html", centre=centre, source=source, rows=rows,
                           limit=REGISTER_PREVIEW_ROWS)


@bp.post("/centres/<string:code>/inspectors")
@login_required
def grant_inspector(code: str) -> Response:
    """The director grants an inspector read-only access until a set time."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    try:
        local = datetime.fromisoformat(request.form.get("expires_at", ""))
        expires_at = local.replace(tzinfo=centre_zone(centre)) if local.tzinfo is None else local
        user, password = ops.grant_inspector(
            centre, username=request.form.get("username", ""), display_name=request.form.get("display_name", ""),
            expires_at=expires_at, actor=actor, now=now,
        )
    except ValueError:
        flash("到期时间格式不正确 / The expiry is not a valid date and time")
        return redirect(url_for("inspections.inspection", code=code))
    except Forbidden as exc:
        return refuse_form(exc, back=url_for("inspections.inspection", code=code))  # type: ignore[return-value]
    except ApiError as exc:
        flash(exc.message)
        return redirect(url_for("inspections.inspection", code=code))
    message = f"已授权 {user.username} 至 {expires_at:%Y-%m-%d %H:%M} / Access granted"
    if password:
        message += f"；初始密码 / initial password: {password}"
    flash(message)
    return redirect(url_for("inspections.inspection", code=code))
