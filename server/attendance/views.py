"""HTML pages of the attendance domain (card sheets, the guardian's phone pass, a room's attendance today)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from server.attendance import cards, phone
from server.attendance.models import Absence, AbsenceReason, AttendanceKind
from server.attendance.operations.absences import record_absence
from server.attendance.operations.corrections import correct_attendance, effective_events
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.bounds import arg_id, arg_ids
from server.centre.models import Centre, Room
from server.centre.operations import get_centre
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import Forbidden, Problem, ValidationFailed, problems_by_field
from server.i18n import is_chinese
from server.people.models import Child
from server.people.operations import get_child

bp = Blueprint("attendance", __name__)

PASS_SCOPE = "/pass"


@bp.get("/centres/<string:code>/cards.pdf")
@login_required
def card_sheet(code: str) -> Response:
    """Printable pick-up cards, ten to an A4 page: `?credential=<id>` (repeatable), or every active one."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.CONTACTS_WRITE, centre.id, now)
    ids = arg_ids("credential")
    pdf = cards.card_sheet_pdf(cards.card_faces(centre, ids, actor=actor, now=now))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="cards-{centre.code}.pdf"',
        "Cache-Control": "private, no-store",  # photos and signed credentials
    })


@bp.get(PASS_SCOPE)
@login_required
def phone_pass() -> tuple[str, int] | str:
    """The guardian's phone pass: enrols this phone's key once, then shows a code that changes every 30 s."""
    actor, now = current_actor(), utcnow()
    credentials = phone.own_credentials(actor, now)
    wanted = arg_id("credential")
    chosen = next((c for c in credentials if wanted is None or c.id == wanted), None)
    if chosen is None:
        return render_template("attendance/no_pass.html", has_credentials=bool(credentials)), 404
    return render_template(
        "attendance/pass.html", pass_=phone.phone_pass(chosen, now=now), others=[c.id for c in credentials],
        rendered_at=now.isoformat(), scope=PASS_SCOPE,
    )


@bp.get(f"{PASS_SCOPE}/manifest.webmanifest")
def pass_manifest() -> Response:
    """The web app manifest that lets a phone install the pass (public: it names nobody)."""
    response = jsonify({
        "name": gettext("Pick-up pass"),
        "short_name": gettext("Pick-up pass"),
        "description": gettext("The pick-up code to show the door kiosk"),
        "lang": "zh-CN" if is_chinese() else "en",
        "dir": "ltr",
        "id": PASS_SCOPE,
        "start_url": url_for("attendance.phone_pass"),
        "scope": PASS_SCOPE,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#1d4f91",
        "icons": [{"src": url_for("static", filename=f"attendance/icon-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any"} for size in (192, 512)],
    })
    response.mimetype = "application/manifest+json"
    return response


@bp.get(f"{PASS_SCOPE}/sw.js")
def pass_service_worker() -> Response:
    """The service worker that keeps the pass shell offline; served here so its scope can be /pass."""
    script = render_template(
        "attendance/sw.js", version=phone.shell_version(), page=url_for("attendance.phone_pass"),
        assets=[url_for("static", filename=name) for name in phone.SHELL_ASSETS],
    )
    return Response(script, mimetype="text/javascript", headers={
        "Service-Worker-Allowed": PASS_SCOPE, "Cache-Control": "no-cache",
    })


# --- a room's attendance today: absences and corrections by the caregiver ------------------------------------

REASON_LABELS = {AbsenceReason.SICK: _l("Sick"), AbsenceReason.PERSONAL: _l("Personal leave"),
                 AbsenceReason.OTHER: _l("Other")}
KIND_LABELS = {AttendanceKind.CHECK_IN: _l("Check-in"), AttendanceKind.CHECK_OUT: _l("Check-out")}
PROBLEM_TEXTS = {
    "required": _l("This is required."),
    "bad_choice": _l("Choose one of the options."),
    "bad_time": _l("Enter a time (hours:minutes)."),
    "disease_required": _l("A sick day needs the disease name."),
    "reason_required": _l("A correction needs its reason."),
    "too_long": _l("This is too long."),
    "in_future": _l("The time cannot be later than now."),
    "not_enrolled": _l("The child is not enrolled that day."),
}


def _room_rows(centre: Centre, room: Room, now: datetime) -> list[dict[str, Any]]:
    """The room's children enrolled today, each with its state: in since, gone at, absent (why), not arrived."""
    today = centre_today(centre, now)
    children = db.session.execute(
        select(Child).where(Child.centre_id == centre.id, Child.room_id == room.id, Child.enrolled_on <= today,
                            (Child.left_on.is_(None)) | (Child.left_on >= today)).order_by(Child.name)
    ).scalars().all()
    absences = {a.child_id: a for a in db.session.execute(
        select(Absence).where(Absence.centre_id == centre.id, Absence.on == today).order_by(Absence.id)).scalars()}
    rows = []
    for child in children:
        events = [e for e in effective_events(centre, child.id, today) if e.at <= now]
        ins = [e for e in events if e.kind is AttendanceKind.CHECK_IN]
        outs = [e for e in events if e.kind is AttendanceKind.CHECK_OUT]
        last = events[-1] if events else None
        state = ("in" if last.kind is AttendanceKind.CHECK_IN else "out") if last else (
            "absent" if child.id in absences else "expected")
        rows.append({"child": child, "state": state, "arrived": ins[0].at if ins else None,
                     "left": outs[-1].at if outs else None, "absence": absences.get(child.id),
                     "corrected": any(e.method == "manual" for e in events)})
    return rows


def _room_page(centre: Centre, room: Room, actor: Actor, now: datetime, *, child_id: int | None = None,
               form_name: str = "", form: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
               status: int = 200) -> ResponseReturnValue:
    rooms = db.session.execute(
        select(Room).where(Room.centre_id == centre.id, Room.is_active).order_by(Room.id)).scalars().all()
    return render_template(
        "rooms/attendance.html", centre=centre, room=room, rooms=rooms, rows=_room_rows(centre, room, now),
        today=centre_today(centre, now), now_local=now.astimezone(centre_zone(centre)).strftime("%H:%M"),
        reason_labels=REASON_LABELS, kind_labels=KIND_LABELS,
        may_health=actor.can(Perm.HEALTH_READ, centre.id, now),
        failed={"child_id": child_id, "form": form_name}, form=form or {}, errors=errors or {},
    ), status


def _room_of(centre: Centre, room_id: int | None) -> Room:
    if room_id is None:
        room = db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active)
                                  .order_by(Room.id).limit(1)).scalar_one_or_none()
    else:
        room = db.session.get(Room, room_id)
    if room is None or room.centre_id != centre.id:
        abort(404)
    return room


