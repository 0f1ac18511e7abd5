"""The office's page for a centre's classes (rooms): the list, add a class, edit one, retire or reinstate it.

Thin: each form calls the operation (create_room, update_room), which authorises and audits; a refused post
answers 403 in the layout, a post with problems answers 422 with the page again, what was typed kept and each
problem shown by its field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre, ClassType, Room
from server.centre.operations import MAX_ROOM_CAPACITY, create_room, get_centre, get_room, list_rooms, update_room
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, Problem, ValidationFailed
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


def _problems_by_field(problems: list[Problem]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for p in problems:
        fields.setdefault(p.field or "", []).append(str(PROBLEM_TEXTS.get(p.code, p.message)))
    return fields


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
        return _page(centre, actor, now, form=request.form.to_dict(), errors=_problems_by_field(problems),
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
