"""The office's screens of staff files: a person's file and the director's expiry list.

A file holds credentials, scans, training, history and this week's shifts. Thin: each form calls the same
operation as the API, which authorises and audits.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from compliance.staffing import credential_state, default_catalogue, effective_expiry, mask_number, warning_stage
from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.models import Centre, Room
from server.centre.operations import get_centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.errors import Problem
from server.i18n import is_chinese, label
from server.people import employment
from server.people.models import Staff, StaffRole
from server.people.staff_models import EmploymentEventKind
from server.staff.badges import badges_by_person
from server.staff.forms import FormReader, run_form
from server.staff.models import StaffDocument
from server.staff.operations import credentials as creds_ops
from server.staff.operations import documents as docs_ops
from server.staff.operations import roster as roster_ops
from server.staff.operations.eligibility import held
from server.staff.operations.expiry import expiry_report
from server.staff.settings import app_settings
from server.staff.training import TrainingValues, list_training, record_training
from server.staff.training_models import TrainingCategory

bp = Blueprint("staff_pages", __name__)
CREDENTIAL_FIELDS = ("type_code", "number", "issuer", "issued_on", "expires_on", "level", "note")


def _may(actor: Actor, centre: Centre, now: datetime) -> dict[str, bool]:
    perms = (Perm.STAFF_FILES_WRITE, Perm.STAFF_DOCUMENTS_READ, Perm.STAFF_WRITE, Perm.ROSTER_READ)
    return {p.value.replace(".", "_"): actor.can(p, centre.id, now) for p in perms}


def _person(code: str, staff_id: int, perm: Perm) -> tuple[Centre, Staff, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    staff = creds_ops.get_staff_member(staff_id, perm, actor=actor, now=now)
    if staff.centre_id != centre.id:
        abort(404)
    return centre, staff, actor, now


def _credential_rows(staff: Staff, centre: Centre, today: date, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """Every credential row, newest first: the masked number, its state today, whether corrected or renewed."""
    catalogue, rules = default_catalogue(), effective_rules(centre, today)
    listed = creds_ops.list_credentials(staff, actor=actor, now=now)
    # A row that counts but a later-lasting one of the same type renewed: shown as renewed, not as expiring.
    last: dict[str, date] = {}
    for row, amended in listed:
        if not amended:
            until = effective_expiry(held(row), catalogue, rules) or date.max
            last[row.type_code] = max(last.get(row.type_code, date.min), until)
    rows = []
    for row, amended in reversed(listed):
        cred, kind = held(row), catalogue.types.get(row.type_code)
        until = effective_expiry(cred, catalogue, rules) or date.max
        rows.append({"renewed": not amended and until < last[row.type_code],
            "row": row, "amended": amended, "masked": mask_number(row.number),
            "title": (kind.title.zh if is_chinese() else kind.title.en) if kind else row.type_code,
            "has_level": bool(kind and kind.has_level), "until": effective_expiry(cred, catalogue, rules),
            "state": (state := credential_state(cred, today, catalogue, rules)).value, "state_label": label(state)})
    return rows


def _training(staff: Staff, actor: Actor, now: datetime) -> tuple[list[Any], list[tuple[str, Decimal]], Decimal]:
    entries = list_training(staff.centre_id, actor=actor, now=now, staff_id=staff.id)
    totals: dict[TrainingCategory, Decimal] = defaultdict(Decimal)
    for entry in entries:
        totals[entry.category] += entry.hours
    by_category = [(label(c), totals[c]) for c in TrainingCategory if c in totals]
    return list(reversed(entries)), by_category, sum(totals.values(), Decimal(0))


def _file_page(centre: Centre, staff: Staff, actor: Actor, now: datetime, *, active: str = "",
               form: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None) -> str:
    today = centre_today(centre, now)
    may = _may(actor, centre, now)
    catalogue = default_catalogue()
    monday = today - timedelta(days=today.weekday())
    entries, by_category, total_hours = _training(staff, actor, now)
    history, managers, colleagues, shifts = [], [], [], []
    if may["staff_write"]:
        history = [{**h, "kind_text": label(EmploymentEventKind(h["kind"])),
                    "role_text": label(StaffRole(h["role"])) if h["role"] else ""}
                   for h in employment.history_rows(staff, employment.employment_history(staff, actor=actor, now=now))]
        managers = employment.managers_on(staff.id, today)
        colleagues = [(s.id, s.name) for s in db.session.execute(
            select(Staff).where(Staff.centre_id == centre.id, Staff.id != staff.id).order_by(Staff.id)).scalars()
            if employment.employed_on(s, today)]
    if may["roster_read"]:
        _, week = roster_ops.week_roster(centre, today, actor=actor, now=now)
        shifts = [(s, c) for s, c in week if s.staff_id == staff.id]
    documents = list(db.session.execute(select(StaffDocument).where(StaffDocument.staff_id == staff.id)
                                        .order_by(StaffDocument.id.desc())).scalars())
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    form = dict(form or {})
    renew = request.args.get("renew", type=int)
    if not active and renew:
        original = creds_ops.get_credential(renew, actor=actor, now=now)
        if original.staff_id == staff.id:
            active = "record"
            form = {"type_code": original.type_code, "issuer": original.issuer, "level": original.level or ""}
    return render_template(
        "staff/person.html", centre=centre, person=staff, today=today, may=may, active=active, form=form,
        errors=errors or {}, document_options=[(d.id, d.original_name) for d in documents], badges=badges_by_person(centre, [staff], today)[staff.id],
        credentials=_credential_rows(staff, centre, today, actor, now), documents=documents,
        type_options=[(code, t.title.zh if is_chinese() else t.title.en) for code, t in catalogue.types.items()],
        category_options=[(c.value, label(c)) for c in TrainingCategory], entries=entries,
        training_by_category=by_category, training_total=total_hours, history=history, managers=managers,
        colleagues=colleagues, shifts=shifts, week_of=monday, rooms=rooms, room=rooms.get(staff.home_room_id),
        max_mb=app_settings().max_bytes // (1024 * 1024))


@bp.get("/centres/<string:code>/staff/<int:staff_id>")
@login_required
def person_file(code: str, staff_id: int) -> ResponseReturnValue:
    """A person's file: credentials (masked), scans, training, employment history, line managers, this week."""
    centre, staff, actor, now = _person(code, staff_id, Perm.STAFF_FILES_READ)
    return _file_page(centre, staff, actor, now)


