"""The office's page for a centre's classes (rooms): the list, add a class, edit one, retire or reinstate it.

Thin: each form calls the operation (create_room, update_room), which authorises and audits; a refused post
answers 403 in the layout, a post with problems answers 422 with the page again, what was typed kept and each
problem shown by its field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from server.apispec import FIRST_DAY, LAST_DAY
from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre import closures
from server.centre.models import Centre, ClassType, Room
from server.centre.operations import MAX_ROOM_CAPACITY, create_room, get_centre, get_room, list_rooms, update_room
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, Problem, ValidationFailed, problems_by_field
from server.i18n import label

bp = Blueprint("centre_pages", __name__)

# The operations' problems in the catalogue's words (their own messages are bilingual, for the API).
PROBLEM_TEXTS = {
    "required": _l("This is required."),
    "bad_choice": _l("Choose one of the options."),
    "bad_capacity": _l("The capacity must be a whole number from 1 to %(most)s.", most=MAX_ROOM_CAPACITY),
    "name_taken": _l("A class with this name already exists."),
    "too_long": _l("At most %(most)s characters.", most=60),
}
MAX_NAME = 60  # room.name


def _read_form() -> dict[str, Any]:
    """The class form's values (name, class type, capacity), or ValidationFailed with a problem per field."""
    problems = []
    name = request.form.get("name", "").strip()
    if not name:
        problems.append(Problem("required", "", "name"))
    elif len(name) > MAX_NAME:
        problems.append(Problem("too_long", "", "name"))
    try:
        class_type = ClassType(request.form.get("class_type", ""))
    except ValueError:
        problems.append(Problem("bad_choice", "", "class_type"))
    raw = request.form.get("capacity", "").strip()
    capacity = int(raw) if raw.isdigit() and len(raw) <= 3 else 0
    if not 1 <= capacity <= MAX_ROOM_CAPACITY:
        problems.append(Problem("bad_capacity", "", "capacity"))
    if problems:
        raise ValidationFailed(problems)
    return {"name": name, "class_type": class_type, "capacity": capacity}


def _page(centre: Centre, actor: Actor, now: datetime, *, form: dict[str, Any] | None = None,
          errors: dict[str, list[str]] | None = None, editing: int | None = None,
          status: int = 200) -> ResponseReturnValue:
    """The list; `editing` is the class whose edit form failed (None: the add form), shown open with `errors`."""
    return render_template(
        "centre/classes.html", centre=centre, rooms=list_rooms(centre, actor=actor, now=now),
        may_manage=actor.can(Perm.ROOMS_MANAGE, centre.id, now), form=form or {}, errors=errors or {},
        editing=editing, type_options=[(t.value, label(t)) for t in ClassType], most=MAX_ROOM_CAPACITY,
    ), status


@bp.get("/centres/<string:code>/classes")
@login_required
def classes(code: str) -> ResponseReturnValue:
    """The centre's classes: name, class type, capacity, active; the forms for whoever manages rooms."""
    actor, now = current_actor(), utcnow()
    return _page(get_centre(code, actor=actor, now=now), actor, now)


