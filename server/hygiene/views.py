"""The 表6 pages: the room tablet's day (tick, correct, sign) and the office's month per class (read).

The tablet page (10-inch, big touch targets) shows each line with its entries, the device evidence beside them
(窗磁 09:02–09:17 15 分钟; the cabinet's cycles) and A2's UV panel; every form calls the same operation as the
API and a refused form comes back (422/409) with what was typed.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from compliance.hygiene.checklist import LINES, METHODS
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre, Room
from server.centre.operations import centre_by_id, get_centre
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed, problems_by_field
from server.hygiene import checklist, uv_read
from server.hygiene.api import FIRST_DAY, LAST_DAY, parse_day, room_for
from server.hygiene.models import CheckItem, HygieneCheck
from server.hygiene.read import day_view
from server.hygiene.registers import value_text
from server.i18n import is_chinese
from server.people.views import PROBLEM_TEXTS

bp = Blueprint("hygiene", __name__)
TEXTS = {**PROBLEM_TEXTS, "required": _l("This is required.")}
PRESET_MINUTES = (10, 15, 20, 30)


def _int(raw: str | None) -> int | str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) < 5 else raw


def _start(centre: Centre, day: date, raw: str | None) -> datetime | str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return datetime.combine(day, time.fromisoformat(raw), centre_zone(centre))
    except ValueError:
        return raw


def _checked(values: dict[str, Any]) -> None:
    """Typed values the operation cannot read: 422 with the field, what was typed kept."""
    problems = []
    if isinstance(values.get("minutes"), str):
        problems.append(Problem("not_a_number", _l("Type the minutes as a number"), "minutes"))
    if isinstance(values.get("started_at"), str):
        problems.append(Problem("not_a_time", _l("Type the time as HH:MM"), "started_at"))
    if problems:
        raise ValidationFailed(problems)


def _page(room: Room, day: date, actor: Actor, now: datetime, *, form: dict[str, list[str]] | None = None,
          errors: dict[str, list[str]] | None = None, focus: str = "") -> str:
    view = day_view(room, day)
    centre = view.centre
    zone = centre_zone(centre)
    chinese = is_chinese()
    rooms = list(db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active)
                                    .order_by(Room.name)).scalars())
    return render_template(
        "hygiene/day.html", view=view, centre=centre, room=room, day=day, rooms=rooms,
        today=centre_today(centre, now), form=form or {}, errors=errors or {}, focus=focus,
        may_write=actor.can(Perm.HYGIENE_WRITE, centre.id, now), presets=PRESET_MINUTES,
        methods=[(k, v[0] if chinese else v[1]) for k, v in METHODS.items()],
        label=lambda line: line.zh if chinese else line.en, text=lambda row: value_text(row, centre),
        hm=lambda at: at.astimezone(zone).strftime("%H:%M") if at else "",
        stamp=lambda at: at.astimezone(zone).strftime("%m-%d %H:%M") if at else "",
        uv=uv_read.uv_panel(room.id, day, now))


def _run(change: Callable[[], Any], room: Room, day: date, actor: Actor, now: datetime, focus: str
         ) -> ResponseReturnValue:
    back = url_for("hygiene.room_day", room_id=room.id, hygiene_day=day.isoformat())
    try:
        change()
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _page(room, day, actor, now, form=request.form.to_dict(flat=False),
                     errors=problems_by_field(exc.problems, TEXTS), focus=focus), 422
    except Conflict as exc:
        db.session.rollback()
        return _page(room, day, actor, now, form=request.form.to_dict(flat=False),
                     errors=problems_by_field([Problem(exc.code, exc.message, "")]), focus=focus), 409
    return redirect(f"{back}#line-{focus}" if focus else back)


@bp.get("/rooms/<int:room_id>/hygiene")
@login_required
def room_today(room_id: int) -> ResponseReturnValue:
    """Today's 表6 of the class (the room tablet)."""
    actor, now = current_actor(), utcnow()
    room = room_for(room_id, Perm.HYGIENE_READ, actor, now)
    return _page(room, centre_today(centre_by_id(room.centre_id), now), actor, now)


@bp.get("/rooms/<int:room_id>/hygiene/<string:hygiene_day>")
@login_required
def room_day(room_id: int, hygiene_day: str) -> ResponseReturnValue:
    """A day's 表6 of the class."""
    actor, now = current_actor(), utcnow()
    room = room_for(room_id, Perm.HYGIENE_READ, actor, now)
    on = _day_or_404(hygiene_day)
    return _page(room, on, actor, now)


def _day_or_404(raw: str) -> date:
    try:
        return parse_day(raw)
    except ValidationFailed:
        raise NotFound(_l("No such day"), code="invalid_day") from None


