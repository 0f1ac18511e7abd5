"""Pages of the UV lamp (issue #18): the room's monthly 紫外线消毒记录, and the tablet panel's start/stop forms.

The panel itself is ``templates/hygiene/uv_panel.html``, included by the 表6 page (server/hygiene/views.py).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre, Room
from server.centre.timezones import centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import ApiError, Forbidden, NotFound
from server.hygiene import uv_ops
from server.hygiene.uv_api import MONTH_PATTERN, month_window
from server.hygiene.uv_log import sessions_and_refusals
from server.hygiene.uv_read import reason_text
from server.i18n import is_chinese

bp = Blueprint("hygiene_uv", __name__)


def _room(room_id: int, perm: Perm, now: datetime) -> tuple[Room, Centre]:
    room = db.session.get(Room, room_id)
    if room is None:
        raise NotFound(_l("No such class"), code="room_not_found")
    authorise(current_actor(), perm, room.centre_id, now)
    centre = db.session.get(Centre, room.centre_id)
    assert centre is not None
    return room, centre


def _back(room_id: int) -> str:
    return url_for("hygiene.room_today", room_id=room_id) + "#uv-panel"


def _act(room_id: int, start: bool) -> ResponseReturnValue:
    now = utcnow()
    back = _back(room_id)
    try:
        room, _ = _room(room_id, Perm.HYGIENE_WRITE, now)
        if start:
            uv_ops.request_session(room, minutes=None, actor=current_actor(), now=now)
            flash(str(_l("Asked the room's agent to switch the UV lamp on; it checks that nobody is in the room")))
        else:
            uv_ops.stop_session(room, actor=current_actor(), now=now)
            flash(str(_l("Asked the room's agent to switch the UV lamp off")))
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ApiError as exc:  # busy / not running: nothing was typed, say why
        db.session.rollback()
        return render_template("refused.html", message=exc.message, back=back), exc.status
    return redirect(back, code=303)


@bp.post("/rooms/<int:room_id>/hygiene/uv/start")
@login_required
def start_form(room_id: int) -> ResponseReturnValue:
    """Ask for a UV session of the rulebook's minutes (the tablet's Start button)."""
    return _act(room_id, start=True)


@bp.post("/rooms/<int:room_id>/hygiene/uv/stop")
@login_required
def stop_form(room_id: int) -> ResponseReturnValue:
    """Ask the running session to stop (the tablet's Stop button)."""
    return _act(room_id, start=False)


@bp.get("/rooms/<int:room_id>/hygiene/uv")
@login_required
def log_page(room_id: int) -> ResponseReturnValue:
    """The room's 紫外线消毒记录 for a month: sessions with minutes and end reasons, refusals, per day."""
    now = utcnow()
    room, centre = _room(room_id, Perm.HYGIENE_READ, now)
    raw = request.args.get("month")
    month = raw if raw and re.fullmatch(MONTH_PATTERN, raw) else None
    label, start, end = month_window(centre, month, now)
    sessions, refusals = sessions_and_refusals([room.id], start, end, centre_id=centre.id)
    zone, chinese = centre_zone(centre), is_chinese()
    rows = []
    for s in sessions:
        at = s.started_at or s.ended_at
        rows.append({"day": at.astimezone(zone).date(), "at": at, "kind": "session",
                     "start": s.started_at.astimezone(zone).strftime("%H:%M") if s.started_at else "?",
                     "end": s.ended_at.astimezone(zone).strftime("%H:%M") if s.ended_at else "",
                     "minutes": s.minutes(now), "reason": reason_text(s.end_reason, chinese), "cut_off": s.cut_off,
                     "by": s.requested_by or ""})
    for r in refusals:
        rows.append({"day": r.at.astimezone(zone).date(), "at": r.at, "kind": "refusal",
                     "start": r.at.astimezone(zone).strftime("%H:%M"), "end": "", "minutes": None,
                     "reason": reason_text(r.reason, chinese), "cut_off": True, "by": r.requested_by or ""})
    rows.sort(key=lambda row: row["at"])
    first = date.fromisoformat(label + "-01")
    previous = first - timedelta(days=1)
    rooms = list(db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active)
                                    .order_by(Room.name)).scalars())
    return render_template("hygiene/uv_log.html", room=room, centre=centre, rows=rows, month=label,
                           previous_month=previous.strftime("%Y-%m"), rooms=rooms,
                           sessions=len(sessions), cut_offs=sum(1 for s in sessions if s.cut_off),
                           refusals=len(refusals))
