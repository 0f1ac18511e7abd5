"""The drills pages: planned drills and the record of those held.

The director plans and records; an action's owner (or the director) marks it done. Thin: the same operations
as the API.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import refuse_form
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.emergencies import drills as ops
from server.emergencies.plans_models import PlanScenario
from server.emergencies.preparedness import active_staff, staff_of
from server.emergencies.preparedness_blueprint import bp, form_day, form_instant, form_int, page
from server.errors import Forbidden, ProblemCollector, ValidationFailed, problems_by_field

ACTION_ROWS = 3  # empty corrective-action rows on the form


@bp.get("/centres/<string:code>/drills")
@login_required
def drills(code: str) -> ResponseReturnValue:
    """Planned drills to come, the plan form (director), and the drills held with their corrective actions."""
    centre, actor, now = page(code)
    lines = ops.list_drills(centre, actor=actor, now=now)
    names = {s.id: s.name for s in active_staff(centre.id, centre_today(centre, now))}
    for line in lines:
        names.update({s.id: s.name for s in line.participants})
    me = staff_of(actor, centre.id, centre_today(centre, now))
    return render_template("emergencies/preparedness/drills.html", centre=centre, lines=lines, names=names,
                           upcoming=ops.upcoming(centre, actor=actor, now=now), scenarios=list(PlanScenario),
                           today=centre_today(centre, now), me_id=me.id if me else None,
                           may_manage=actor.can(Perm.EMERGENCY_MANAGE, centre.id, now), errors={}, form={})


@bp.post("/centres/<string:code>/drills/schedule")
@login_required
def schedule_drill(code: str) -> ResponseReturnValue:
    """Plan a drill for a day."""
    centre, actor, now = page(code)
    back = url_for("preparedness.drills", code=centre.code)
    problems = ProblemCollector()
    planned_on = form_day("planned_on", problems)
    try:
        problems.raise_if_any()
        assert planned_on is not None
        ops.schedule_drill(centre, scenario=request.form.get("scenario", ""), planned_on=planned_on,
                           note=request.form.get("note"), actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        for problem in exc.problems:
            flash(str(problem.message))
        return redirect(back)
    flash(_("Drill planned"))
    return redirect(back)


def _record_page(centre, actor, now, form, errors, status: int = 200) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    today = centre_today(centre, now)
    return render_template("emergencies/preparedness/drill_record.html", centre=centre, form=form, errors=errors,
                           scenarios=list(PlanScenario), staff=active_staff(centre.id, today),
                           planned=ops.upcoming(centre, actor=actor, now=now, from_day=today - timedelta(days=31)),
                           action_rows=range(ACTION_ROWS), now_local=now.astimezone(centre_zone(centre))), status


@bp.get("/centres/<string:code>/drills/record")
@login_required
def record_form(code: str) -> ResponseReturnValue:
    """The form for a drill held (from a planned one, if given)."""
    centre, actor, now = page(code)
    authorise(actor, Perm.EMERGENCY_MANAGE, centre.id, now)
    form = {"schedule_id": request.args.get("schedule_id", ""), "scenario": request.args.get("scenario", "fire")}
    return _record_page(centre, actor, now, form, {})


def _actions(problems: ProblemCollector) -> tuple[ops.ActionValues, ...]:
    actions = []
    for n in range(ACTION_ROWS):
        text = request.form.get(f"actions.{n}.action", "").strip()
        if not text:
            continue
        owner = form_int(f"actions.{n}.owner_staff_id", problems)
        due = form_day(f"actions.{n}.due_on", problems)
        if owner is not None and due is not None:
            actions.append(ops.ActionValues(text, owner, due))
    return tuple(actions)


@bp.post("/centres/<string:code>/drills/record")
@login_required
def record_drill(code: str) -> ResponseReturnValue:
    """Record the drill; its participants' training entries follow."""
    centre, actor, now = page(code)
    back = url_for("preparedness.drills", code=centre.code)
    problems = ProblemCollector()
    held_at = form_instant("held_at", centre, problems, default=now)
    minutes, seconds = form_int("evacuation_min", problems, required=False), form_int("evacuation_sec", problems,
                                                                                     required=False)
    evacuation = None if minutes is None and seconds is None else (minutes or 0) * 60 + (seconds or 0)
    values = ops.DrillValues(
        scenario=request.form.get("scenario", ""), held_at=held_at,
        children_count=form_int("children_count", problems) or 0, evacuation_s=evacuation,
        duration_min=form_int("duration_min", problems) or 0, problems=request.form.get("problems", ""),
        participant_ids=tuple(int(i) for i in request.form.getlist("participant_ids") if i.isdigit()),
        actions=_actions(problems), schedule_id=form_int("schedule_id", problems, required=False))
    try:
        problems.raise_if_any()
        ops.record_drill(centre, values, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        form = {**request.form.to_dict(), "participant_ids": request.form.getlist("participant_ids")}
        return _record_page(centre, actor, now, form, problems_by_field(exc.problems), 422)
    flash(_("Drill recorded: it counts as emergency training for everyone who took part"))
    return redirect(back)


@bp.post("/centres/<string:code>/drill-actions/<int:drill_action_id>/done")
@login_required
def complete_action(code: str, drill_action_id: int) -> ResponseReturnValue:
    """Mark a corrective action done today (or on the date given)."""
    centre, actor, now = page(code)
    back = url_for("preparedness.drills", code=centre.code)
    problems = ProblemCollector()
    done_on = form_day("done_on", problems, default=centre_today(centre, now))
    try:
        action = ops.get_action(drill_action_id, actor=actor, now=now)
        if action.centre_id != centre.id:
            abort(404)
        assert done_on is not None
        ops.complete_action(action, done_on=done_on, note=request.form.get("note"), actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        for problem in exc.problems:
            flash(str(problem.message))
        return redirect(back)
    flash(_("Corrective action marked done"))
    return redirect(back)
