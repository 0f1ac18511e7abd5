"""The isolation room and supplies page: the room, every supply's stock against its minimum, the director's forms.

The forms record the room, move stock and change a minimum. Thin: the same operations as the API.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from server.auth.roles import Perm
from server.auth.session import refuse_form
from server.centre.timezones import centre_today
from server.database import db
from server.emergencies import supplies as ops
from server.emergencies.preparedness_blueprint import bp, form_day, form_int, page
from server.emergencies.supplies_models import SUPPLY_CATALOGUE, MovementKind, SupplyKind
from server.errors import Forbidden, ProblemCollector, ValidationFailed, problems_by_field


def _supplies_page(centre, actor, now, *, form=None, errors=None, status: int = 200) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    return render_template("emergencies/preparedness/supplies.html", centre=centre,
                           lines=ops.list_supplies(centre, actor=actor, now=now), room=ops.isolation_room(centre.id),
                           catalogue=SUPPLY_CATALOGUE, kinds=list(SupplyKind), movements=list(MovementKind),
                           today=centre_today(centre, now),
                           may_manage=actor.can(Perm.EMERGENCY_MANAGE, centre.id, now),
                           form=form or {}, errors=errors or {}), status


@bp.get("/centres/<string:code>/supplies")
@login_required
def supplies(code: str) -> ResponseReturnValue:
    """The isolation room and the epidemic-prevention supplies, those below their minimum first."""
    centre, actor, now = page(code)
    return _supplies_page(centre, actor, now)


def _post(code: str, change, message: str) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    centre, actor, now = page(code)
    back = url_for("preparedness.supplies", code=centre.code)
    problems = ProblemCollector()
    try:
        change(centre, actor, now, problems)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _supplies_page(centre, actor, now, form=request.form.to_dict(),
                              errors=problems_by_field(exc.problems), status=422)
    flash(message)
    return redirect(back)


@bp.post("/centres/<string:code>/supplies/movements")
@login_required
def record_movement(code: str) -> ResponseReturnValue:
    """Stock received, used or counted."""
    def change(centre, actor, now, problems):  # type: ignore[no-untyped-def]
        quantity = form_int("quantity", problems)
        problems.raise_if_any()
        ops.record_movement(centre, kind=request.form.get("kind", ""), movement=request.form.get("movement", ""),
                            quantity=quantity or 0, note=request.form.get("note"), actor=actor, now=now)
    return _post(code, change, _("Stock recorded"))


@bp.post("/centres/<string:code>/supplies/minimums")
@login_required
def set_minimum(code: str) -> ResponseReturnValue:
    """Change a supply's minimum stock."""
    def change(centre, actor, now, problems):  # type: ignore[no-untyped-def]
        minimum = form_int("minimum", problems)
        problems.raise_if_any()
        ops.set_minimum(centre, kind=request.form.get("kind", ""), minimum=minimum or 0, actor=actor, now=now)
    return _post(code, change, _("Minimum stock changed"))


@bp.post("/centres/<string:code>/isolation-room")
@login_required
def record_isolation_room(code: str) -> ResponseReturnValue:
    """Record the isolation room (or that there is none)."""
    def change(centre, actor, now, problems):  # type: ignore[no-untyped-def]
        has_room = request.form.get("has_room") == "yes"
        checked_on = form_day("checked_on", problems, default=centre_today(centre, now)) if has_room else None
        problems.raise_if_any()
        ops.record_isolation_room(centre, has_room=has_room, location=request.form.get("location"),
                                  checked_on=checked_on, note=request.form.get("note"), actor=actor, now=now)
    return _post(code, change, _("Isolation room recorded"))
