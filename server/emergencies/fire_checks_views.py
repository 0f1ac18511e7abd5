"""The fire-safety pages: where things stand, the monthly checklist (the guard or the director), the certificate.

Thin: the same operations as the API.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import refuse_form
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.emergencies import fire_checks as ops
from server.emergencies.fire_checks_models import FireItem
from server.emergencies.preparedness_blueprint import bp, form_day, form_instant, page, uploaded
from server.emergencies.preparedness_settings import preparedness_store
from server.errors import Forbidden, ProblemCollector, ValidationFailed, problems_by_field


def _fire_page(centre, actor, now, *, form=None, errors=None, status: int = 200) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    lines = ops.list_checks(centre, actor=actor, now=now)
    return render_template("emergencies/preparedness/fire_safety.html", centre=centre, lines=lines,
                           status=ops.fire_status(centre, now), certificates=ops.certificates(centre.id),
                           items=list(FireItem), today=centre_today(centre, now),
                           may_check=actor.can(Perm.FIRE_CHECKS_WRITE, centre.id, now),
                           may_manage=actor.can(Perm.EMERGENCY_MANAGE, centre.id, now),
                           form=form or {}, errors=errors or {}), status


@bp.get("/centres/<string:code>/fire-safety")
@login_required
def fire_safety(code: str) -> ResponseReturnValue:
    """Where fire safety stands: this month's check, the checks done, the certificate in force (and its form)."""
    centre, actor, now = page(code)
    return _fire_page(centre, actor, now)


def _check_page(centre, now, form, errors, status: int = 200) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    return render_template("emergencies/preparedness/fire_check.html", centre=centre, items=list(FireItem),
                           form=form, errors=errors,
                           now_local=now.astimezone(centre_zone(centre)).strftime("%Y-%m-%dT%H:%M")), status


@bp.get("/centres/<string:code>/fire-safety/check")
@login_required
def check_form(code: str) -> ResponseReturnValue:
    """The checklist: one ok / fault choice per item (ok by default), a note for each fault."""
    centre, actor, now = page(code)
    authorise(actor, Perm.FIRE_CHECKS_WRITE, centre.id, now)
    return _check_page(centre, now, {}, {})


@bp.post("/centres/<string:code>/fire-safety/check")
@login_required
def record_check(code: str) -> ResponseReturnValue:
    """Record the walk of the checklist."""
    centre, actor, now = page(code)
    back = url_for("preparedness.fire_safety", code=centre.code)
    problems = ProblemCollector()
    checked_at = form_instant("checked_at", centre, problems, default=now)
    results = {}
    for item in FireItem:
        state = request.form.get(f"items.{item.value}")
        if state in ("ok", "fault"):
            results[item.value] = ops.ItemResult(state == "ok", request.form.get(f"notes.{item.value}"))
    try:
        problems.raise_if_any()
        ops.record_check(centre, results=results, checked_at=checked_at, note=request.form.get("note"),
                         actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _check_page(centre, now, request.form.to_dict(), problems_by_field(exc.problems), 422)
    flash(_("Fire check recorded"))
    return redirect(back)


@bp.post("/centres/<string:code>/fire-safety/certificates")
@login_required
def record_certificate(code: str) -> ResponseReturnValue:
    """Record the yearly certificate with its scan."""
    centre, actor, now = page(code)
    back = url_for("preparedness.fire_safety", code=centre.code)
    problems = ProblemCollector()
    issued_on = form_day("issued_on", problems)
    valid_until = form_day("valid_until", problems)
    store = preparedness_store()
    file = uploaded("file", store.max_bytes)
    try:
        problems.raise_if_any()
        assert issued_on is not None and valid_until is not None
        ops.record_certificate(centre, issued_on=issued_on, valid_until=valid_until,
                               issuer=request.form.get("issuer", ""), number=request.form.get("number"),
                               file=file[0] if file else None, store=store, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _fire_page(centre, actor, now, form=request.form.to_dict(), errors=problems_by_field(exc.problems),
                          status=422)
    flash(_("Certificate recorded"))
    return redirect(back)
