"""The correction pages: amend a recorded drill or a monthly fire check, cancel a planned drill (with why).

Each is a small page of its own (from the drills and fire-safety pages); a refused form comes back 422 (409 for a
conflict) with what was typed and the problem beside it. Thin: the operations of corrections.py, as the API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from server.auth.roles import Perm
from server.auth.session import refuse_form
from server.centre.models import Centre
from server.emergencies import corrections
from server.emergencies import drills as drill_ops
from server.emergencies.fire_checks_models import FireItem
from server.emergencies.preparedness_blueprint import bp, form_instant, form_int, page
from server.errors import Conflict, Forbidden, Problem, ProblemCollector, ValidationFailed, problems_by_field
from server.i18n import label

FIELD_NAMES = {"held_at": _l("Held at"), "children_count": _l("Children"), "evacuation_s": _l("Evacuation (s)"),
               "duration_min": _l("Duration (min)"), "problems": _l("Problems found"), "checked_at": _l("Checked at"),
               "note": _l("Note")}


def _value(centre: Centre, field: str, problems: ProblemCollector) -> Any:
    """The corrected value as typed: a local time, a whole number, an item's result, or text."""
    if field in corrections.WHEN:
        if not request.form.get("value", "").strip():
            problems.add("required", _l("This is required."), "value")
            return None
        return form_instant("value", centre, problems, default=datetime.now(UTC)).isoformat()
    if field in ("children_count", "duration_min", "evacuation_s"):
        return form_int("value", problems, required=field != "evacuation_s")
    if field.startswith("items."):
        return {"is_ok": request.form.get("is_ok") == "ok", "note": request.form.get("value", "")}
    return request.form.get("value", "")


def _page(template_args: dict[str, Any], change: Callable[[], object], *, may_change: bool, back: str,
          message: str) -> ResponseReturnValue:
    """GET: the form (only for who may make the change); POST: the change, then back.

    Refused → 403; problems 422 / conflict 409 with the form kept.
    """
    names = {**FIELD_NAMES, **{f"items.{item.value}": label(item) for item in FireItem}}
    args = {"form": request.form.to_dict(), "errors": {}, "back": back, "field_names": names, **template_args}
    if request.method == "GET":
        if not may_change:
            return refuse_form(Forbidden(), back=back)
        args["form"] = {"field": request.args.get("field", "")}
        return render_template("emergencies/preparedness/correct.html", **args)
    try:
        change()
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        return render_template("emergencies/preparedness/correct.html",
                               **{**args, "errors": problems_by_field(exc.problems)}), 422
    except Conflict as exc:
        return render_template("emergencies/preparedness/correct.html",
                               **{**args, "errors": problems_by_field([Problem(exc.code, exc.message, "")])}), 409
    flash(message)
    return redirect(back), 303


def _amend(centre: Centre, amend: Callable[..., object]) -> Callable[[], object]:
    def change() -> object:
        problems = ProblemCollector()
        field = request.form.get("field", "")
        value = _value(centre, field, problems)
        problems.raise_if_any()
        return amend(field=field, value=value, reason=request.form.get("reason", ""))
    return change


def _correction(code: str, record_id: int, get: Callable[..., Any], amend: Callable[..., object], *, kind: str,
                fields: tuple[str, ...], perm: Perm, endpoint: str, id_name: str, back: str) -> ResponseReturnValue:
    """The correction page of one recorded drill or fire check: the record stays as recorded, the amendment beside."""
    centre, actor, now = page(code)
    record = get(record_id, actor=actor, now=now)
    if record.centre_id != centre.id:
        abort(404)
    return _page({"centre": centre, "kind": kind, "record": record, "fields": fields,
                  "action": url_for(endpoint, code=centre.code, **{id_name: record.id})},
                 _amend(centre, lambda **kw: amend(record, **kw, actor=actor, now=now)),
                 may_change=actor.can(perm, centre.id, now), back=url_for(back, code=centre.code),
                 message=_("The correction is recorded"))


@bp.route("/centres/<string:code>/drills/<int:drill_id>/correct", methods=["GET", "POST"])
@login_required
def correct_drill(code: str, drill_id: int) -> ResponseReturnValue:
    """Correct one field of a recorded drill (the director)."""
    return _correction(code, drill_id, drill_ops.get_drill, corrections.amend_drill, kind="drill",
                       fields=corrections.DRILL_AMENDABLE, perm=Perm.EMERGENCY_MANAGE,
                       endpoint="preparedness.correct_drill", id_name="drill_id", back="preparedness.drills")


@bp.route("/centres/<string:code>/fire-checks/<int:fire_check_id>/correct", methods=["GET", "POST"])
@login_required
def correct_fire_check(code: str, fire_check_id: int) -> ResponseReturnValue:
    """Correct a monthly check's time, note or one item's result."""
    return _correction(code, fire_check_id, corrections.get_check, corrections.amend_check, kind="check",
                       fields=corrections.CHECK_AMENDABLE, perm=Perm.FIRE_CHECKS_WRITE,
                       endpoint="preparedness.correct_fire_check", id_name="fire_check_id",
                       back="preparedness.fire_safety")


@bp.route("/centres/<string:code>/drill-schedules/<int:drill_schedule_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_planned_drill(code: str, drill_schedule_id: int) -> ResponseReturnValue:
    """Call off a planned drill, with why."""
    centre, actor, now = page(code)
    planned = corrections.get_schedule(drill_schedule_id, actor=actor, now=now)
    if planned.centre_id != centre.id:
        abort(404)
    return _page({"centre": centre, "kind": "cancel", "record": planned, "fields": (),
                  "action": url_for("preparedness.cancel_planned_drill", code=centre.code,
                                    drill_schedule_id=planned.id)},
                 lambda: corrections.cancel_schedule(planned, reason=request.form.get("reason", ""), actor=actor,
                                                     now=now),
                 may_change=actor.can(Perm.EMERGENCY_MANAGE, centre.id, now),
                 back=url_for("preparedness.drills", code=centre.code), message=_("The planned drill is cancelled"))
