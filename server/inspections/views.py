"""The inspection page: findings by responsibility, registers, pack download, inspector grants."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from compliance import Period, RegisterSource, Responsibility
from compliance.pack.cells import Cells
from server.apispec import FIRST_DAY, LAST_DAY
from server.audit.operations import log_access
from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.centre.records import centre_record
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import ApiError, Forbidden, ValidationFailed
from server.inspections import operations as ops
from server.inspections.sources import app_sources
from server.safeguarding.designations import scoped_grant_ids

bp = Blueprint("inspections", __name__)
REGISTER_PAGE_ROWS = 500
REGISTER_DEFAULT_DAYS = 30


def grant_states() -> dict[str, str]:
    """An inspector grant's state in the reader's language."""
    return {"active": _("Active"), "expired": _("Expired"), "revoked": _("Revoked")}


def severity_labels() -> dict[str, str]:
    """Finding severities in the reader's language (the stored value is the machine code)."""
    return {"critical": _("Critical violation"), "violation": _("Violation"), "warning": _("Warning"),
            "info": _("Note")}


def _inspection_page(centre: Centre, actor: Actor, now: datetime, *, errors: dict[str, list[str]] | None = None,
                     status: int = 200) -> tuple[str, int]:
    run, findings = ops.fresh_findings(centre, sources=app_sources(), actor=actor, now=now)
    grouped = [(r, [f for f in findings if f.responsibility == r.value]) for r in Responsibility]
    today = centre_today(centre, now)
    can_manage = actor.can(Perm.INSPECTORS_GRANT, centre.id, now)
    grants = ops.list_inspector_grants(centre, actor=actor, now=now) if can_manage else []
    return render_template(
        "inspections/inspection.html", centre=centre, grouped=grouped, run=run,
        registers=app_sources().registers_for(centre, actor, now), today=today, month_start=today.replace(day=1),
        can_manage=can_manage, findings_total=len(findings), grants=grants, now=now, errors=errors or {},
        can_evaluate=actor.can(Perm.CENTRE_MANAGE, centre.id, now), severity_labels=severity_labels(),
        grant_states=grant_states(), safeguarding_scoped=scoped_grant_ids(centre.id) if can_manage else set(),
    ), status


@bp.get("/centres/<string:code>/inspection")
@login_required
def inspection(code: str) -> tuple[str, int]:
    """Findings grouped by the six primary responsibilities, the registers, the pack form and inspector grants."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now, perm=Perm.FINDINGS_READ)
    return _inspection_page(centre, actor, now)


@bp.post("/centres/<string:code>/inspection/evaluate")
@login_required
def evaluate(code: str) -> Response:
    """The director re-evaluates the centre now (the button beside "evaluated at")."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    back = url_for("inspections.inspection", code=code)
    try:
        ops.evaluate_centre(centre, sources=app_sources(), trigger="manual", actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)  # type: ignore[return-value]
    flash(_("Evaluated just now."))
    return redirect(back)


def _register_day(name: str, default: date) -> tuple[date, str | None]:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default, None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return default, _("Not a valid date.")
    if not FIRST_DAY <= day <= LAST_DAY:
        return default, _("Dates run from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
    return day, None


def _register_cells(source: RegisterSource, row: Sequence[object] | Mapping[str, object], cells: Cells) -> list[object]:
    values = [row.get(c.key) for c in source.columns] if isinstance(row, Mapping) else list(row)
    return [cells.csv(value) for value in values]


@bp.get("/centres/<string:code>/registers/<string:name>")
@login_required
def register(code: str, name: str) -> str | Response | tuple[str, int]:
    """One register on screen, newest first, a date range and 500 rows a page; `?format=csv` downloads the page.

    The screen and the CSV show the same cells (times in the centre's zone, as in the pack); registers
    stream their rows oldest first, so the period's rows are reversed here.
    """
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now, perm=Perm.FINDINGS_READ)
    source = app_sources().register(name)
    if source is None or source not in app_sources().registers_for(centre, actor, now):
        abort(404)  # a restricted register (safeguarding) is absent for those its gate refuses
    today = centre_today(centre, now)
    start, start_error = _register_day("from", today - timedelta(days=REGISTER_DEFAULT_DAYS - 1))
    end, end_error = _register_day("to", today)
    errors = {k: v for k, v in (("from", start_error), ("to", end_error)) if v}
    if start > end:
        errors["to"] = _("The period ends before it starts.")
    if (end - start).days + 1 > ops.MAX_PACK_DAYS:
        errors["to"] = _("A register on screen covers at most three years; the pack holds any period.")
    page = request.args.get("page", "1")
    page_no = int(page) if page.isdigit() and 0 < int(page) < 2**31 else 1
    rows: list[list[object]] = []
    pages = 1
    if not errors:
        cells = Cells(centre_zone(centre))
        every = [_register_cells(source, row, cells) for row in source.rows(centre_record(centre), Period(start, end))]
        every.reverse()
        pages = max(1, -(-len(every) // REGISTER_PAGE_ROWS))
        page_no = min(page_no, pages)
        rows = every[(page_no - 1) * REGISTER_PAGE_ROWS:page_no * REGISTER_PAGE_ROWS]
    as_csv = request.args.get("format") == "csv" and not errors
    log_access(centre_id=centre.id, user_id=actor.user_id, action="download" if as_csv else "read",
               object_type="register", object_id=name, now=now,
               detail=f"register {'CSV' if as_csv else 'on screen'} {start}..{end} p{page_no}")
    if as_csv:
        return _register_csv(source, rows, f"{centre.code}-{name}-{start}-{end}-p{page_no}.csv")
    html = render_template("inspections/register.html", centre=centre, source=source, rows=rows, start=start,
                           end=end, page=page_no, pages=pages, errors=errors, first_day=FIRST_DAY, last_day=LAST_DAY)
    return (html, 400) if errors else html


def _register_csv(source: RegisterSource, rows: list[list[object]], filename: str) -> Response:
    text = io.StringIO()
    out = csv.writer(text)
    out.writerow([column.zh for column in source.columns])
    out.writerows(rows)
    body = codecs.BOM_UTF8 + text.getvalue().encode("utf-8")
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store"})


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
        flash(_("The expiry is not a valid date and time"))
        return redirect(url_for("inspections.inspection", code=code))
    except Forbidden as exc:
        return refuse_form(exc, back=url_for("inspections.inspection", code=code))  # type: ignore[return-value]
    except ApiError as exc:
        flash(str(exc.message))
        return redirect(url_for("inspections.inspection", code=code))
    until = f"{expires_at:%Y-%m-%d %H:%M}"
    if password:
        flash(_("Access granted to %(username)s until %(until)s; initial password: %(password)s",
                username=user.username, until=until, password=password))
    else:
        flash(_("Access granted to %(username)s until %(until)s", username=user.username, until=until))
    return redirect(url_for("inspections.inspection", code=code))


@bp.post("/centres/<string:code>/inspectors/revoke")
@login_required
def revoke_inspector(code: str) -> ResponseReturnValue:
    """The director withdraws an inspector's grant at this centre; it stops working at the inspector's next request."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    back = url_for("inspections.inspection", code=centre.code)
    username = request.form.get("username", "")[:80]
    try:
        ops.revoke_inspector(centre, username=username, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed:
        db.session.rollback()
        return _inspection_page(centre, actor, now, errors={"username": [_("No such inspector grant.")]}, status=422)
    flash(_("Access of %(username)s revoked.", username=username))
    return redirect(back)
