"""Pages of the notifier: the family's inbox, a notice, their settings; the centre's notices and channels.

The family's pages are phone-first; the staff page shows each notice's status and delivery log; the director's
page configures the centre's push channels.

Thin: each form calls an operation, which authorises and audits. Opening a notice as its guardian marks it read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed, problems_by_field
from server.notices import operations as ops
from server.notices import settings_ops
from server.notices import status as notice_status
from server.notices.api import link_of
from server.notices.models import NoticeChannel
from server.notices.outbox import active_channels
from server.notices.recipients import own_contacts
from server.notices.sealing import Sealer
from server.notices.settings import app_settings
from server.notices.status import NoticeStatus, body_text, notice_lines, subject_text
from server.notices.timing import QuietHours, default_quiet_hours

bp = Blueprint("notices_pages", __name__)
PER_PAGE = 50
PROBLEM_TEXTS = {"too_long": _l("This is too long.")}


def _page(code: str, perm: Perm = Perm.NOTICES_READ) -> tuple[Centre, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    return get_centre(code, actor=actor, now=now, perm=perm), actor, now


def _sealer() -> Sealer:
    return Sealer(str(current_app.config["SECRET_KEY"]))


# ---- the family's pages --------------------------------------------------------------------------------------

@bp.get("/centres/<string:code>/family/notices")
@login_required
def family_inbox(code: str) -> ResponseReturnValue:
    """A guardian's notices: to acknowledge first, then newest first."""
    centre, actor, now = _page(code)
    lines = notice_status.family_inbox(centre, actor=actor, now=now)
    waiting = sum(1 for line in lines if line.waiting_for_ack)
    return render_template("notices/family_inbox.html", centre=centre, lines=lines, waiting=waiting,
                           subject_text=subject_text)


def _notice_page(centre: Centre, notice_id: int, actor: Actor, now: datetime, *,
                 status: int = 200, error: str | None = None) -> ResponseReturnValue:
    notice = ops.get_notice(notice_id, actor=actor, now=now)
    if notice.centre_id != centre.id:
        raise NotFound()
    contact_id = ops.own_contact(actor, notice)
    if contact_id is not None:
        ops.mark_read(notice, contact_id=contact_id, actor=actor, now=now)
    line = notice_lines([notice], now)[0]
    may_acknowledge = (contact_id is not None and line.waiting_for_ack
                       and actor.can(Perm.FAMILY_WRITE, centre.id, now))
    return render_template("notices/family_notice.html", centre=centre, line=line, subject=subject_text(notice),
                           body=body_text(notice), link=link_of(notice.detail or {}), may_acknowledge=may_acknowledge,
                           error=error), status


@bp.get("/centres/<string:code>/family/notices/<int:notice_id>")
@login_required
def family_notice(code: str, notice_id: int) -> ResponseReturnValue:
    """One notice; opening it as the child's guardian marks it read. "我已知晓" when it asks for that."""
    centre, actor, now = _page(code)
    return _notice_page(centre, notice_id, actor, now)


@bp.post("/centres/<string:code>/family/notices/<int:notice_id>/acknowledge")
@login_required
def family_acknowledge(code: str, notice_id: int) -> ResponseReturnValue:
    """The guardian acknowledges the notice; back to it, with the acknowledgement shown."""
    centre, actor, now = _page(code)
    back = url_for("notices_pages.family_notice", code=centre.code, notice_id=notice_id)
    try:
        notice = ops.get_notice(notice_id, actor=actor, now=now)
        if notice.centre_id != centre.id:
            raise NotFound()
        authorise(actor, Perm.FAMILY_WRITE, centre.id, now)
        contact_id = ops.own_contact(actor, notice)
        if contact_id is None:
            raise Conflict(_l("Only a guardian of the child can do this"), code="not_a_guardian")
        ops.acknowledge(notice, contact_id=contact_id, actor=actor, now=now)
    except NotFound:
        abort(404)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except Conflict as exc:
        db.session.rollback()
        return _notice_page(centre, notice_id, actor, now, status=409, error=str(exc.message))
    flash(_("Thank you: the centre sees that you have read it"))
    return redirect(back)


