"""The safeguarding screens: raise a concern, the list and one concern, designations and inspectors' scope.

Any member of staff raises; the director and designated leads read and handle; the director designates. Tablet-sized
desk pages.

Thin: each form calls the same operation as the API. Reading pages answer 404 to everyone else, as if there were
nothing here; the raise form confirms the raiser's own submission and shows nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
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
from server.centre.timezones import centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed, problems_by_field
from server.people.models import Child, Staff
from server.people.staff_models import BannedPerson
from server.safeguarding import access
from server.safeguarding import designations as designation_ops
from server.safeguarding import operations as ops
from server.safeguarding.escalation import step_rules
from server.safeguarding.models import Agency, AmendedField, ConcernCategory

bp = Blueprint("safeguarding", __name__)
PROBLEM_TEXTS = {"too_long": _l("This is too long."), "bad_choice": _l("Choose one of the options.")}


def _page(code: str) -> tuple[Centre, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    return get_centre(code, actor=actor, now=now), actor, now


def _local_time(centre: Centre, name: str) -> datetime | None:
    """A `datetime-local` field read in the centre's zone; a bad value is a problem of that field."""
    raw = request.form.get(name, "").strip()[:40]
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed([Problem("bad_time", _l("Not a valid date and time."), name)]) from None
    return value.replace(tzinfo=centre_zone(centre)) if value.tzinfo is None else value


