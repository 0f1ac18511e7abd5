"""HTML pages: the tablet's room moves, the fire-drill roll call, 托位 monitoring, violations in a period."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from markupsafe import escape
from sqlalchemy import select

from server.apispec import FIRST_DAY, LAST_DAY
from server.attendance.rooms import occupancy
from server.attendance.rooms.operations import live
from server.attendance.rooms.operations import moves as ops
from server.attendance.rooms.timeline import day_steps, timeline_svg
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.bounds import arg_id
from server.centre.models import Centre, Room
from server.centre.operations import get_centre
from server.centre.records import CLASS_TYPES
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today, period_bounds
from server.clock import utcnow
from server.database import db
from server.people.models import Child, Staff
from server.people.operations import get_staff

bp = Blueprint("rooms", __name__)


def room_cards(centre: Centre, now: datetime) -> list[dict[str, object]]:
    """One card per active room for the director: the live verdict and the day's timeline."""
    rules = effective_rules(centre, centre_today(centre, now))
    cards = []
    statuses = {s.room_id: s for s in live.statuses(centre.id)}
    rooms = db.session.execute(
        select(Room).where(Room.centre_id == centre.id, Room.is_active).order_by(Room.id)).scalars()
    for room in rooms:
        status = statuses.get(room.id)
        rule_id = status.ratio_rule_id if status else f"ratio.{CLASS_TYPES[room.class_type].value}"
        per = float(rules[rule_id].value("max_children_per_caregiver"))
        start, end, steps = day_steps(centre, room.id, now)
        cards.append({"room": room, "status": status, "per_caregiver": per,
                      "timeline": timeline_svg(start, end, steps, per_caregiver=per,
                                               title=room.name + " " + gettext("today's children and ratio"))})
    return cards


@bp.get("/centres/<string:code>/rooms/move")
@login_required
def move_page(code: str) -> str:
    """The tablet page: "I am now in room X", break, off the floor; warns before a breach."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.ATTENDANCE_WRITE, centre.id, now)
    staff_id = arg_id("staff")
    if staff_id is not None:
        staff = get_staff(staff_id, actor=actor, now=now)
        if staff.centre_id != centre.id:
            abort(404)
    else:
        staff = db.session.execute(select(Staff).where(Staff.centre_id == centre.id,
                                                       Staff.user_id == actor.user_id)).scalar_one_or_none()
    where = live.whereabouts(centre.id, now)
    rooms = db.session.execute(
        select(Room).where(Room.centre_id == centre.id, Room.is_active).order_by(Room.id)).scalars().all()
    statuses = {s.room_id: s for s in live.statuses(centre.id)}
    current = where.staff.get(staff.id) if staff else None
    return render_template("rooms/move.html", centre=centre, staff=staff, rooms=rooms, statuses=statuses,
                           checked_in=staff is not None and staff.id in where.staff, current=current)


@bp.get("/centres/<string:code>/rollcall")
@login_required
def rollcall(code: str) -> str:
    """Fire drill / emergency roll call: everyone present now, per room, with a tick-off mode; prints."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    ops.authorise_rollcall(actor, centre.id, now)
    where = live.whereabouts(centre.id, now)
    children = {c.id: c for c in db.session.execute(
        select(Child).where(Child.id.in_(list(where.children)))).scalars()} if where.children else {}
    staff = {s.id: s for s in db.session.execute(
        select(Staff).where(Staff.id.in_(list(where.staff)))).scalars()} if where.staff else {}
    rooms = db.session.execute(
        select(Room).where(Room.centre_id == centre.id).order_by(Room.id)).scalars().all()
    groups = []
    for room in [*rooms, None]:
        room_id = room.id if room else None
        kids = sorted((children[c] for c, r in where.children.items() if r == room_id and c in children),
                      key=lambda c: c.name)
        adults = sorted((staff[s] for s, r in where.staff.items() if r == room_id and s in staff),
                        key=lambda s: s.name)
        if kids or adults:
            groups.append({"room": room, "children": kids, "staff": adults})
    return render_template("rooms/rollcall.html", centre=centre, groups=groups, at=now,
                           total_children=len(where.children), total_staff=len(where.staff),
                           may_tick=actor.can(Perm.EMERGENCY_RESPOND, centre.id, now))  # inspectors only read


