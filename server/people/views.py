"""The office's pages for people: the children of a centre by class, a child's page, and the staff list.

Thin: each form calls the same operation as the API (which authorises and audits); a refused post answers
403 in the layout, a post with problems answers 422 with the page again, what was typed kept and each problem
shown by its field.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from server.apispec import FIRST_DAY, LAST_DAY
from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre, Room, ServiceType
from server.centre.operations import get_centre
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, Problem, ValidationFailed, problems_by_field
from server.i18n import label
from server.people import consents
from server.people import operations as ops
from server.people.consent_models import ConsentChoice, ConsentPurpose
from server.people.leaving import leave_child
from server.people.models import Child, Contact, LeaveReason, Relationship, Sex, StaffRole

bp = Blueprint("people", __name__)
STAFF_FILE_BADGES = "tuoyu.staff_file_badges"  # app.extensions: (centre, staff, day, state) -> (staff, badges)

E = TypeVar("E", bound=StrEnum)

# The operations' problems in the catalogue's words (their own messages are bilingual, for the API).
PROBLEM_TEXTS = {
    "required": _l("This is required."),
    "bad_date": _l("Enter a date (year-month-day)."),
    "bad_choice": _l("Choose one of the options."),
    "born_in_future": _l("The date of birth is in the future."),
    "enrolled_before_born": _l("The enrolment date is before the date of birth."),
    "too_old": _l("Too old for a childcare centre (0–3 years) at enrolment."),
    "left_before_enrolled": _l("The leaving date is before the enrolment date."),
    "unknown_room": _l("No such class."),
    "bad_phone": _l("This phone number is not valid."),
    "not_guardian": _l("Only a guardian can give consent."),
    "consent_in_future": _l("The consent date is in the future."),
    "bad_photo_type": _l("The photo must be a JPEG, PNG or WebP image."),
    "bad_photo_size": _l("The photo must be under 2 MB."),
    "left_too_far": _l("The leaving date must be within a year."),
    "already_left": _l("This child has already left."),
    "too_long": _l("This is too long."),
    "photo_consent_missing": _l("No photo of this child may be taken: the guardians have not consented to photos, "
                                "or have withdrawn their consent."),
    "unknown_version": _l("No such version of this text."),
}


class FormReader:
    """Reads a posted form into typed values, noting a problem per field it cannot read."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def text(self, name: str) -> str | None:
        value = request.form.get(name, "").strip()
        return value or None

    def day(self, name: str, *, required: bool = False) -> date | None:
        raw = request.form.get(name, "").strip()
        if not raw:
            if required:
                self.problems.append(Problem("required", "", name))
            return None
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            value = None
        if value is None or not FIRST_DAY <= value <= LAST_DAY:
            self.problems.append(Problem("bad_date", "", name))
            return None
        return value

    def choice(self, name: str, kind: type[E]) -> E | None:
        try:
            return kind(request.form.get(name, ""))
        except ValueError:
            self.problems.append(Problem("bad_choice", "", name))
            return None

    def number(self, name: str) -> int | None:
        raw = request.form.get(name, "").strip()
        if not raw:
            return None
        if not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
            self.problems.append(Problem("bad_choice", "", name))
            return None
        return int(raw)

    def flag(self, name: str) -> bool:
        return request.form.get(name) in ("y", "on", "1", "true")

    def raise_if_any(self) -> None:
        if self.problems:
            raise ValidationFailed(self.problems)


def _rooms(centre: Centre) -> list[Room]:
    return list(db.session.execute(select(Room).where(Room.centre_id == centre.id).order_by(Room.id)).scalars())


def _options(centre: Centre) -> dict[str, list[tuple[object, str]]]:
    """The choices of the forms, as (value, label) in the current language."""
    return {
        "room_options": [(r.id, r.name) for r in _rooms(centre)],
        "service_options": [(s.value, label(s)) for s in ServiceType],
        "relationship_options": [(r.value, label(r)) for r in Relationship],
        "role_options": [(r.value, label(r)) for r in StaffRole],
        "leave_options": [(r.value, label(r)) for r in LeaveReason],
    }


def _child_of(centre: Centre, child_id: int, actor: Actor, now: datetime) -> Child:
    child = ops.get_child(child_id, actor=actor, now=now)
    if child.centre_id != centre.id:
        abort(404)
    return child


def _may(actor: Actor, centre: Centre, now: datetime, *perms: Perm) -> dict[str, bool]:
    return {p.value.replace(".", "_"): actor.can(p, centre.id, now) for p in perms}


