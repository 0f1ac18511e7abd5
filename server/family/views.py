"""The family's pages on a phone: the home (a card per child, what waits), a child's day, a chooser of threads.

Guardians only, and only their own children (`server.family.scope`): staff read a child's day on the room
tablet; here they are refused, and another family's child is not found.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_login import login_required

from server.auth.session import current_actor
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.family.day import child_day
from server.family.home import family_home
from server.family.scope import family_child, family_children
from server.health.profile.operations import allergen_catalogue
from server.i18n import is_chinese

bp = Blueprint("family", __name__)
MESSAGES = "families.family_messages"  # the families domain's thread of one child (its page, its permission)


def _helpers(centre: Centre) -> dict[str, object]:
    """What the family's templates format with: local times of day, allergen names in the reader's language."""
    zone = centre_zone(centre)
    catalogue = allergen_catalogue()

    def hm(instant: datetime | None) -> str:
        return "" if instant is None else instant.astimezone(zone).strftime("%H:%M")

    def allergen(code: str) -> str:
        found = catalogue.get(code)
        return code if found is None else (found.zh if is_chinese() else found.en)

    return {"hm": hm, "allergen": allergen}


@bp.get("/centres/<string:code>/family")
@login_required
def home(code: str) -> ResponseReturnValue:
    """The guardian's landing: what waits for the family, and a card per child with today so far."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return render_template("family/home.html", centre=centre, home=family_home(centre, actor=actor, now=now),
                           **_helpers(centre))


def _day_asked(today: date) -> date | None:
    """The day of `?on=` (default today); None when it is not a date (a future day is brought back to today)."""
    typed = request.args.get("on", "")
    if not typed:
        return today
    try:
        asked = date.fromisoformat(typed)
    except ValueError:
        return None
    return min(asked, today)


@bp.get("/centres/<string:code>/family/children/<int:child_id>/day")
@login_required
def day(code: str, child_id: int) -> ResponseReturnValue:
    """A child's day as a timeline (`?on=YYYY-MM-DD`, default today, never beyond today)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    child = family_child(child_id, actor=actor, now=now)
    if child.centre_id != centre.id:
        abort(404)
    today = centre_today(centre, now)
    asked = _day_asked(today)
    if asked is None:
        abort(400)
    if request.args.get("on") and asked == today:  # a future day typed in, or today spelt out: the plain address
        return redirect(url_for("family.day", code=centre.code, child_id=child.id))
    shown = child_day(centre, child, asked, actor=actor, now=now)
    return render_template("family/day.html", centre=centre, child=child, day=shown,
                           long_day=format_date(asked, "full"), **_helpers(centre))


@bp.get("/centres/<string:code>/family/messages")
@login_required
def messages(code: str) -> ResponseReturnValue:
    """The way to the messages with the class: the only child's thread, or a choice of the children."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    children = family_children(centre, actor=actor, now=now, today=centre_today(centre, now))
    if MESSAGES not in current_app.view_functions:  # no messages in this app: nothing to choose
        return redirect(url_for("family.home", code=centre.code))
    if len(children) == 1:
        return redirect(url_for(MESSAGES, code=centre.code, child_id=children[0].id))
    return render_template("family/choose_child.html", centre=centre, children=children, endpoint=MESSAGES)
