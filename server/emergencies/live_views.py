"""The screens of live emergencies: the live page (all staff, tablet-first) and the record (director, inspectors).

The review and the follow-ups are on the record, for the director.

Thin: each form calls the same operation as the API. The roll call on the live page is the shared one every tablet
polls (static/rooms/rollcall.js, through the API); the banner on every staff screen links here by its alert.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from server.alerts.operations import get_alert
from server.attendance.rooms.operations.live import whereabouts
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre, Room
from server.centre.operations import centre_by_id, get_centre
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.emergencies import followups, live, live_notices, live_read
from server.emergencies.live_models import Emergency, EmergencyAlert, EmergencyKind, NoticeTemplate
from server.errors import Conflict, Forbidden, Problem, ValidationFailed, problems_by_field
from server.i18n import is_chinese
from server.people.models import Child, Staff

bp = Blueprint("emergencies_live", __name__)
PROBLEM_TEXTS = {"too_long": _l("This is too long."), "bad_choice": _l("Choose one of the options.")}
MANUAL_KINDS = (EmergencyKind.FIRE, EmergencyKind.EARTHQUAKE, EmergencyKind.INTRUSION, EmergencyKind.MISSING_CHILD,
                EmergencyKind.MEDICAL, EmergencyKind.OTHER)


def _page(code: str) -> tuple[Centre, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    return get_centre(code, actor=actor, now=now), actor, now


def rollcall_groups(centre: Centre, now: datetime) -> list[dict[str, object]]:
    """Everyone checked in now, per room (and "not in a room"), children then staff, by name."""
    where = whereabouts(centre.id, now)
    children = {c.id: c for c in db.session.execute(
        select(Child).where(Child.id.in_(list(where.children)))).scalars()} if where.children else {}
    staff = {s.id: s for s in db.session.execute(
        select(Staff).where(Staff.id.in_(list(where.staff)))).scalars()} if where.staff else {}
    rooms = db.session.execute(select(Room).where(Room.centre_id == centre.id).order_by(Room.id)).scalars().all()
    groups = []
    for room in [*rooms, None]:
        room_id = room.id if room else None
        kids = sorted((children[c] for c, r in where.children.items() if r == room_id and c in children),
                      key=lambda c: c.name)
        adults = sorted((staff[s] for s, r in where.staff.items() if r == room_id and s in staff), key=lambda s: s.name)
        if kids or adults:
            groups.append({"room": room, "children": kids, "staff": adults})
    return groups


def _run(change: Callable[[], object], *, back: str, done: str, message: str) -> ResponseReturnValue:
    """Run a form's operation: refused → 403; problems or a conflict → flashed, back to the page; else on.

    The live page's forms hold one line each, so flashing the problem and going back loses little.
    """
    try:
        change()
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        for texts in problems_by_field(exc.problems, PROBLEM_TEXTS).values():
            for text in texts:
                flash(text)
        return redirect(back), 303
    except Conflict as exc:
        db.session.rollback()
        flash(str(problems_by_field([Problem(exc.code, exc.message, "")], PROBLEM_TEXTS)[""][0]))
        return redirect(back), 303
    flash(message)
    return redirect(done), 303


@bp.get("/centres/<string:code>/live-emergencies/now")
@login_required
def live_page(code: str) -> ResponseReturnValue:
    """The open emergency: roll call shared by every tablet, timeline, notices and close-out; or the form to open."""
    centre, actor, now = _page(code)
    authorise(actor, Perm.EMERGENCY_RESPOND, centre.id, now)
    emergency = live.current_emergency(centre.id)
    return render_template("emergencies/live/live.html", centre=centre, emergency=emergency, at=now,
                           groups=rollcall_groups(centre, now), kinds=MANUAL_KINDS, templates=list(NoticeTemplate),
                           lines=live_read.timeline(emergency, zh=is_chinese()) if emergency else [],
                           may_manage=actor.can(Perm.EMERGENCY_MANAGE, centre.id, now),
                           may_read=actor.can(Perm.EMERGENCY_READ, centre.id, now))


@bp.post("/centres/<string:code>/live-emergencies/open")
@login_required
def open_by_hand(code: str) -> ResponseReturnValue:
    """Open an emergency by hand (or join the open one's timeline)."""
    centre, actor, now = _page(code)
    back = url_for("emergencies_live.live_page", code=centre.code)
    return _run(lambda: live.open_emergency(centre, kind=request.form.get("kind", ""),
                                            summary=request.form.get("summary", ""), actor=actor, now=now),
                back=back, done=back, message=_("The emergency is open: take the roll call"))


def _emergency(centre: Centre, emergency_id: int, actor: Actor, now: datetime, perm: Perm):  # type: ignore[no-untyped-def]
    emergency = live.get_emergency(emergency_id, actor=actor, now=now, perm=perm)
    if emergency.centre_id != centre.id:
        abort(404)
    return emergency


@bp.post("/centres/<string:code>/live-emergencies/<int:emergency_id>/note")
@login_required
def add_note(code: str, emergency_id: int) -> ResponseReturnValue:
    """Write on the timeline."""
    centre, actor, now = _page(code)
    back = url_for("emergencies_live.live_page", code=centre.code)
    emergency = _emergency(centre, emergency_id, actor, now, Perm.EMERGENCY_RESPOND)
    return _run(lambda: live.add_note(emergency, text=request.form.get("text", ""), actor=actor, now=now),
                back=back, done=back, message=_("Written on the timeline"))


@bp.post("/centres/<string:code>/live-emergencies/<int:emergency_id>/notify")
@login_required
def notify(code: str, emergency_id: int) -> ResponseReturnValue:
    """Tell the families (the director picks the message)."""
    centre, actor, now = _page(code)
    back = url_for("emergencies_live.live_page", code=centre.code)
    emergency = _emergency(centre, emergency_id, actor, now, Perm.EMERGENCY_MANAGE)
    return _run(lambda: live_notices.notify_families(emergency, template=request.form.get("template", ""),
                                                     text=request.form.get("text", ""), actor=actor, now=now),
                back=back, done=back, message=_("The families are being told"))


@bp.post("/centres/<string:code>/live-emergencies/<int:emergency_id>/close")
@login_required
def close(code: str, emergency_id: int) -> ResponseReturnValue:
    """Close the emergency: the banner goes away on every screen."""
    centre, actor, now = _page(code)
    back = url_for("emergencies_live.live_page", code=centre.code)
    emergency = _emergency(centre, emergency_id, actor, now, Perm.EMERGENCY_MANAGE)
    done = url_for("emergencies_live.record", code=centre.code, emergency_id=emergency.id)
    return _run(lambda: live.close_emergency(emergency, summary=request.form.get("summary", ""),
                                             all_clear=request.form.get("all_clear") == "yes", actor=actor, now=now),
                back=back, done=done, message=_("The emergency is closed"))


@bp.get("/centres/<string:code>/live-emergencies")
@login_required
def records(code: str) -> ResponseReturnValue:
    """Every emergency of the centre, newest first, with its status."""
    centre, actor, now = _page(code)
    found = live_read.list_emergencies(centre, actor=actor, now=now)
    return render_template("emergencies/live/list.html", centre=centre, rows=found,
                           may_respond=actor.can(Perm.EMERGENCY_RESPOND, centre.id, now),
                           current=live.current_emergency(centre.id))


@bp.get("/centres/<string:code>/live-emergencies/<int:emergency_id>")
@login_required
def record(code: str, emergency_id: int) -> ResponseReturnValue:
    """One emergency whole: timeline, roll call, notices, close-out, review and follow-ups."""
    centre, actor, now = _page(code)
    return _record_page(centre, _emergency(centre, emergency_id, actor, now, Perm.EMERGENCY_READ), actor, now)


def _record_page(centre: Centre, emergency: Emergency, actor: Actor, now: datetime, *, refused: str = "",
                 errors: dict[str, list[str]] | None = None) -> str:
    """The record; after a refused form (`refused`: which), with what was typed in it and its problems."""
    staff = db.session.execute(select(Staff).where(Staff.centre_id == centre.id).order_by(Staff.name)).scalars().all()
    return render_template("emergencies/live/record.html", centre=centre,
                           sheet=live_read.sheet(emergency, zh=is_chinese(), today=centre_today(centre, now)),
                           staff=staff, may_manage=actor.can(Perm.EMERGENCY_MANAGE, centre.id, now),
                           today=centre_today(centre, now), refused=refused, errors=errors or {},
                           typed=request.form.to_dict() if refused else {})


def _on_record(change: Callable[[], object], page: Callable[[str, dict[str, list[str]]], str], *, refused: str,
               back: str, message: str) -> ResponseReturnValue:
    """A form of the record: refused → 403; problems (422) or a conflict (409) → the record again.

    The record comes back with what was typed kept in the form and the problems beside it; else back to the record.
    """
    try:
        change()
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return page(refused, problems_by_field(exc.problems, PROBLEM_TEXTS)), 422
    except Conflict as exc:
        db.session.rollback()
        return page(refused, problems_by_field([Problem(exc.code, exc.message, "")], PROBLEM_TEXTS)), 409
    flash(message)
    return redirect(back), 303


@bp.post("/centres/<string:code>/live-emergencies/<int:emergency_id>/review")
@login_required
def review(code: str, emergency_id: int) -> ResponseReturnValue:
    """The director's review."""
    centre, actor, now = _page(code)
    emergency = _emergency(centre, emergency_id, actor, now, Perm.EMERGENCY_MANAGE)
    back = url_for("emergencies_live.record", code=centre.code, emergency_id=emergency.id)
    form = request.form
    return _on_record(lambda: followups.add_review(emergency, what_happened=form.get("what_happened", ""),
                                                   what_worked=form.get("what_worked", ""),
                                                   what_to_change=form.get("what_to_change", ""), actor=actor,
                                                   now=now),
                      lambda which, errors: _record_page(centre, emergency, actor, now, refused=which, errors=errors),
                      refused="review", back=back, message=_("The review is recorded"))


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        return None


def _id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) <= 9 else None


