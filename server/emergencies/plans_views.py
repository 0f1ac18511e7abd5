"""The plan library's pages: every scenario and its current version; the director publishes, staff confirm reading.

Every member of staff (and an inspector) reads; publishing needs EMERGENCY_MANAGE; confirming needs a staff record
at the centre (the operation checks). Thin: the same operations as the API.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import refuse_form
from server.centre.timezones import centre_today
from server.database import db
from server.emergencies import plans as ops
from server.emergencies.plans_models import PlanScenario
from server.emergencies.preparedness import staff_of
from server.emergencies.preparedness_blueprint import bp, page, uploaded
from server.emergencies.preparedness_settings import preparedness_store
from server.errors import ApiError, Forbidden, ValidationFailed, problems_by_field
from server.people.models import StaffRole


@bp.get("/centres/<string:code>/emergency-plans")
@login_required
def plans(code: str) -> ResponseReturnValue:
    """The library: one card per scenario with its version, who has read it (the director sees who has not)."""
    centre, actor, now = page(code)
    lines = ops.library(centre, actor=actor, now=now)
    return render_template("emergencies/preparedness/plans.html", centre=centre, lines=lines,
                           is_staff=staff_of(actor, centre.id, centre_today(centre, now)) is not None,
                           may_manage=actor.can(Perm.EMERGENCY_MANAGE, centre.id, now))


def _publish_page(centre, scenario: str, form: dict[str, object], errors: dict[str, list[str]],  # type: ignore[no-untyped-def]
                  status: int = 200) -> ResponseReturnValue:
    return render_template("emergencies/preparedness/plan_publish.html", centre=centre, scenario=scenario,
                           scenarios=list(PlanScenario), roles=[r for r in StaffRole], form=form, errors=errors,
                           max_body=ops.MAX_BODY), status


@bp.get("/centres/<string:code>/emergency-plans/publish")
@login_required
def publish_form(code: str) -> ResponseReturnValue:
    """The form for a new version (pre-filled with the current version's text, if any)."""
    centre, actor, now = page(code)
    authorise(actor, Perm.EMERGENCY_MANAGE, centre.id, now)
    scenario = request.args.get("scenario", PlanScenario.FIRE.value)
    if scenario not in {s.value for s in PlanScenario}:
        abort(404)
    current = next((line.version for line in ops.library(centre, actor=actor, now=now)
                    if line.scenario.value == scenario), None)
    form: dict[str, object] = {"title": current.title, "body": current.body,
                               "responsible_roles": current.responsible_roles} if current else {}
    return _publish_page(centre, scenario, form, {})


@bp.post("/centres/<string:code>/emergency-plans/publish")
@login_required
def publish(code: str) -> ResponseReturnValue:
    """Publish the version (the PDF, if attached, goes to the file store)."""
    centre, actor, now = page(code)
    back = url_for("preparedness.plans", code=centre.code)
    scenario = request.form.get("scenario", "")
    roles = request.form.getlist("responsible_roles")
    store = preparedness_store()
    try:
        version = ops.publish_version(centre, scenario=scenario, title=request.form.get("title", ""),
                                      body=request.form.get("body", ""), responsible_roles=roles,
                                      change_note=request.form.get("change_note"),
                                      file=uploaded("file", store.max_bytes), store=store, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        form = {**request.form.to_dict(), "responsible_roles": roles}
        return _publish_page(centre, scenario, form, problems_by_field(exc.problems), 422)
    flash(_("Version %(n)s published: every member of staff is asked to read it", n=version.version_no))
    return redirect(url_for("preparedness.plan_version", code=centre.code, plan_version_id=version.id))


@bp.get("/centres/<string:code>/emergency-plan-versions/<int:plan_version_id>")
@login_required
def plan_version(code: str, plan_version_id: int) -> ResponseReturnValue:
    """One version: its text or PDF, the versions before it, the confirm button; for the director, the receipts."""
    centre, actor, now = page(code)
    version = ops.get_version(plan_version_id, actor=actor, now=now)
    if version.centre_id != centre.id:
        abort(404)
    line = next(line for line in ops.library(centre, actor=actor, now=now) if line.scenario == ops.scenario_of(version))
    read = ops.readers_of(version.id)
    return render_template("emergencies/preparedness/plan_version.html", centre=centre, version=version,
                           scenario=ops.scenario_of(version), versions=ops.versions_of(version),
                           is_current=ops.is_current(version), line=line, read=read,
                           roles=[StaffRole(r) for r in version.responsible_roles],
                           is_staff=staff_of(actor, centre.id, centre_today(centre, now)) is not None,
                           may_manage=actor.can(Perm.EMERGENCY_MANAGE, centre.id, now))


@bp.post("/centres/<string:code>/emergency-plan-versions/<int:plan_version_id>/read")
@login_required
def confirm_read(code: str, plan_version_id: int) -> ResponseReturnValue:
    """"I have read it": the caller's receipt for this version."""
    centre, actor, now = page(code)
    back = url_for("preparedness.plan_version", code=centre.code, plan_version_id=plan_version_id)
    try:
        version = ops.get_version(plan_version_id, actor=actor, now=now)
        if version.centre_id != centre.id:
            abort(404)
        ops.confirm_read(version, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ApiError as exc:
        if exc.status != 409:
            raise
        db.session.rollback()
        flash(str(exc.message))
        return redirect(back)
    flash(_("Thank you: your reading is recorded"))
    return redirect(back)
