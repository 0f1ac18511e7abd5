"""The child's health page: allergies (add, end), 表5, entry exam and vaccination check, growth against WHO 2006.

Thin: each form calls the same operation as the API, which authorises and audits; every view is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from compliance.health.allergens import AllergenKind
from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre, Room
from server.centre.operations import get_centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, Problem, ValidationFailed, problems_by_field
from server.health.profile import growth as growth_ops
from server.health.profile import operations as ops
from server.health.profile.models import Allergy, AllergySeverity, ChronicCondition
from server.i18n import is_chinese, label
from server.people.models import Child
from server.people.views import PROBLEM_TEXTS, FormReader

bp = Blueprint("health_profile", __name__)
TEXTS = {**PROBLEM_TEXTS, "bad_number": _l("Enter a number."), "in_future": _l("The date is in the future."),
         "before_birth": _l("The date is before the child was born.")}


def _child(code: str, child_id: int, perm: Perm) -> tuple[Centre, Child, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    child = ops.child_for_health(child_id, perm, actor=actor, now=now)
    if child.centre_id != centre.id:
        abort(404)
    return centre, child, actor, now


def _page(centre: Centre, child: Child, actor: Actor, now: datetime, *, active: str = "",
          form: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None) -> str:
    today = centre_today(centre, now)
    rules = effective_rules(centre, today)
    ops.log_health_read(child, "profile", actor=actor, now=now)
    catalogue = ops.allergen_catalogue()
    zh = is_chinese()
    allergies = [{"row": a, "name": (catalogue[a.allergen].zh if zh else catalogue[a.allergen].en)
                  if a.allergen in catalogue else a.allergen, "active": a.ended_on is None or a.ended_on > today}
                 for a in ops.allergies_of(child.id)]
    growth = growth_ops.growth_of(child, rules)
    charts = growth_ops.chart_data(child, growth)
    for chart in charts:
        chart["title"] = label(chart.pop("indicator"))
    room = db.session.get(Room, child.room_id) if child.room_id else None
    return render_template(
        "health/profile_child.html", centre=centre, child=child, room=room, today=today, active=active,
        form=form or {}, errors=errors or {}, may_write=actor.can(Perm.HEALTH_WRITE, centre.id, now),
        allergies=sorted(allergies, key=lambda a: (not a["active"], a["row"].id)),
        allergen_groups=[(label(kind), [(a.code, a.zh if zh else a.en) for a in catalogue.values() if a.kind is kind])
                         for kind in AllergenKind],
        severity_options=[(s.value, label(s)) for s in AllergySeverity],
        conditions=ops.conditions_of([child.id]), exams=ops.entry_exams_of([child.id]),
        exam_status=ops.entry_exam_status(child, today, rules),
        growth=[(row, found, [label(s) for s in found.statuses]) for row, found in reversed(growth)],
        chart={"charts": charts, "labels": {"lower": "−2 SD", "median": _("Median"), "upper": "+2 SD",
                                           "child": child.name, "months": _("Age (months)"), "cm": "cm",
                                           "kg": "kg"}},
        days_per_month=Decimal(str(growth_ops.DAYS_PER_MONTH)))


@bp.get("/centres/<string:code>/children/<int:child_id>/health")
@login_required
def child_health(code: str, child_id: int) -> ResponseReturnValue:
    """The child's health profile (every view logged)."""
    centre, child, actor, now = _child(code, child_id, Perm.HEALTH_READ)
    return _page(centre, child, actor, now)


def _post(code: str, child_id: int, active: str, change: Callable[[Child, Actor, datetime, Any, FormReader], object]
          ) -> ResponseReturnValue:
    centre, child, actor, now = _child(code, child_id, Perm.HEALTH_READ)
    back = url_for("health_profile.child_health", code=centre.code, child_id=child.id)
    form = FormReader()
    try:
        change(child, actor, now, centre_today(centre, now), form)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        problems = exc.problems if isinstance(exc, ValidationFailed) else [Problem(exc.code, exc.message, "")]
        fresh = db.session.get(Child, child_id) or child
        return _page(centre, fresh, actor, now, active=active, form=request.form.to_dict(),
                     errors=problems_by_field(problems, TEXTS)), 409 if isinstance(exc, Conflict) else 422
    return redirect(f"{back}#{active}")


