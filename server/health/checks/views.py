"""The 保健员's screens (tablet-sized): the 晨检 queue, the check form, closing a follow-up.

Thin: each form calls the same operation as the API, which authorises and audits; every page that shows checks
logs the read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from compliance.health import CheckKind
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre, Room
from server.centre.operations import get_centre
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, NotFound, Problem, ProblemCollector, ValidationFailed, problems_by_field
from server.health.checks import operations as ops
from server.health.checks.queries import child_checks, morning_queue
from server.i18n import label
from server.people.models import Child

bp = Blueprint("health_checks", __name__)
SIGN_FIELDS = ("hands_mouth_eyes_ok", "skin_ok", "spirits_ok", "asked_ok")
PROBLEM_TEXTS = {
    "bad_choice": _l("Choose one of the options."),
    "too_long": _l("This is too long."),
}


def _next(value: str | None) -> str | None:
    """Where to go after the form (the room tablet sends its own page): a path on this site only."""
    return value if value and value.startswith("/") and not value.startswith("//") and "\\" not in value else None


def _page(code: str) -> tuple[Centre, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    return get_centre(code, actor=actor, now=now), actor, now


def _child(centre: Centre, child_id: int) -> Child:
    child = db.session.get(Child, child_id)
    if child is None or child.centre_id != centre.id:
        abort(404)
    return child


def _queue_page(centre: Centre, actor: Actor, now: datetime, *, close_form: dict[str, str] | None = None,
                close_errors: dict[int, dict[str, list[str]]] | None = None, status: int = 200) -> ResponseReturnValue:
    queue = morning_queue(centre, actor=actor, now=now)
    return render_template("health/checks_queue.html", centre=centre, queue=queue, close_form=close_form or {},
                           close_errors=close_errors or {},
                           may_close=actor.can(Perm.HEALTH_WRITE, centre.id, now)), status


@bp.get("/centres/<string:code>/health-checks")
@login_required
def queue(code: str) -> ResponseReturnValue:
    """The 保健员's landing: who is in without a completed 晨检 (abnormal kiosk screens first), open follow-ups."""
    centre, actor, now = _page(code)
    return _queue_page(centre, actor, now)


def _form_page(centre: Centre, child: Child, actor: Actor, now: datetime, *, form: dict[str, str] | None = None,
               errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    day = centre_today(centre, now)
    today = child_checks(child, actor=actor, now=now, start=day, end=day)
    screen = ops.open_screen(child.id, day)
    done_morning = any(line.row.kind is CheckKind.MORNING and line.row.result.value != "pending"
                       and not line.amended for line in today)
    kind = (form or {}).get("kind") or request.args.get("kind") or (
        CheckKind.OBSERVATION.value if done_morning else CheckKind.MORNING.value)
    values: dict[str, Any] = {"kind": kind, "temperature": "", "findings": "", "to_observation_room": "",
                              **{s: "ok" for s in SIGN_FIELDS}, "dangerous_objects_found": "no"}
    if screen is not None and form is None:
        values["temperature"] = str(screen.temperature) if screen.temperature is not None else ""
        values["hands_mouth_eyes_ok"] = "ok" if screen.hands_mouth_eyes_ok else "off"
    values.update(form or {})
    room = db.session.get(Room, child.room_id) if child.room_id else None
    return render_template(
        "health/checks_form.html", centre=centre, child=child, room=room, screen=screen, today_checks=today,
        values=values, errors=errors or {}, fever_c=ops.fever_threshold(centre, day),
        kinds=[(k.value, label(k)) for k in CheckKind], next=_next(request.values.get("next")),
        screen_abnormal=screen is not None and ops.screen_is_abnormal(screen, ops.fever_threshold(centre, day)),
    ), status


@bp.get("/centres/<string:code>/health-checks/children/<int:child_id>")
@login_required
def check_form(code: str, child_id: int) -> ResponseReturnValue:
    """The check of one child: big toggles per sign, the temperature, findings, the observation room."""
    centre, actor, now = _page(code)
    authorise(actor, Perm.HEALTH_CHECKS_WRITE, centre.id, now)
    return _form_page(centre, _child(centre, child_id), actor, now)


@bp.post("/centres/<string:code>/health-checks/children/<int:child_id>")
@login_required
def record(code: str, child_id: int) -> ResponseReturnValue:
    """Record the check; on a problem the form comes back as typed with each field's problem."""
    centre, actor, now = _page(code)
    back = url_for("health_checks.check_form", code=centre.code, child_id=child_id)
    child = _child(centre, child_id)
    form = request.form
    problems = ProblemCollector()
    try:
        kind = CheckKind(form.get("kind", ""))
    except ValueError:
        kind = None
        problems.add("bad_choice", "", "kind")
    for name in (*SIGN_FIELDS, "dangerous_objects_found"):
        if form.get(name) not in ({"ok", "off"} if name in SIGN_FIELDS else {"no", "yes"}):
            problems.add("bad_choice", "", name)
    typed = form.get("temperature", "")  # parsed by the operation (`ops.parse_temperature`), with the rest
    try:
        if problems.problems:
            ops.parse_temperature(typed, problems)  # a bad reading is shown with the bad choices
            problems.raise_if_any()
        row = ops.record_check(
            child, kind=kind, temperature=typed,  # type: ignore[arg-type]
            **{name: form.get(name) == "ok" for name in SIGN_FIELDS},
            dangerous_objects_found=form.get("dangerous_objects_found") == "yes",
            findings=form.get("findings", ""), to_observation_room=form.get("to_observation_room") == "y",
            completes_id=None, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _form_page(centre, child, actor, now, form=form.to_dict(),
                          errors=problems_by_field(exc.problems, PROBLEM_TEXTS), status=422)
    flash(_("%(name)s: %(kind)s recorded, %(result)s", name=child.name, kind=label(row.kind), result=label(row.result)))
    return redirect(_next(form.get("next")) or url_for("health_checks.queue", code=centre.code))


@bp.post("/centres/<string:code>/health-checks/<int:health_check_id>/close")
@login_required
def close_follow_up(code: str, health_check_id: int) -> ResponseReturnValue:
    """Close an abnormal check's follow-up with what came of it."""
    centre, actor, now = _page(code)
    back = url_for("health_checks.queue", code=centre.code)
    try:
        check = ops.get_check(health_check_id, Perm.HEALTH_WRITE, actor=actor, now=now)
        if check.centre_id != centre.id:
            raise NotFound()
        ops.close_follow_up(check, outcome=request.form.get("outcome", ""), actor=actor, now=now)
    except NotFound:
        abort(404)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        found = exc.problems if isinstance(exc, ValidationFailed) else [Problem(exc.code, exc.message, "")]
        return _queue_page(centre, actor, now, close_form=request.form.to_dict(),
                           close_errors={health_check_id: problems_by_field(found, PROBLEM_TEXTS)},
                           status=422 if isinstance(exc, ValidationFailed) else 409)
    flash(_("Follow-up closed"))
    return redirect(back)