@bp.post("/rooms/<int:room_id>/hygiene/<string:hygiene_day>/tick")
@login_required
def tick_form(room_id: int, hygiene_day: str) -> ResponseReturnValue:
    """Tick one line (an airing with its minutes and start, a cleaning line, the tableware, the UV minutes)."""
    actor, now = current_actor(), utcnow()
    room = room_for(room_id, Perm.HYGIENE_WRITE, actor, now)
    on = _day_or_404(hygiene_day)
    centre = centre_by_id(room.centre_id)
    item = request.form.get("item", "")
    values = {"minutes": _int(request.form.get("minutes") or request.form.get("preset")),
              "started_at": _start(centre, on, request.form.get("started_at"))}

    def change() -> None:
        _checked(values)
        checklist.tick(room, on, item=item, minutes=values["minutes"], started_at=values["started_at"],
                       method=request.form.get("method") or None, note=request.form.get("note") or None,
                       reason=request.form.get("reason") or None, actor=actor, now=now)

    return _run(change, room, on, actor, now, item)


@bp.post("/hygiene/entries/<int:check_id>/amend")
@login_required
def amend_form(check_id: int) -> ResponseReturnValue:
    """Correct or withdraw an entry, with the reason (the original stays beside it)."""
    actor, now = current_actor(), utcnow()
    row = db.session.get(HygieneCheck, check_id)
    if row is None:
        raise NotFound(_l("No such entry"), code="entry_not_found")
    authorise(actor, Perm.HYGIENE_WRITE, row.centre_id, now)
    room = db.session.get(Room, row.room_id)
    assert room is not None
    centre = centre_by_id(row.centre_id)
    done = request.form.get("done", "1") != "0"
    values = {"minutes": _int(request.form.get("minutes")),
              "started_at": _start(centre, row.day, request.form.get("started_at"))}

    def change() -> None:
        _checked(values)
        checklist.amend(row, done=done, minutes=values["minutes"], started_at=values["started_at"],
                        method=request.form.get("method") or None, note=request.form.get("note") or None,
                        reason=request.form.get("reason"), actor=actor, now=now)

    return _run(change, room, row.day, actor, now, row.item.value)


@bp.post("/rooms/<int:room_id>/hygiene/<string:hygiene_day>/sign")
@login_required
def sign_form(room_id: int, hygiene_day: str) -> ResponseReturnValue:
    """The caregiver signs the class's day with their PIN or password."""
    actor, now = current_actor(), utcnow()
    room = room_for(room_id, Perm.HYGIENE_WRITE, actor, now)
    on = _day_or_404(hygiene_day)
    pin, password = request.form.get("pin") or None, request.form.get("password") or None
    return _run(lambda: checklist.sign_day(room, on, pin=pin, password=password, actor=actor, now=now),
                room, on, actor, now, "sign")


@bp.get("/centres/<string:code>/hygiene")
@login_required
def office(code: str) -> ResponseReturnValue:
    """The month of a class's 表6 (the director and the inspector read): each day's lines, signature, amendments."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.HYGIENE_READ, centre.id, now)
    rooms = list(db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active)
                                    .order_by(Room.name)).scalars())
    today = centre_today(centre, now)
    month = request.args.get("month", today.strftime("%Y-%m"))
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        first = today.replace(day=1)
    if not FIRST_DAY <= first <= LAST_DAY:
        first = today.replace(day=1)
    last = first.replace(day=monthrange(first.year, first.month)[1])
    chosen = next((r for r in rooms if str(r.id) == request.args.get("room", "")), rooms[0] if rooms else None)
    days: list[tuple[date, dict[str, list[checklist.Entry]], Any]] = []
    if chosen is not None:
        entries = checklist.entries_by_day(centre.id, first, last, chosen.id)
        signed = checklist.signatures(centre.id, first, last)
        day = first
        while day <= min(last, today):
            by_item: dict[str, list[checklist.Entry]] = {}
            for e in entries.get((chosen.id, day), []):
                by_item.setdefault(e.original.item.value, []).append(e)
            days.append((day, by_item, signed.get((chosen.id, day))))
            day = date.fromordinal(day.toordinal() + 1)
    chinese = is_chinese()
    previous = date.fromordinal(first.toordinal() - 1).strftime("%Y-%m")
    following = date.fromordinal(last.toordinal() + 1).strftime("%Y-%m")
    return render_template("hygiene/office.html", centre=centre, rooms=rooms, chosen=chosen, month=first.strftime("%Y-%m"),
                           previous=previous, following=following if last < today else None, days=days, lines=LINES,
                           label=lambda line: line.zh if chinese else line.en,
                           text=lambda row: value_text(row, centre), ventilation=CheckItem.VENTILATION.value)