def _file_post(code: str, staff_id: int, active: str, change: Any) -> ResponseReturnValue:
    centre, staff, actor, now = _person(code, staff_id, Perm.STAFF_FILES_READ)
    back = url_for("staff_pages.person_file", code=centre.code, staff_id=staff.id)

    def render(form: dict[str, str], errors: dict[str, list[str]]) -> str:
        fresh = db.session.get(Staff, staff_id) or staff
        return _file_page(centre, fresh, actor, now, active=active, form=form, errors=errors)
    return run_form(lambda form: change(centre, staff, actor, now, form), back=back, render=render,
                    done=f"{back}#{active}")


def _upload(staff: Staff, actor: Actor, now: datetime, *, required: bool) -> int | None:
    """The posted scan (field `file`), kept by the operation; its id, or None when none was chosen."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        if required:
            docs_ops.upload_document(staff, b"", None, settings=app_settings(), actor=actor, now=now)
        return None
    settings = app_settings()
    data = upload.stream.read(settings.max_bytes + 1)
    return docs_ops.upload_document(staff, data, upload.filename, settings=settings, actor=actor, now=now).id


@bp.post("/centres/<string:code>/staff/<int:staff_id>/certificates")
@login_required
def record_credential(code: str, staff_id: int) -> ResponseReturnValue:
    """Record a credential, or renew one (a new credential of the same type), with its scan if one is chosen."""
    def change(centre: Centre, staff: Staff, actor: Actor, now: datetime, form: FormReader) -> None:
        issued_on, expires_on = form.day("issued_on", required=True), form.day("expires_on")
        document_id = form.number("document_id")
        form.raise_if_any()
        assert issued_on is not None
        document_id = _upload(staff, actor, now, required=False) or document_id
        creds_ops.record_credential(
            staff, type_code=request.form.get("type_code", ""), number=request.form.get("number", ""),
            issuer=request.form.get("issuer", ""), issued_on=issued_on, expires_on=expires_on,
            level=form.text("level"), document_id=document_id, note=form.text("note"), actor=actor, now=now,
            today=centre_today(centre, now))
    return _file_post(code, staff_id, "record", change)


@bp.post("/centres/<string:code>/staff/<int:staff_id>/certificates/<int:certificate_id>/amend")
@login_required
def amend_credential(code: str, staff_id: int, certificate_id: int) -> ResponseReturnValue:
    """Correct a credential: a new row replaces it, with the reason; a field left empty stays as it was."""
    def change(centre: Centre, staff: Staff, actor: Actor, now: datetime, form: FormReader) -> None:
        original = creds_ops.get_credential(certificate_id, actor=actor, now=now)
        if original.staff_id != staff.id:
            abort(404)
        changes: dict[str, Any] = {}
        for name in ("number", "issuer", "level"):
            if form.text(name):
                changes[name] = form.text(name)
        for name in ("issued_on", "expires_on"):
            if request.form.get(name, "").strip():
                changes[name] = form.day(name)
        form.raise_if_any()
        creds_ops.amend_credential(original, changes, note=request.form.get("note", ""), actor=actor, now=now,
                                   today=centre_today(centre, now))
    return _file_post(code, staff_id, f"amend-{certificate_id}", change)


@bp.get("/centres/<string:code>/staff/<int:staff_id>/certificates/<int:certificate_id>/number")
@login_required
def reveal_number(code: str, staff_id: int, certificate_id: int) -> ResponseReturnValue:
    """The full number of one credential, in place of the masked one (director only; the reveal is logged)."""
    centre, staff, actor, now = _person(code, staff_id, Perm.STAFF_FILES_READ)
    row = creds_ops.get_credential(certificate_id, actor=actor, now=now)
    if row.staff_id != staff.id:
        abort(404)
    number = creds_ops.reveal_number(row, actor=actor, now=now)
    return render_template("staff/_number.html", number=number, credential_id=row.id)


@bp.post("/centres/<string:code>/staff/<int:staff_id>/documents")
@login_required
def upload_document(code: str, staff_id: int) -> ResponseReturnValue:
    """Upload a scan (PDF, JPEG or PNG, checked by content); errors shown on the form."""
    def change(centre: Centre, staff: Staff, actor: Actor, now: datetime, form: FormReader) -> None:
        _upload(staff, actor, now, required=True)
    return _file_post(code, staff_id, "documents", change)


@bp.post("/centres/<string:code>/staff/<int:staff_id>/training")
@login_required
def add_training(code: str, staff_id: int) -> ResponseReturnValue:
    """Log a training the person attended (category, hours, provider)."""
    def change(centre: Centre, staff: Staff, actor: Actor, now: datetime, form: FormReader) -> None:
        held_on = form.day("held_on", required=True)
        form.raise_if_any()
        assert held_on is not None
        record_training(staff, TrainingValues(
            category=request.form.get("category", ""), title=request.form.get("title", ""),
            hours=request.form.get("hours", "").strip() or "0", provider=request.form.get("provider", ""),
            held_on=held_on, certificate_no=form.text("certificate_no")), actor=actor, now=now)
    return _file_post(code, staff_id, "training", change)


@bp.post("/centres/<string:code>/staff/<int:staff_id>/manager")
@login_required
def set_manager(code: str, staff_id: int) -> ResponseReturnValue:
    """Name the person's line manager (直接上级) from a day on, or none."""
    def change(centre: Centre, staff: Staff, actor: Actor, now: datetime, form: FormReader) -> None:
        manager_id, effective_on = form.number("manager_id"), form.day("effective_on", required=True)
        manager = db.session.get(Staff, manager_id) if manager_id else None
        if manager_id and (manager is None or manager.centre_id != centre.id):
            form.problems.append(Problem("unknown_manager", _l("No such member of staff at this centre"), "manager_id"))
        form.raise_if_any()
        assert effective_on is not None
        employment.set_line_manager(staff, manager, effective_on=effective_on, actor=actor, now=now)
    return _file_post(code, staff_id, "managers", change)


@bp.get("/centres/<string:code>/staff-files/expiry")
@login_required
def expiry_list(code: str) -> ResponseReturnValue:
    """The director's list: who expires within 60 days (with the warning stage), who has expired, who lacks what."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    today = centre_today(centre, now)
    report = expiry_report(centre, today=today, actor=actor, now=now)
    catalogue, rules = default_catalogue(), effective_rules(centre, today)

    def title(code: str) -> str:
        kind = catalogue.types.get(code)
        return (kind.title.zh if is_chinese() else kind.title.en) if kind else code

    expiring = [(item, title(item.credential.type_code), warning_stage(item.credential, today, catalogue, rules))
                for item in report.expiring]
    expired = [(item, title(item.credential.type_code)) for item in report.expired]
    lacking = [(gap.staff, [t.zh if is_chinese() else t.en for t in gap.status.reasons(catalogue)])
               for gap in report.lacking]
    return render_template("staff/expiry.html", centre=centre, today=today, expiring=expiring, expired=expired,
                           lacking=lacking)