# --- children ---------------------------------------------------------------------------------------------


def _children_page(centre: Centre, actor: Actor, now: datetime, *, form: dict[str, Any] | None = None,
                   errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    today = centre_today(centre, now)
    everyone = list(db.session.execute(ops.list_children(centre, actor=actor, now=now)).scalars())
    # A child who has left (离园/退托) drops out of the class lists the day after; listed apart, at the end.
    left = [c for c in everyone if c.left_on is not None and c.left_on < today]
    children = [c for c in everyone if c.left_on is None or c.left_on >= today]
    rooms = _rooms(centre)
    groups = [(room, [c for c in children if c.room_id == room.id]) for room in rooms]
    unplaced = [c for c in children if c.room_id is None]
    if unplaced:
        groups.append((None, unplaced))
    may = _may(actor, centre, now, Perm.CHILDREN_WRITE, Perm.HEALTH_READ)
    return render_template(
        "people/children.html", centre=centre, groups=[g for g in groups if g[1] or may["children_write"]],
        left=left, room_names={r.id: r.name for r in rooms}, today=today, may=may, form=form or {}, errors=errors or {}, **_options(centre),
        consents=consents.consent_statuses([c.id for c in everyone], now),  # "no photos" before anyone takes one
    ), status


@bp.get("/centres/<string:code>/children")
@login_required
def children(code: str) -> ResponseReturnValue:
    """The children of the centre by class (a guardian: their own), with the enrolment form for the office."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return _children_page(centre, actor, now)


@bp.post("/centres/<string:code>/children")
@login_required
def enrol_child(code: str) -> ResponseReturnValue:
    """Enrol a child (create_child); on problems the form comes back as typed."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    back = url_for("people.children", code=centre.code)
    form = FormReader()
    try:
        values = {
            "name": request.form.get("name", ""), "sex": form.choice("sex", Sex),
            "born_on": form.day("born_on", required=True), "enrolled_on": form.day("enrolled_on", required=True),
            "service_type": form.choice("service_type", ServiceType), "room_id": form.number("room_id"),
            "allergies": form.text("allergies"), "conditions": form.text("conditions"),
        }
        form.raise_if_any()
        child = ops.create_child(centre, **values, actor=actor, now=now, today=centre_today(centre, now))
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _children_page(centre, actor, now, form=request.form.to_dict(),
                              errors=problems_by_field(exc.problems, PROBLEM_TEXTS), status=422)
    return redirect(url_for("people.child", code=centre.code, child_id=child.id))


def _child_page(centre: Centre, child: Child, actor: Actor, now: datetime, *, form: dict[str, Any] | None = None,
                errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    may = _may(actor, centre, now, Perm.CHILDREN_WRITE, Perm.HEALTH_READ, Perm.CONTACTS_READ, Perm.CONTACTS_WRITE,
               Perm.CENTRE_MANAGE)
    links = ops.child_links(child, actor=actor, now=now) if may["contacts_read"] else []
    consent_by = db.session.get(Contact, child.consent_by_contact_id) if child.consent_by_contact_id else None
    others = []
    if may["contacts_write"]:
        linked = {contact.id for _, contact in links}
        others = [(c.id, c.name) for c in db.session.execute(ops.list_contacts(centre, actor=actor, now=now))
                  .scalars() if c.id not in linked]
    room = db.session.get(Room, child.room_id) if child.room_id else None
    return render_template(
        "people/child.html", centre=centre, child=child, room=room, links=links, consent_by=consent_by,
        consents=consents.consent_statuses([child.id], now)[child.id], consent_history=consents.history([child.id]),
        contact_names={c.id: c.name for _, c in links} | ({consent_by.id: consent_by.name} if consent_by else {}),
        photo_retention_days=consents.photo_retention_days(centre, centre_today(centre, now)),
        purpose_options=[(p.value, label(p)) for p in ConsentPurpose],
        choice_options=[(c.value, label(c)) for c in ConsentChoice],
        guardians=[(contact.id, contact.name) for link, contact in links if link.is_guardian],
        others=others, may=may, form=form, errors=errors or {}, today=centre_today(centre, now), **_options(centre),
    ), status


@bp.get("/centres/<string:code>/children/<int:child_id>")
@login_required
def child(code: str, child_id: int) -> ResponseReturnValue:
    """A child's page: registry data, allergies, conditions (health.read only), consent and the adults."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return _child_page(centre, _child_of(centre, child_id, actor, now), actor, now)


def _child_post(code: str, child_id: int, change: Any) -> ResponseReturnValue:
    """Run one change of a child's page; 403 in the layout if refused, 422 with the page on problems."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    target = _child_of(centre, child_id, actor, now)
    back = url_for("people.child", code=centre.code, child_id=target.id)
    try:
        change(centre, target, actor, now, FormReader())
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _child_page(centre, db.session.get(Child, child_id) or target, actor, now,
                           form=request.form.to_dict(), errors=problems_by_field(exc.problems, PROBLEM_TEXTS), status=422)
    return redirect(back)


# The edit form's fields; a field the form does not carry is left as it is.
_EDIT_TEXT = ("allergies", "conditions")
_EDIT_DAYS = ("born_on", "enrolled_on", "left_on")


@bp.post("/centres/<string:code>/children/<int:child_id>")
@login_required
def update_child(code: str, child_id: int) -> ResponseReturnValue:
    """Change a child's registry data: class, dates (leaving), allergies, conditions (update_child)."""
    def change(centre: Centre, target: Child, actor: Actor, now: datetime, form: FormReader) -> None:
        changes: dict[str, Any] = {}
        if "name" in request.form:
            changes["name"] = request.form["name"].strip()
        for name in _EDIT_DAYS:
            if name in request.form:
                changes[name] = form.day(name, required=name != "left_on")
        for name in _EDIT_TEXT:
            if name in request.form and (name != "conditions" or actor.can(Perm.HEALTH_READ, centre.id, now)):
                changes[name] = form.text(name)
        if "room_id" in request.form:
            changes["room_id"] = form.number("room_id")
        if "service_type" in request.form:
            changes["service_type"] = form.choice("service_type", ServiceType)
        form.raise_if_any()
        ops.update_child(target, changes, actor=actor, now=now, today=centre_today(centre, now))
    return _child_post(code, child_id, change)


@bp.post("/centres/<string:code>/children/<int:child_id>/consent")
@login_required
def record_consent(code: str, child_id: int) -> ResponseReturnValue:
    """Record a guardian's consent (record_consent): who consented and on what day; the audit keeps who wrote it."""
    def change(centre: Centre, target: Child, actor: Actor, now: datetime, form: FormReader) -> None:
        contact_id = form.number("contact_id")
        on = form.day("consent_on", required=True)
        contact = db.session.get(Contact, contact_id) if contact_id else None
        if contact is None or contact.centre_id != centre.id:
            form.problems.append(Problem("not_guardian", "", "contact_id"))
        # A paper form for either purpose, given or withdrawn (server/people/consents.py); by default the
        # consent to process the child's data, as this form always recorded.
        purpose = form.choice("purpose", ConsentPurpose) if request.form.get("purpose") else ConsentPurpose.DATA_PROCESSING
        decision = form.choice("decision", ConsentChoice) if request.form.get("decision") else ConsentChoice.GIVEN
        form.raise_if_any()
        assert contact is not None and on is not None and purpose is not None and decision is not None
        if (purpose, decision) == (ConsentPurpose.DATA_PROCESSING, ConsentChoice.GIVEN):
            ops.record_consent(target, contact, on=on, actor=actor, now=now, today=centre_today(centre, now))
        else:
            consents.record_paper(target, contact, purpose=purpose, decision=decision, on=on, actor=actor, now=now)
    return _child_post(code, child_id, change)


@bp.post("/centres/<string:code>/children/<int:child_id>/photo")
@login_required
def child_photo(code: str, child_id: int) -> ResponseReturnValue:
    """Store the child's pick-up check photo (set_child_photo): refused at once without a photos consent in force."""
    def change(centre: Centre, target: Child, actor: Actor, now: datetime, form: FormReader) -> None:
        upload = request.files.get("photo")
        data = upload.read(ops.MAX_PHOTO_BYTES + 1) if upload else b""
        ops.set_child_photo(target, data, upload.mimetype if upload else "", actor=actor, now=now)
    return _child_post(code, child_id, change)


@bp.post("/centres/<string:code>/children/<int:child_id>/contacts")
@login_required
def link_contact(code: str, child_id: int) -> ResponseReturnValue:
    """Link an adult to the child (link_contact): an existing one, or a new one (create_contact) first."""
    def change(centre: Centre, target: Child, actor: Actor, now: datetime, form: FormReader) -> None:
        contact_id = form.number("contact_id")
        relationship = form.choice("relationship", Relationship)
        name, phone = request.form.get("name", "").strip(), form.text("phone")
        if contact_id is None and not name:
            form.problems.append(Problem("required", "", "name"))
        form.raise_if_any()
        assert relationship is not None
        if contact_id is not None:
            contact = ops.get_contact(contact_id, actor=actor, now=now)
        else:
            contact = ops.create_contact(centre, name=name, phone=phone, actor=actor, now=now)
        ops.link_contact(target, contact, relationship=relationship, is_guardian=form.flag("is_guardian"),
                         may_pick_up=form.flag("may_pick_up"), actor=actor, now=now)
    return _child_post(code, child_id, change)


@bp.post("/centres/<string:code>/children/<int:child_id>/contacts/<int:contact_id>/photo")
@login_required
def contact_photo(code: str, child_id: int, contact_id: int) -> ResponseReturnValue:
    """Store the face photo of an adult who collects the child (set_contact_photo)."""
    def change(centre: Centre, target: Child, actor: Actor, now: datetime, form: FormReader) -> None:
        contact = ops.get_contact(contact_id, actor=actor, now=now)
        if contact.centre_id != centre.id:
            abort(404)
        upload = request.files.get("photo")
        data = upload.read(ops.MAX_PHOTO_BYTES + 1) if upload else b""
        ops.set_contact_photo(contact, data, upload.mimetype if upload else "", retain_until=None,
                              actor=actor, now=now)
    return _child_post(code, child_id, change)


@bp.post("/centres/<string:code>/children/<int:child_id>/leave")
@login_required
def leave(code: str, child_id: int) -> ResponseReturnValue:
    """A child leaves the centre (leave_child): the last day, the reason and a note."""
    def change(centre: Centre, target: Child, actor: Actor, now: datetime, form: FormReader) -> None:
        left_on = form.day("left_on", required=True)
        reason = form.choice("reason", LeaveReason)
        form.raise_if_any()
        assert left_on is not None and reason is not None
        try:
            leave_child(target, left_on=left_on, reason=reason, note=form.text("note"), actor=actor, now=now,
                        today=centre_today(centre, now))
        except Conflict as exc:
            raise ValidationFailed([Problem(exc.code, str(exc.message), "left_on")]) from None
    return _child_post(code, child_id, change)


# --- staff ------------------------------------------------------------------------------------------------


def _staff_page(centre: Centre, actor: Actor, now: datetime, *, form: dict[str, Any] | None = None,
                errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    staff = list(db.session.execute(ops.list_staff(centre, actor=actor, now=now)).scalars())
    rooms = _rooms(centre)
    may = _may(actor, centre, now, Perm.STAFF_WRITE, Perm.STAFF_FILES_READ, Perm.ROSTER_READ)
    # Credential badges come from the staff files floor above, handed down by the app factory.
    badges, files = None, current_app.extensions.get(STAFF_FILE_BADGES)
    if files is not None and may["staff_files_read"]:
        staff, badges = files(centre, staff, centre_today(centre, now), request.args.get("state"))
    return render_template(
        "people/staff.html", centre=centre, staff=staff, room_names={r.id: r.name for r in rooms},
        may=may, form=form or {}, errors=errors or {}, badges=badges, state=request.args.get("state", ""),
        today=centre_today(centre, now), **_options(centre),
    ), status


@bp.get("/centres/<string:code>/staff")
@login_required
def staff(code: str) -> ResponseReturnValue:
    """The centre's staff, with the add-staff form for the office."""
    actor, now = current_actor(), utcnow()
    return _staff_page(get_centre(code, actor=actor, now=now), actor, now)


@bp.post("/centres/<string:code>/staff")
@login_required
def add_staff(code: str) -> ResponseReturnValue:
    """Add a member of staff (create_staff); on problems the form comes back as typed."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    form = FormReader()
    try:
        values = {
            "name": request.form.get("name", ""), "role": form.choice("role", StaffRole),
            "hired_on": form.day("hired_on", required=True), "phone": form.text("phone"),
            "home_room_id": form.number("home_room_id"), "id_number": form.text("id_number"),
        }
        form.raise_if_any()
        ops.create_staff(centre, **values, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=url_for("people.staff", code=centre.code))
    except ValidationFailed as exc:
        db.session.rollback()
        return _staff_page(centre, actor, now, form=request.form.to_dict(), errors=problems_by_field(exc.problems, PROBLEM_TEXTS),
                           status=422)
    return redirect(url_for("people.staff", code=centre.code))