@bp.post("/centres/<string:code>/children/<int:child_id>/health/allergies")
@login_required
def record_allergy(code: str, child_id: int) -> ResponseReturnValue:
    """Add an allergy from the closed list."""
    def change(child: Child, actor: Actor, now: datetime, today: Any, form: FormReader) -> None:
        recorded_on = form.day("recorded_on") or today
        form.raise_if_any()
        ops.record_allergy(child, allergen=request.form.get("allergen", ""), severity=request.form.get("severity", ""),
                           reaction=request.form.get("reaction", ""), recorded_on=recorded_on, actor=actor, now=now,
                           today=today)
    return _post(code, child_id, "allergies", change)


@bp.post("/centres/<string:code>/children/<int:child_id>/health/allergies/<int:allergy_id>/end")
@login_required
def end_allergy(code: str, child_id: int, allergy_id: int) -> ResponseReturnValue:
    """End an allergy (outgrown, disproved), with the reason."""
    def change(child: Child, actor: Actor, now: datetime, today: Any, form: FormReader) -> None:
        ended_on = form.day("ended_on") or today
        form.raise_if_any()
        row = ops.get_row(Allergy, allergy_id, Perm.HEALTH_WRITE, actor=actor, now=now)
        if row.child_id != child.id:
            abort(404)
        ops.end_allergy(row, ended_on=ended_on, reason=request.form.get("reason", ""), actor=actor, now=now,
                        today=today)
    return _post(code, child_id, f"end-{allergy_id}", change)


@bp.post("/centres/<string:code>/children/<int:child_id>/health/conditions")
@login_required
def record_condition(code: str, child_id: int) -> ResponseReturnValue:
    """Enter a condition in 表5."""
    def change(child: Child, actor: Actor, now: datetime, today: Any, form: FormReader) -> None:
        found_on = form.day("found_on", required=True)
        form.raise_if_any()
        assert found_on is not None
        ops.record_condition(child, condition=request.form.get("condition", ""), found_on=found_on,
                             plan=request.form.get("plan", ""), managed_by=request.form.get("managed_by", ""),
                             actor=actor, now=now, today=today)
    return _post(code, child_id, "conditions", change)


@bp.post("/centres/<string:code>/children/<int:child_id>/health/conditions/<int:condition_id>/close")
@login_required
def close_condition(code: str, child_id: int, condition_id: int) -> ResponseReturnValue:
    """Close a 表5 entry with its outcome."""
    def change(child: Child, actor: Actor, now: datetime, today: Any, form: FormReader) -> None:
        closed_on = form.day("closed_on") or today
        form.raise_if_any()
        row = ops.get_row(ChronicCondition, condition_id, Perm.HEALTH_WRITE, actor=actor, now=now)
        if row.child_id != child.id:
            abort(404)
        ops.close_condition(row, closed_on=closed_on, outcome=request.form.get("outcome", ""), actor=actor, now=now,
                            today=today)
    return _post(code, child_id, f"close-{condition_id}", change)


@bp.post("/centres/<string:code>/children/<int:child_id>/health/entry-exams")
@login_required
def record_entry_exam(code: str, child_id: int) -> ResponseReturnValue:
    """Record the entry exam and the vaccination certificate check."""
    def change(child: Child, actor: Actor, now: datetime, today: Any, form: FormReader) -> None:
        examined_on = form.day("examined_on", required=True)
        form.raise_if_any()
        assert examined_on is not None
        ops.record_entry_exam(child, examined_on=examined_on, vaccination_checked=form.flag("vaccination_checked"),
                              passed=form.flag("passed"), examined_by=request.form.get("examined_by", ""),
                              note=request.form.get("note", ""), actor=actor, now=now, today=today)
    return _post(code, child_id, "entry-exam", change)


@bp.post("/centres/<string:code>/children/<int:child_id>/health/measurements")
@login_required
def record_measurement(code: str, child_id: int) -> ResponseReturnValue:
    """Record a growth measurement."""
    def change(child: Child, actor: Actor, now: datetime, today: Any, form: FormReader) -> None:
        measured_on = form.day("measured_on") or today
        form.raise_if_any()
        way = request.form.get("recumbent", "")
        growth_ops.record_measurement(
            child, measured_on=measured_on, height_cm=form.text("height_cm"), weight_kg=form.text("weight_kg"),
            head_cm=form.text("head_cm"), recumbent={"lying": True, "standing": False}.get(way),
            measured_by=request.form.get("measured_by", ""), actor=actor, now=now, today=today)
    return _post(code, child_id, "growth", change)