def _id(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


def _run(change: Callable[[], object], *, back: str, render: Callable[[dict[str, list[str]], int], ResponseReturnValue],
         done: str, message: Callable[[object], str]) -> ResponseReturnValue:
    """Run a form's operation: refused → 403; problems → the page again with the form kept; else on with a flash."""
    try:
        result = change()
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return render(problems_by_field(exc.problems, PROBLEM_TEXTS), 422)
    except Conflict as exc:
        db.session.rollback()
        return render(problems_by_field([Problem(exc.code, exc.message, "")], PROBLEM_TEXTS), 409)
    flash(message(result))
    return redirect(done)


# ---- raising a concern (every member of staff) ---------------------------------------------------------------------

def _raise_page(centre: Centre, actor: Actor, now: datetime, errors: dict[str, list[str]] | None = None,
                status: int = 200) -> ResponseReturnValue:
    authorise(actor, Perm.SAFEGUARDING_RAISE, centre.id, now)
    children = db.session.query(Child).filter(Child.centre_id == centre.id, Child.left_on.is_(None)) \
        .order_by(Child.name).all()
    staff = db.session.query(Staff).filter(Staff.centre_id == centre.id, Staff.left_on.is_(None)) \
        .order_by(Staff.name).all()
    return render_template("safeguarding/raise.html", centre=centre, children=children, staff=staff,
                           categories=list(ConcernCategory), form=request.form if errors else {}, errors=errors or {},
                           chosen=request.form.getlist("staff_ids") if errors else [], max_text=ops.MAX_TEXT,
                           may_read=access.may_read(actor, centre.id, now)), status


@bp.get("/centres/<string:code>/safeguarding/raise")
@login_required
def raise_form(code: str) -> ResponseReturnValue:
    """The form to raise a concern: what was seen or told, the child, the staff involved, what was done at once."""
    centre, actor, now = _page(code)
    return _raise_page(centre, actor, now)


@bp.post("/centres/<string:code>/safeguarding/raise")
@login_required
def raise_concern(code: str) -> ResponseReturnValue:
    """Record the concern; the raiser gets its number, never the list."""
    centre, actor, now = _page(code)
    back = url_for("safeguarding.raise_form", code=centre.code)

    def change() -> object:
        staff_ids = [int(x) for x in request.form.getlist("staff_ids")[:ops.MAX_STAFF + 1] if x.isdigit() and len(x) <= 9]
        return ops.raise_concern(centre, child_id=_id("child_id"), category=request.form.get("category", ""),
                                 noticed_at=_local_time(centre, "noticed_at"), account=request.form.get("account", ""),
                                 immediate_actions=request.form.get("immediate_actions", ""), staff_ids=staff_ids,
                                 actor=actor, now=now)

    return _run(change, back=back, done=back,
                message=lambda row: _("Your concern %(number)s is recorded; the director and the safeguarding leads "
                                      "will act on it.", number=ops.concern_number(row.id)),  # type: ignore[attr-defined]
                render=lambda errors, status: _raise_page(centre, actor, now, errors, status))


# ---- the list and one concern (director, designated leads; scoped inspectors read) ------------------------------

@bp.get("/centres/<string:code>/safeguarding")
@login_required
def concerns(code: str) -> ResponseReturnValue:
    """Every concern of the centre, open and overdue first (logged)."""
    centre, actor, now = _page(code)
    found = ops.list_concerns(centre, actor=actor, now=now)
    return render_template("safeguarding/list.html", centre=centre, views=found, now=now,
                           may_designate=actor.can(Perm.SAFEGUARDING_WRITE, centre.id, now))


def _concern_page(centre: Centre, concern_id: int, actor: Actor, now: datetime,
                  errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    row = ops.get_concern(concern_id, actor=actor, now=now)
    if row.centre_id != centre.id:
        raise NotFound()
    view = ops.concern_view(row, now)
    staff = {s.id: s.name for s in db.session.query(Staff).filter(Staff.centre_id == centre.id)}
    bans = db.session.query(BannedPerson).filter(BannedPerson.centre_id == centre.id, BannedPerson.lifts_id.is_(None)) \
        .order_by(BannedPerson.id.desc()).limit(50).all()  # a barring step may point at its 禁入名单 entry
    return render_template("safeguarding/concern.html", centre=centre, view=view, now=now, staff=staff, bans=bans,
                           step_rules=list(step_rules().values()), agencies=list(Agency), fields=list(AmendedField),
                           categories=list(ConcernCategory), may_write=access.may_write(actor, centre.id, now),
                           form=request.form if errors else {}, errors=errors or {}, max_text=ops.MAX_TEXT), status


@bp.get("/centres/<string:code>/safeguarding/concerns/<int:concern_id>")
@login_required
def concern(code: str, concern_id: int) -> ResponseReturnValue:
    """One concern: the account (as corrected), the staff and their managers then, the steps, the deadline."""
    centre, actor, now = _page(code)
    return _concern_page(centre, concern_id, actor, now)


@bp.post("/centres/<string:code>/safeguarding/concerns/<int:concern_id>/steps")
@login_required
def add_step(code: str, concern_id: int) -> ResponseReturnValue:
    """Record an escalation step or note with the time it was done."""
    centre, actor, now = _page(code)
    row = ops.get_concern(concern_id, actor=actor, now=now, purpose="step")
    if row.centre_id != centre.id:
        raise NotFound()
    back = url_for("safeguarding.concern", code=centre.code, concern_id=row.id)

    def change() -> object:
        return ops.add_step(row, kind=request.form.get("kind", ""), done_at=_local_time(centre, "done_at"),
                            done_by=request.form.get("done_by", ""), agency=request.form.get("agency") or None,
                            reference=request.form.get("reference"), staff_id=_id("staff_id"), ban_id=_id("ban_id"),
                            detail=request.form.get("detail", ""), actor=actor, now=now)

    return _run(change, back=back, done=back, message=lambda _row: _("Step recorded."),
                render=lambda errors, status: _concern_page(centre, concern_id, actor, now, errors, status))


@bp.post("/centres/<string:code>/safeguarding/concerns/<int:concern_id>/amendments")
@login_required
def amend(code: str, concern_id: int) -> ResponseReturnValue:
    """Correct one field of the concern with a reason (the original stays)."""
    centre, actor, now = _page(code)
    row = ops.get_concern(concern_id, actor=actor, now=now, purpose="amendment")
    if row.centre_id != centre.id:
        raise NotFound()
    back = url_for("safeguarding.concern", code=centre.code, concern_id=row.id)

    def change() -> object:
        value = request.form.get("value", "")
        if request.form.get("field") == AmendedField.NOTICED_AT:
            at = _local_time(centre, "value")
            value = at.isoformat() if at else ""
        return ops.amend_concern(row, field=request.form.get("field", ""), value=value,
                                 reason=request.form.get("reason", ""), actor=actor, now=now)

    return _run(change, back=back, done=back, message=lambda _row: _("Correction recorded."),
                render=lambda errors, status: _concern_page(centre, concern_id, actor, now, errors, status))


# ---- designations and inspectors' scope (the director) ----------------------------------------------------------

def _designations_page(centre: Centre, actor: Actor, now: datetime, errors: dict[str, list[str]] | None = None,
                       status: int = 200) -> ResponseReturnValue:
    lines = designation_ops.list_designations(centre, actor=actor, now=now)
    return render_template("safeguarding/designations.html", centre=centre, lines=lines, now=now,
                           users=designation_ops.staff_users(centre.id, now),
                           inspectors=designation_ops.inspector_lines(centre, actor=actor, now=now),
                           errors=errors or {}), status


@bp.get("/centres/<string:code>/safeguarding/designations")
@login_required
def designations(code: str) -> ResponseReturnValue:
    """The designated safeguarding leads (past and present) and which inspector grants include safeguarding."""
    centre, actor, now = _page(code)
    return _designations_page(centre, actor, now)


def _designation_change(code: str, change: Callable[[Centre, Actor, datetime], object], message: str) -> ResponseReturnValue:
    centre, actor, now = _page(code)
    back = url_for("safeguarding.designations", code=centre.code)
    return _run(lambda: change(centre, actor, now), back=back, done=back, message=lambda _row: message,
                render=lambda errors, status: _designations_page(centre, actor, now, errors, status))


@bp.post("/centres/<string:code>/safeguarding/designations")
@login_required
def designate(code: str) -> ResponseReturnValue:
    """Name a member of staff a designated safeguarding lead."""
    return _designation_change(code, lambda c, a, n: designation_ops.designate_lead(
        c, user_id=_id("user_id") or 0, actor=a, now=n), _("Designated lead named."))


@bp.post("/centres/<string:code>/safeguarding/designations/<int:designation_id>/revoke")
@login_required
def revoke(code: str, designation_id: int) -> ResponseReturnValue:
    """Withdraw a designation from now on."""
    return _designation_change(code, lambda c, a, n: designation_ops.revoke_designation(
        c, designation_id, actor=a, now=n), _("Designation withdrawn."))


@bp.post("/centres/<string:code>/safeguarding/inspector-grants/<int:membership_id>")
@login_required
def include_in_grant(code: str, membership_id: int) -> ResponseReturnValue:
    """Add the safeguarding scope to an inspector's grant."""
    return _designation_change(code, lambda c, a, n: designation_ops.include_in_grant(
        c, membership_id=membership_id, actor=a, now=n), _("The grant now includes safeguarding."))
