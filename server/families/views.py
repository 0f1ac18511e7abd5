"""The message screens: the guardian's chat, a room's threads, one thread, the director's every thread.

The guardian's chat is for a phone; the staff pages for a tablet.

Thin: each form calls the same operation as the API, which authorises, audits and queues the family's notice.
Opening a thread marks the other side's messages read. A guardian reaches only their own children's threads
(another family's: 404); the staff pages are for staff (every child of the centre), never a guardian.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.errors import Forbidden, NotFound, ValidationFailed, problems_by_field
from server.families import threads
from server.families.family import child_in_scope, is_staff
from server.families.models import MessageSide
from server.families.operations import messages as ops
from server.families.settings import message_store
from server.people.models import Child

bp = Blueprint("families", __name__)
PROBLEM_TEXTS = {"too_long": _l("This is too long.")}


def _page(code: str) -> tuple[Centre, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    return get_centre(code, actor=actor, now=now), actor, now


def _child(centre: Centre, child_id: int, perm: Perm, actor: Actor, now: datetime) -> Child:
    child = child_in_scope(child_id, perm, actor=actor, now=now)
    if child.centre_id != centre.id:
        raise NotFound()
    return child


def _staff_only(centre: Centre, actor: Actor, now: datetime, perm: Perm = Perm.MESSAGES_READ) -> None:
    """The staff pages: the permission, and every child of the centre (a guardian is refused)."""
    authorise(actor, perm, centre.id, now)
    authorise(actor, Perm.CHILDREN_ALL, centre.id, now)


def _uploads() -> list[ops.Upload]:
    store = message_store()
    return [ops.Upload(f.stream.read(store.max_bytes + 1), f.filename) for f in request.files.getlist("file")
            if f is not None and f.filename]


def _thread_page(template: str, centre: Centre, child: Child, actor: Actor, now: datetime, *,
                 form: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
                 status: int = 200) -> ResponseReturnValue:
    lines = ops.thread(child, actor=actor, now=now)
    ops.mark_read(child, actor=actor, now=now)  # opening the thread reads it
    room_name = threads.room_name(child)
    return render_template(template, centre=centre, child=child, room_name=room_name, lines=lines,
                           form=form or {}, errors=errors or {}, staff_side=MessageSide.STAFF,
                           may_write=actor.can(Perm.MESSAGES_WRITE, centre.id, now),
                           max_body=ops.MAX_BODY), status


def _send(centre: Centre, child: Child, actor: Actor, now: datetime, *, template: str, back: str) -> ResponseReturnValue:
    try:
        ops.post_message(child, body=request.form.get("body", ""), uploads=_uploads(), store=message_store(),
                         actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _thread_page(template, centre, child, actor, now, form=request.form.to_dict(),
                            errors=problems_by_field(exc.problems, PROBLEM_TEXTS), status=422)
    flash(_("Message sent"))
    return redirect(f"{back}#latest")


@bp.get("/centres/<string:code>/family/children/<int:child_id>/messages")
@login_required
def family_messages(code: str, child_id: int) -> ResponseReturnValue:
    """The guardian's chat with the child's class (phone): newest at the bottom, a text box and an attach button."""
    centre, actor, now = _page(code)
    authorise(actor, Perm.MESSAGES_READ, centre.id, now)
    if is_staff(actor, centre.id, now):  # staff read a thread on their own page
        return redirect(url_for("families.thread", code=centre.code, child_id=child_id))
    child = _child(centre, child_id, Perm.MESSAGES_READ, actor, now)
    return _thread_page("families/family_thread.html", centre, child, actor, now)


@bp.post("/centres/<string:code>/family/children/<int:child_id>/messages")
@login_required
def send_family_message(code: str, child_id: int) -> ResponseReturnValue:
    """Send a message (and files) to the child's class."""
    centre, actor, now = _page(code)
    back = url_for("families.family_messages", code=centre.code, child_id=child_id)
    try:
        child = _child(centre, child_id, Perm.MESSAGES_WRITE, actor, now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    return _send(centre, child, actor, now, template="families/family_thread.html", back=back)


@bp.get("/centres/<string:code>/rooms/<int:room_id>/messages")
@login_required
def room_messages(code: str, room_id: int) -> ResponseReturnValue:
    """A class's threads (tablet): one tile per child, unread first."""
    centre, actor, now = _page(code)
    _staff_only(centre, actor, now)
    room = threads.room_of(room_id, centre)
    return render_template("families/room_threads.html", centre=centre, room=room,
                           threads=threads.room_threads(room, actor=actor, now=now))


@bp.get("/centres/<string:code>/children/<int:child_id>/messages")
@login_required
def thread(code: str, child_id: int) -> ResponseReturnValue:
    """One child's thread for staff, with the reply box; opening it marks the family's messages read."""
    centre, actor, now = _page(code)
    _staff_only(centre, actor, now)
    child = _child(centre, child_id, Perm.MESSAGES_READ, actor, now)
    return _thread_page("families/staff_thread.html", centre, child, actor, now)


@bp.post("/centres/<string:code>/children/<int:child_id>/messages")
@login_required
def send_staff_message(code: str, child_id: int) -> ResponseReturnValue:
    """Reply to the family (the family gets one notice; a picture needs their photo consent)."""
    centre, actor, now = _page(code)
    back = url_for("families.thread", code=centre.code, child_id=child_id)
    try:
        _staff_only(centre, actor, now, Perm.MESSAGES_WRITE)
        child = _child(centre, child_id, Perm.MESSAGES_WRITE, actor, now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    return _send(centre, child, actor, now, template="families/staff_thread.html", back=back)


@bp.get("/centres/<string:code>/messages")
@login_required
def all_messages(code: str) -> ResponseReturnValue:
    """Every thread of the centre with a message, unread first (the director; staff who read messages)."""
    centre, actor, now = _page(code)
    _staff_only(centre, actor, now)
    return render_template("families/all_threads.html", centre=centre,
                           threads=threads.centre_threads(centre, actor=actor, now=now))