def _settings_page(centre: Centre, actor: Actor, now: datetime, *, form: dict[str, str] | None = None,
                   errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    authorise(actor, Perm.FAMILY_WRITE, centre.id, now)
    contacts = own_contacts(actor, centre.id)
    channels = active_channels(centre.id)
    default = default_quiet_hours(centre, now)
    values: dict[str, Any] = {}
    if contacts:
        prefs = settings_ops.preferences_of(contacts[0])
        values = {"language": prefs.language or "",
                  "quiet_start": QuietHours.text(prefs.quiet_start) if prefs.quiet_start is not None else "",
                  "quiet_end": QuietHours.text(prefs.quiet_end) if prefs.quiet_end is not None else "",
                  **{f"address_{c.id}": prefs.addresses.get(c.id, "") for c in channels}}
    values.update(form or {})
    return render_template("notices/family_settings.html", centre=centre, contact=contacts[0] if contacts else None,
                           channels=channels, values=values, errors=errors or {},
                           default_quiet=(QuietHours.text(default.start), QuietHours.text(default.end))
                           if default else None), status


@bp.get("/centres/<string:code>/family/settings")
@login_required
def family_settings(code: str) -> ResponseReturnValue:
    """A guardian's language, quiet hours and address on each of the centre's push channels."""
    centre, actor, now = _page(code, Perm.CENTRE_READ)
    return _settings_page(centre, actor, now)


@bp.post("/centres/<string:code>/family/settings")
@login_required
def save_family_settings(code: str) -> ResponseReturnValue:
    """Save them; the form comes back as typed with each field's problem."""
    centre, actor, now = _page(code, Perm.CENTRE_READ)
    back = url_for("notices_pages.family_settings", code=centre.code)
    form = request.form
    try:
        authorise(actor, Perm.FAMILY_WRITE, centre.id, now)
        contacts = own_contacts(actor, centre.id)
        if not contacts:
            raise Conflict(_l("These settings are a guardian's: your account is not linked to a family"),
                           code="not_a_guardian")
        addresses = {c.id: form.get(f"address_{c.id}", "") for c in active_channels(centre.id)}
        settings_ops.save_preferences(contacts[0], language=form.get("language", ""),
                                      quiet_start=form.get("quiet_start", ""), quiet_end=form.get("quiet_end", ""),
                                      addresses=addresses, languages=list(current_app.config["LANGUAGES"]),
                                      actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        found = exc.problems if isinstance(exc, ValidationFailed) else [Problem(exc.code, exc.message, "")]
        return _settings_page(centre, actor, now, form=form.to_dict(), errors=problems_by_field(found, PROBLEM_TEXTS),
                              status=422 if isinstance(exc, ValidationFailed) else 409)
    flash(_("Settings saved"))
    return redirect(back)


# ---- the centre's pages ------------------------------------------------------------------------------------

@bp.get("/centres/<string:code>/notices")
@login_required
def centre_notices(code: str) -> ResponseReturnValue:
    """Every notice to families with its status, reminders, channels and delivery log; overdue in red."""
    centre, actor, now = _page(code)
    authorise(actor, Perm.CHILDREN_ALL, centre.id, now)  # the whole centre's families: staff only
    wanted = request.args.get("status", "")
    status = NoticeStatus(wanted) if wanted in {s.value for s in NoticeStatus} else None
    lines = notice_status.centre_notices(centre, actor=actor, now=now, status=status)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    pages = max(1, (len(lines) + PER_PAGE - 1) // PER_PAGE)
    page = min(page, pages)
    shown = notice_lines([line.notice for line in lines[(page - 1) * PER_PAGE:page * PER_PAGE]], now, with_log=True)
    channel_names = {c.key: c.name for c in db.session.execute(
        select(NoticeChannel).where(NoticeChannel.centre_id == centre.id)).scalars()}
    return render_template("notices/centre_notices.html", centre=centre,
                           lines=shown, total=len(lines), page=page,
                           pages=pages, status=status, statuses=list(NoticeStatus), channel_names=channel_names,
                           subject_text=subject_text)


def _channels_page(centre: Centre, actor: Actor, now: datetime, *, form: dict[str, str] | None = None,
                   errors: dict[str, list[str]] | None = None, status: int = 200,
                   tested: dict[str, Any] | None = None) -> ResponseReturnValue:
    channels = settings_ops.centre_channels(centre, actor=actor, now=now)
    return render_template("notices/channels.html", centre=centre, channels=channels,
                           form={k: v for k, v in (form or {}).items() if k != "url"}, errors=errors or {},
                           tested=tested), status


@bp.get("/centres/<string:code>/settings/notifications")
@login_required
def channels(code: str) -> ResponseReturnValue:
    """The centre's push channels (masked), a form to add one, disable, send a test."""
    centre, actor, now = _page(code, Perm.CENTRE_MANAGE)
    return _channels_page(centre, actor, now)


@bp.post("/centres/<string:code>/settings/notifications")
@login_required
def add_channel(code: str) -> ResponseReturnValue:
    """Add an Apprise channel; a refused URL is never shown back (it may hold a secret)."""
    centre, actor, now = _page(code, Perm.CENTRE_MANAGE)
    try:
        settings_ops.add_channel(centre, name=request.form.get("name", ""), url_template=request.form.get("url", ""),
                                 sealer=_sealer(), actor=actor, now=now)
    except ValidationFailed as exc:
        db.session.rollback()
        return _channels_page(centre, actor, now, form=request.form.to_dict(),
                              errors=problems_by_field(exc.problems, PROBLEM_TEXTS), status=422)
    flash(_("Channel added"))
    return redirect(url_for("notices_pages.channels", code=centre.code))


@bp.post("/centres/<string:code>/settings/notifications/<int:channel_id>/disable")
@login_required
def disable_channel(code: str, channel_id: int) -> ResponseReturnValue:
    """Stop using a channel (messages waiting for it are cancelled)."""
    centre, actor, now = _page(code, Perm.CENTRE_MANAGE)
    settings_ops.disable_channel(settings_ops.get_channel(centre, channel_id, actor=actor, now=now), actor=actor,
                                 now=now)
    flash(_("Channel disabled"))
    return redirect(url_for("notices_pages.channels", code=centre.code))


@bp.post("/centres/<string:code>/settings/notifications/<int:channel_id>/test")
@login_required
def test_channel(code: str, channel_id: int) -> ResponseReturnValue:
    """Send a test message to the address typed (the director's own); the result on the page."""
    centre, actor, now = _page(code, Perm.CENTRE_MANAGE)
    channel = settings_ops.get_channel(centre, channel_id, actor=actor, now=now)
    try:
        result = settings_ops.send_test_message(channel, centre, address=request.form.get("address", ""),
                                                sealer=_sealer(), timeout_s=app_settings().send_timeout_s,
                                                actor=actor, now=now)
    except ValidationFailed as exc:
        db.session.rollback()
        return _channels_page(centre, actor, now, errors={f"test_{channel_id}": [
            str(p.message) for p in exc.problems]}, status=422)
    return _channels_page(centre, actor, now, tested={"channel_id": channel.id, "ok": result.ok,
                                                      "error": result.error})
