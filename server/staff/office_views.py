"""The office's screens of the duty roster (排班, rooms × days of a week) and the 禁入名单 (director only).

Thin: each form calls the same operation as the API, which authorises and audits; a refused shift comes back
with its reasons in the form and in the cell it was meant for.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from server.apispec import FIRST_DAY, LAST_DAY
from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.models import Centre, Room
from server.centre.operations import get_centre
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import NotFound, Problem
from server.i18n import label
from server.people import ban_list
from server.people.idnumber import mask_id_number
from server.people.models import Staff
from server.people.staff_models import BanSource
from server.staff.forms import FormReader, run_form
from server.staff.operations import roster as roster_ops
from server.staff.operations.eligibility import duty_statuses

bp = Blueprint("staff_office", __name__)


def _week_of(raw: str | None, today: date) -> date:
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        day = today
    day = day if FIRST_DAY <= day <= LAST_DAY else today
    return day - timedelta(days=day.weekday())


def _clock(form: FormReader, name: str) -> time | None:
    raw = request.form.get(name, "").strip()
    try:
        return time.fromisoformat(raw)
    except ValueError:
        form.problems.append(Problem("bad_time", _l("Enter a time (hours:minutes)."), name))
        return None


def _roster_page(centre: Centre, actor: Actor, now: datetime, monday: date, *, form: dict[str, str] | None = None,
                 errors: dict[str, list[str]] | None = None, active: str = "") -> str:
    today = centre_today(centre, now)
    monday, shifts = roster_ops.week_roster(centre, monday, actor=actor, now=now)
    days = [monday + timedelta(days=n) for n in range(7)]
    rooms = list(db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active)
                                    .order_by(Room.id)).scalars())
    people = {s.id: s for s in db.session.execute(select(Staff).where(Staff.centre_id == centre.id)
                                                   .order_by(Staff.id)).scalars()}
    cells: dict[tuple[int | None, date], list[Any]] = {}
    for shift, cancellation in shifts:
        cells.setdefault((shift.room_id, shift.day), []).append((shift, cancellation, people.get(shift.staff_id)))
    # Who on the week's shifts is not certified on that day (a shift assigned before a credential lapsed).
    uncertified = {(staff_id, day) for day in days for staff_id, status in duty_statuses(
        centre.id, {s.staff_id for s, c in shifts if s.day == day and c is None}, day).items()
        if not status.certified}
    may_write = actor.can(Perm.ROSTER_WRITE, centre.id, now)
    # Where a refused shift was meant to go: its reasons are shown in that cell too.
    refused = None
    if errors and active == "assign" and form:
        refused = (form.get("room_id") or "", form.get("day") or "")
    tz = centre_zone(centre)
    return render_template(
        "staff/roster.html", centre=centre, today=today, monday=monday, days=days, rooms=rooms, cells=cells,
        previous=monday - timedelta(days=7), following=monday + timedelta(days=7), may_write=may_write,
        tz=str(tz), form=form or {}, errors=errors or {}, active=active, refused=refused, uncertified=uncertified,
        staff_options=[(s.id, f"{s.name} · {label(s.role)}") for s in people.values()
                       if s.hired_on <= days[-1] and (s.left_on is None or s.left_on >= monday)],
        room_options=[(r.id, r.name) for r in rooms], day_options=[(d.isoformat(), d.isoformat()) for d in days])


@bp.get("/centres/<string:code>/roster")
@login_required
def roster(code: str) -> ResponseReturnValue:
    """The week's roster: rooms × days, each cell its shifts; the assign form for the office."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return _roster_page(centre, actor, now, _week_of(request.args.get("week"), centre_today(centre, now)))


def _roster_post(code: str, active: str, change: Any) -> ResponseReturnValue:
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    monday = _week_of(request.form.get("day") or request.args.get("week"), centre_today(centre, now))
    back = url_for("staff_office.roster", code=centre.code, week=monday.isoformat())

    def render(form: dict[str, str], errors: dict[str, list[str]]) -> str:
        return _roster_page(centre, actor, now, monday, form=form, errors=errors, active=active)
    return run_form(lambda form: change(centre, actor, now, form), back=back, render=render)