@bp.get("/centres/<string:code>/attendance")
@login_required
def room_attendance(code: str) -> ResponseReturnValue:
    """A room's children today (`?room=<id>`, else the first room) with their state, absences and corrections."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.ATTENDANCE_WRITE, centre.id, now)
    return _room_page(centre, _room_of(centre, arg_id("room")), actor, now)


def _child_post(code: str, child_id: int, form_name: str, change: Any) -> ResponseReturnValue:
    """Run one change of a child's day; 403 in the layout if refused, 422 with the room page on problems."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    child = get_child(child_id, actor=actor, now=now)
    if child.centre_id != centre.id:
        abort(404)
    back = url_for("attendance.room_attendance", code=centre.code, room=child.room_id)
    try:
        authorise(actor, Perm.ATTENDANCE_WRITE, centre.id, now)
        change(centre, child, actor, now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _room_page(centre, _room_of(centre, child.room_id), actor, now, child_id=child.id,
                          form_name=form_name, form=request.form.to_dict(),
                          errors=problems_by_field(exc.problems, PROBLEM_TEXTS), status=422)
    return redirect(back)


@bp.post("/centres/<string:code>/children/<int:child_id>/absence")
@login_required
def record_child_absence(code: str, child_id: int) -> ResponseReturnValue:
    """Record today's absence with its reason (sick: the disease name); a later record amends."""
    def change(centre: Centre, child: Child, actor: Actor, now: datetime) -> None:
        try:
            reason = AbsenceReason(request.form.get("reason", ""))
        except ValueError:
            raise ValidationFailed([Problem("bad_choice", "", "reason")]) from None
        record_absence(child, on=centre_today(centre, now), reason=reason, disease=request.form.get("disease"),
                       note=(request.form.get("note") or "").strip()[:200] or None, actor=actor, now=now,
                       today=centre_today(centre, now))
    return _child_post(code, child_id, "absence", change)


@bp.post("/centres/<string:code>/children/<int:child_id>/attendance")
@login_required
def correct_child_attendance(code: str, child_id: int) -> ResponseReturnValue:
    """Correct today's missed or wrong check-in or check-out (time, reason): a new row that amends."""
    def change(centre: Centre, child: Child, actor: Actor, now: datetime) -> None:
        problems = []
        try:
            kind = AttendanceKind(request.form.get("kind", ""))
        except ValueError:
            kind = None
            problems.append(Problem("bad_choice", "", "kind"))
        raw = request.form.get("time", "").strip()
        try:
            clock_time = time.fromisoformat(raw) if raw else None
        except ValueError:
            clock_time = None
        if clock_time is None:
            problems.append(Problem("bad_time" if raw else "required", "", "time"))
        if problems:
            raise ValidationFailed(problems)
        assert kind is not None and clock_time is not None
        at = datetime.combine(centre_today(centre, now), clock_time, tzinfo=centre_zone(centre))
        correct_attendance(centre, child, kind=kind, at=at, reason=request.form.get("reason", ""),
                           actor=actor, now=now)
    return _child_post(code, child_id, "correction", change)