def _period_args(centre: Centre, now: datetime, default_days: int) -> tuple[date, date]:
    today = centre_today(centre, now)
    try:
        start = date.fromisoformat(request.args.get("from", (today - timedelta(days=default_days)).isoformat()))
        end = date.fromisoformat(request.args.get("to", today.isoformat()))
    except ValueError:
        abort(400)
    if end < start or (end - start).days > 400 or start < FIRST_DAY or end > LAST_DAY:
        abort(400)
    return start, end


@bp.get("/centres/<string:code>/occupancy")
@login_required
def occupancy_page(code: str) -> str:
    """动态监测托位: daily enrolment and attendance against 托位, with a chart, and classes against caps."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.STAFF_READ, centre.id, now)
    start, end = _period_args(centre, now, 29)
    days = occupancy.daily(centre, start, end)
    return render_template("rooms/occupancy.html", centre=centre, days=days, start=start, end=end,
                           chart=occupancy_svg(days), classes=occupancy.class_loads(centre, end))


def occupancy_svg(days: list[occupancy.OccupancyDay]) -> str:
    """Enrolled (solid) and present (dashed) per day against approved places (red line)."""
    if not days:
        return ""
    width, height, pad = 640, 180, 24
    top = max([d.enrolled for d in days] + [d.approved_places for d in days] + [5]) * 1.1

    def x(i: int) -> float:
        return pad + (width - 2 * pad) * i / max(len(days) - 1, 1)

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * v / top

    def line(values: list[float], style: str, name: str) -> str:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        return f'<polyline fill="none" {style} data-series="{name}" points="{points}"/>'

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" id="occupancy-chart">',
             f"<title>{escape(gettext('Places in use'))}</title>",
             line([d.approved_places for d in days], 'stroke="#c62828" stroke-width="1.5"', "approved"),
             line([d.enrolled for d in days], 'stroke="#1d4f91" stroke-width="2"', "enrolled"),
             line([d.present for d in days], 'stroke="#2e7d32" stroke-width="1.5" stroke-dasharray="4 3"', "present")]
    for i, d in enumerate(days):
        if i % max(len(days) // 6, 1) == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 6}" font-size="9" text-anchor="middle">'
                         f"{d.on.strftime('%m-%d')}</text>")
    parts.append("</svg>")
    return "".join(parts)


@bp.get("/centres/<string:code>/ratio-violations")
@login_required
def violations_page(code: str) -> str:
    """Was a room ever out of ratio in this period, and for how long in total?"""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.STAFF_READ, centre.id, now)
    start, end = _period_args(centre, now, 6)
    room_id = arg_id("room")
    first, last = period_bounds(centre, start, end)
    spans = ops.violations_between(centre, first, last, now, room_id=room_id)
    rooms = db.session.execute(select(Room).where(Room.centre_id == centre.id).order_by(Room.id)).scalars().all()
    names = {r.id: r.name for r in rooms}
    totals = [(names.get(rid, rid), kind, count, minutes)
              for (rid, kind), (count, minutes) in sorted(ops.violation_totals(spans).items())]
    return render_template("rooms/violations.html", centre=centre, spans=spans, totals=totals, rooms=rooms,
                           room_id=room_id, start=start, end=end)


RATIO_LABELS = {
    "ok": _l("OK"),
    "near_limit": _l("Near the limit: one more child or one caregiver leaving breaches"),
    "breach": _l("Out of ratio or over the class size"),
}


def _breach_needed(needed: object) -> str:
    return gettext("Out of ratio or over the class size (%(needed)s caregivers needed)", needed=needed)


def ratio_labels() -> dict[str, str]:
    """The labels in this request's language, for the dashboard's live script ("{n}": the caregivers needed)."""
    return {**{state: str(text) for state, text in RATIO_LABELS.items()}, "breach_needed": _breach_needed("{n}")}


@bp.app_template_global()
def ratio_label(status: object) -> str:
    """The room's state in clear words, in the page's language (an empty room is simply OK)."""
    state = getattr(status, "state", "ok")
    if state == "breach" and getattr(status, "under_staffed", False):
        return _breach_needed(getattr(status, "caregivers_needed", 0))
    return str(RATIO_LABELS.get(state, state))