@bp.post("/centres/<string:code>/roster")
@login_required
def assign_shift(code: str) -> ResponseReturnValue:
    """Put someone on duty (person, class or off the floor, day, start, end); refused with the reasons."""
    def change(centre: Centre, actor: Actor, now: datetime, form: FormReader) -> None:
        staff_id, room_id, day = form.number("staff_id"), form.number("room_id"), form.day("day", required=True)
        starts, ends = _clock(form, "starts"), _clock(form, "ends")
        if staff_id is None:
            form.problems.append(Problem("required", "", "staff_id"))
        form.raise_if_any()
        assert staff_id is not None and day is not None and starts is not None and ends is not None
        roster_ops.assign_shift(centre, staff_id=staff_id, room_id=room_id, day=day, starts=starts, ends=ends,
                                actor=actor, now=now)
    return _roster_post(code, "assign", change)


@bp.post("/centres/<string:code>/shifts/<int:shift_id>/cancel")
@login_required
def cancel_shift(code: str, shift_id: int) -> ResponseReturnValue:
    """Take a shift off the roster, with the reason (the shift stays on record)."""
    def change(centre: Centre, actor: Actor, now: datetime, form: FormReader) -> None:
        shift = roster_ops.get_shift(shift_id, actor=actor, now=now)
        if shift.centre_id != centre.id:
            raise NotFound()
        roster_ops.cancel_shift(shift, reason=request.form.get("reason", ""), actor=actor, now=now)
    return _roster_post(code, f"cancel-{shift_id}", change)


# --- the 禁入名单 ------------------------------------------------------------------------------------------


def _bans_page(centre: Centre, actor: Actor, now: datetime, *, form: dict[str, str] | None = None,
               errors: dict[str, list[str]] | None = None, active: str = "") -> str:
    today = centre_today(centre, now)
    entries = ban_list.list_bans(centre, actor=actor, now=now, day=today)
    return render_template(
        "staff/bans.html", centre=centre, today=today, entries=entries, mask=mask_id_number, form=form or {},
        errors=errors or {}, active=active, source_options=[(s.value, label(s)) for s in BanSource])


@bp.get("/centres/<string:code>/banned-persons")
@login_required
def ban_list_page(code: str) -> ResponseReturnValue:
    """The centre's 禁入名单 (who may hire keeps it; the read is logged), with the add and lift forms."""
    actor, now = current_actor(), utcnow()
    return _bans_page(get_centre(code, actor=actor, now=now), actor, now)


def _ban_post(code: str, active: str, change: Any) -> ResponseReturnValue:
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    back = url_for("staff_office.ban_list_page", code=centre.code)

    def render(form: dict[str, str], errors: dict[str, list[str]]) -> str:
        return _bans_page(centre, actor, now, form=form, errors=errors, active=active)
    return run_form(lambda form: change(centre, actor, now, form), back=back, render=render)


@bp.post("/centres/<string:code>/banned-persons")
@login_required
def add_ban(code: str) -> ResponseReturnValue:
    """Record a person the centre may not employ: for life or to a last day."""
    def change(centre: Centre, actor: Actor, now: datetime, form: FormReader) -> None:
        source, decided_on = form.choice("source", BanSource), form.day("decided_on", required=True)
        is_lifetime, until = form.flag("is_lifetime"), form.day("until")
        form.raise_if_any()
        assert source is not None and decided_on is not None
        ban_list.add_ban(centre, name=request.form.get("name", ""), id_number=request.form.get("id_number", ""),
                         reason=request.form.get("reason", ""), source=source, decided_on=decided_on,
                         is_lifetime=is_lifetime, until=until, actor=actor, now=now, today=centre_today(centre, now))
    return _ban_post(code, "add", change)


@bp.post("/centres/<string:code>/banned-persons/<int:ban_id>/lift")
@login_required
def lift_ban(code: str, ban_id: int) -> ResponseReturnValue:
    """Lift a ban from a day on: a new row naming it (the ban stays as it was)."""
    def change(centre: Centre, actor: Actor, now: datetime, form: FormReader) -> None:
        ban = ban_list.get_ban(ban_id, actor=actor, now=now)
        if ban.centre_id != centre.id:
            raise NotFound()
        source, decided_on = form.choice("source", BanSource), form.day("decided_on", required=True)
        form.raise_if_any()
        assert source is not None and decided_on is not None
        ban_list.lift_ban(ban, reason=request.form.get("reason", ""), source=source, decided_on=decided_on,
                          actor=actor, now=now, today=centre_today(centre, now))
    return _ban_post(code, f"lift-{ban_id}", change)
