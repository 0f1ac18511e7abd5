"""HTML pages of the room tablet: "my room" (the caregiver's room, or a choice), and the room's screen."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, url_for
from flask_login import login_required

from server.apispec import MAX_ID
from server.attendance.rooms.operations import live
from server.attendance.rooms.views import ratio_labels
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, current_user_record
from server.centre.models import Room
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.tablet import sources
from server.tablet.access import authorise_room, rooms_for
from server.tablet.texts import note_domains, page_texts

bp = Blueprint("tablet", __name__)

# The entries the tablet posts, by action: the endpoint of the domain's API and its path arguments. The page
# gets the URLs with a placeholder id (SENTINEL, the largest id) the script replaces; an action whose endpoint this
# app lacks is not shown.
SENTINEL = MAX_ID
ACTIONS: dict[str, tuple[str, dict[str, int]]] = {
    "nap_start": ("care_api.start_nap", {"child_id": SENTINEL}),
    "nap_end": ("care_api.end_nap", {"nap_id": SENTINEL}),
    "nap_check": ("care_api.check_nap", {"nap_id": SENTINEL}),
    "entry": ("care_api.log_entry", {"child_id": SENTINEL}),
    "outdoor": ("care_api.record_outdoor", {"room_id": SENTINEL}),
    "note": ("care_api.write_note", {"child_id": SENTINEL}),
}
# What the child's dialog reads when it opens (today's notes, shared and internal: the tablet is staff's).
READS: dict[str, tuple[str, dict[str, int]]] = {
    "notes": ("care_api.child_notes", {"child_id": SENTINEL}),
}
# Pages the tablet links to for one child (a form of their own: 晨检/午检, a dose with its witness's PIN, a
# medication request the guardians then sign on their phone).
PAGES: dict[str, tuple[str, dict[str, int]]] = {
    "check_form": ("health_checks.check_form", {"child_id": SENTINEL}),
    "dose_form": ("medication.dose_form", {"consent_id": SENTINEL}),
    "request_form": ("medication.request_form", {"child_id": SENTINEL}),
}
# The room's messages with its families (the families domain's page), linked from the bar when the app has it.
MESSAGES_ENDPOINT = "families.room_messages"


def _urls(table: dict[str, tuple[str, dict[str, int]]], **fixed: Any) -> dict[str, str]:
    urls = {}
    for name, (endpoint, arguments) in table.items():
        if endpoint not in current_app.view_functions:
            continue
        rule_args = next(current_app.url_map.iter_rules(endpoint)).arguments
        values = {k: v for k, v in {**arguments, **fixed}.items() if k in rule_args}
        urls[name] = url_for(endpoint, **values)
    return urls


@bp.get("/centres/<string:code>/tablet")
@login_required
def my_room(code: str) -> Any:
    """The caregiver's room: straight to its screen when there is one, else a choice of the rooms they may open."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.CARE_WRITE, centre.id, now)  # the tablet is for logging care
    rooms = rooms_for(actor, centre, now)
    if len(rooms) == 1:
        return redirect(url_for("tablet.room_page", code=centre.code, room_id=rooms[0].id))
    statuses = {s.room_id: s for s in live.statuses(centre.id)}
    return render_template("tablet/choose.html", centre=centre, rooms=rooms, statuses=statuses, texts=page_texts())


@bp.get("/centres/<string:code>/rooms/<int:room_id>/tablet")
@login_required
def room_page(code: str, room_id: int) -> str:
    """The room's screen: a card per child present, one-tap logging, the entries waiting to be sent."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    room = db.session.get(Room, room_id)
    if room is None or room.centre_id != centre.id:
        abort(404)
    authorise_room(actor, room, now)
    # The page is a shell without the board: the script fetches the board (which needs the session, and logs the
    # health parts' read), so the copy the service worker keeps for an offline reload holds no health data.
    include_health = actor.can(Perm.HEALTH_READ, centre.id, now)
    config = {
        "board_url": url_for("tablet_api.board", room_id=room.id),
        "actions": _urls(ACTIONS, room_id=room.id),
        "reads": _urls(READS),
        "pages": _urls(PAGES, code=centre.code),
        "domains": note_domains(),
        "user": actor.user_id,
        "user_name": getattr(current_user_record(), "display_name", "") or "",
        "room": room.id,
        "poll_s": int(current_app.config.get("TABLET_POLL_S", 30)),
        "may_write": actor.can(Perm.CARE_WRITE, centre.id, now),
        "may_check": actor.can(Perm.HEALTH_CHECKS_WRITE, centre.id, now),
        "allergens": sources.food_allergens() if include_health else [],
        "sw_url": url_for("tablet.service_worker"),
    }
    status = next((s for s in live.statuses(centre.id) if s.room_id == room.id), None)
    texts = {**page_texts(), "ratio": ratio_labels()}  # the room's ratio in the dashboard's words
    messages_url = (url_for(MESSAGES_ENDPOINT, code=centre.code, room_id=room.id)
                    if MESSAGES_ENDPOINT in current_app.view_functions else None)
    from server.emergencies.preparedness_summary import plans_to_read

    unread_plans = len(plans_to_read(centre, actor=actor, now=now))  # the caller's to-do (emergencies)
    return render_template("tablet/room.html", centre=centre, room=room, config=config, status=status,
                           texts=texts, move_url=url_for("rooms.move_page", code=centre.code),
                           messages_url=messages_url, unread_plans=unread_plans)


# What the service worker keeps so the room screen opens offline: the page's own scripts and styles.
SHELL_ASSETS = ("tablet/tablet.js", "tablet/queue.js", "tablet/tablet.css", "vendor/pico-2.1.1.min.css", "app.css",
                "vendor/htmx-2.0.4.min.js", "emergency.js", "alerts.js", "attendance/icon-192.png")


def shell_version() -> str:
    """A digest of the kept files: a new version of any of them replaces the tablet's copy."""
    digest = hashlib.sha256()
    static = Path(current_app.static_folder or "")
    for name in SHELL_ASSETS:
        digest.update((static / name).read_bytes())
    return digest.hexdigest()[:16]


@bp.get("/tablet-sw.js")
def service_worker() -> Response:
    """The room tablet's service worker (public: it names nobody); served at the root so it may keep room pages."""
    script = render_template("tablet/sw.js", version=shell_version(),
                             assets=[url_for("static", filename=name) for name in SHELL_ASSETS])
    return Response(script, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})