def _change(code: str, room_id: int | None, change: Any) -> ResponseReturnValue:
    """Run one change; 403 in the layout if refused, 422 with the page (typed values kept) on problems."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    back = url_for("centre_pages.classes", code=centre.code)
    room = None
    if room_id is not None:
        room = get_room(room_id, actor=actor, now=now)
        if room.centre_id != centre.id:
            abort(404)
    try:
        change(centre, room, actor, now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        problems = exc.problems if isinstance(exc, ValidationFailed) else [Problem(exc.code, exc.message, exc.field)]
        return _page(centre, actor, now, form=request.form.to_dict(), errors=problems_by_field(problems, PROBLEM_TEXTS),
                     editing=room_id, status=422)
    return redirect(back)


@bp.post("/centres/<string:code>/classes")
@login_required
def add_class(code: str) -> ResponseReturnValue:
    """Add a class (create_room)."""
    def change(centre: Centre, room: Room | None, actor: Actor, now: datetime) -> None:
        create_room(centre, **_read_form(), actor=actor, now=now)
    return _change(code, None, change)


@bp.post("/centres/<string:code>/classes/<int:room_id>")
@login_required
def edit_class(code: str, room_id: int) -> ResponseReturnValue:
    """Rename a class, change its class type or capacity (update_room)."""
    def change(centre: Centre, room: Room | None, actor: Actor, now: datetime) -> None:
        assert room is not None
        update_room(room, _read_form(), actor=actor, now=now)
    return _change(code, room_id, change)


@bp.post("/centres/<string:code>/classes/<int:room_id>/active")
@login_required
def set_class_active(code: str, room_id: int) -> ResponseReturnValue:
    """Retire a class (`is_active=0`) or bring it back (`is_active=1`) (update_room)."""
    def change(centre: Centre, room: Room | None, actor: Actor, now: datetime) -> None:
        assert room is not None
        update_room(room, {"is_active": request.form.get("is_active") == "1"}, actor=actor, now=now)
    return _change(code, room_id, change)


# --- the centre's own closures (园所停园日) ------------------------------------------------------------------

CLOSURE_PROBLEMS = {
    "required": _l("This is required."),
    "bad_date": _l("Enter a date (year-month-day)."),
    "end_before_start": _l("The last day is before the first day."),
    "too_long_closure": _l("A closure is at most %(most)s days.", most=closures.MAX_CLOSURE_DAYS),
    "too_long": _l("At most %(most)s characters.", most=closures.MAX_REASON),
    "already_withdrawn": _l("This closure is already withdrawn."),
}


def _closures_page(centre: Centre, actor: Actor, now: datetime, *, form: dict[str, Any] | None = None,
                   errors: dict[str, list[str]] | None = None, failed: int | None = None,
                   status: int = 200) -> ResponseReturnValue:
    """The list; `failed` is the closure whose withdraw form came back with `errors` (None: the add form)."""
    today = centre_today(centre, now)
    return render_template(
        "centre/closures.html", centre=centre, closures=closures.list_closures(centre, actor=actor, now=now),
        may_manage=actor.can(Perm.CENTRE_MANAGE, centre.id, now), today=today, form=form or {},
        errors=errors or {}, failed=failed, most_days=closures.MAX_CLOSURE_DAYS,
    ), status


@bp.get("/centres/<string:code>/closures")
@login_required
def closures_page(code: str) -> ResponseReturnValue:
    """The centre's own closures on top of the official calendar; the forms for the director."""
    actor, now = current_actor(), utcnow()
    return _closures_page(get_centre(code, actor=actor, now=now), actor, now)


def _day(name: str, problems: list[Problem]) -> date | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        problems.append(Problem("required", "", name))
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or not FIRST_DAY <= value <= LAST_DAY:
        problems.append(Problem("bad_date", "", name))
        return None
    return value


def _closure_change(code: str, failed: int | None, change: Any) -> ResponseReturnValue:
    """Run one change of the closures page; 403 in the layout if refused, 422 with the page on problems."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    back = url_for("centre_pages.closures_page", code=centre.code)
    try:
        change(centre, actor, now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        problems = exc.problems if isinstance(exc, ValidationFailed) else [Problem(exc.code, exc.message, exc.field)]
        fields: dict[str, list[str]] = {}
        for p in problems:
            fields.setdefault(p.field or "", []).append(str(CLOSURE_PROBLEMS.get(p.code, p.message)))
        return _closures_page(centre, actor, now, form=request.form.to_dict(), errors=fields, failed=failed,
                              status=422)
    return redirect(back)


@bp.post("/centres/<string:code>/closures")
@login_required
def add_closure(code: str) -> ResponseReturnValue:
    """Record a closure (record_closure): first and last day, and why."""
    def change(centre: Centre, actor: Actor, now: datetime) -> None:
        problems: list[Problem] = []
        first, last = _day("first_day", problems), _day("last_day", problems)
        if problems:
            raise ValidationFailed(problems)
        assert first is not None and last is not None
        closures.record_closure(centre, first_day=first, last_day=last, reason=request.form.get("reason", ""),
                                actor=actor, now=now)
    return _closure_change(code, None, change)


@bp.post("/centres/<string:code>/closures/<int:closure_id>/withdraw")
@login_required
def withdraw_closure(code: str, closure_id: int) -> ResponseReturnValue:
    """Withdraw a closure (withdraw_closure): the centre opens after all; the closure stays listed."""
    def change(centre: Centre, actor: Actor, now: datetime) -> None:
        closure = closures.get_closure(closure_id, actor=actor, now=now)
        if closure.centre_id != centre.id:
            abort(404)
        closures.withdraw_closure(closure, reason=request.form.get("reason", ""), actor=actor, now=now)
    return _closure_change(code, closure_id, change)