@bp.post("/centres/<string:code>/live-emergencies/<int:emergency_id>/follow-ups")
@login_required
def add_follow_up(code: str, emergency_id: int) -> ResponseReturnValue:
    """A follow-up task with its owner and due date."""
    centre, actor, now = _page(code)
    emergency = _emergency(centre, emergency_id, actor, now, Perm.EMERGENCY_MANAGE)
    back = url_for("emergencies_live.record", code=centre.code, emergency_id=emergency.id)
    form = request.form
    return _on_record(lambda: followups.add_follow_up(emergency, what=form.get("what", ""),
                                                      owner_staff_id=_id(form.get("owner_staff_id")),
                                                      due_on=_day(form.get("due_on")), actor=actor, now=now),
                      lambda which, errors: _record_page(centre, emergency, actor, now, refused=which, errors=errors),
                      refused="follow_up", back=back, message=_("The follow-up is recorded"))


@bp.post("/centres/<string:code>/emergency-follow-ups/<int:follow_up_id>/done")
@login_required
def complete_follow_up(code: str, follow_up_id: int) -> ResponseReturnValue:
    """A follow-up done, with a note."""
    centre, actor, now = _page(code)
    task = followups.get_follow_up(follow_up_id, actor=actor, now=now)
    if task.centre_id != centre.id:
        abort(404)
    back = url_for("emergencies_live.record", code=centre.code, emergency_id=task.emergency_id)
    emergency = _emergency(centre, task.emergency_id, actor, now, Perm.EMERGENCY_READ)
    return _on_record(lambda: followups.complete_follow_up(task, note=request.form.get("note", ""), actor=actor,
                                                           now=now),
                      lambda which, errors: _record_page(centre, emergency, actor, now, refused=which, errors=errors),
                      refused=f"done_{task.id}", back=back, message=_("The follow-up is done"))


@bp.get("/emergencies/by-alert/<int:alert_id>")
@login_required
def by_alert(alert_id: int) -> ResponseReturnValue:
    """From the banner: the live page of the alert's centre (the alert's emergency, or the form to open one)."""
    actor, now = current_actor(), utcnow()
    alert = get_alert(alert_id, actor=actor, now=now)
    authorise(actor, Perm.EMERGENCY_RESPOND, alert.centre_id, now)
    linked = db.session.execute(select(EmergencyAlert).where(EmergencyAlert.alert_id == alert.id)).scalar_one_or_none()
    centre = centre_by_id(alert.centre_id)
    if linked is not None and live.current_emergency(centre.id) is None:
        return redirect(url_for("emergencies_live.record", code=centre.code, emergency_id=linked.emergency_id))
    return redirect(url_for("emergencies_live.live_page", code=centre.code))
