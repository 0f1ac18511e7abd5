"""What the incident pages share: the blueprint, reading the report form, the body map's regions, running one change.

Staff pages (`views`) and the family's page (`family_views`) register on the one `incidents` blueprint. The form
posts local times (`datetime-local`, the centre's zone) and the tapped body regions as repeated `body_regions`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.incidents import BODY_REGIONS, injury_types
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.care.medication.doses import colleagues
from server.centre.models import Centre, Room
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, Problem, ValidationFailed, problems_by_field
from server.i18n import is_chinese
from server.incidents.models import LABELS, IncidentReport, ToldBy, Treatment
from server.incidents.operations import reports
from server.incidents.values import DRAFT_FIELDS, INSTANTS, STAFF_IDS, plain
from server.people.views import PROBLEM_TEXTS

bp = Blueprint("incidents", __name__)
TEXTS = {**PROBLEM_TEXTS, "required": _l("This is required.")}
FIELD_LABELS = {"occurred_at": _l("When it happened"), "room_id": _l("Where: class"), "place": _l("Place"),
                "injury_type": _l("Type of injury"), "body_regions": _l("Where on the body"),
                "cause": _l("What happened and why"), "first_aid": _l("First aid and what was done"),
                "treatment": _l("Medical treatment"), "treatment_place": _l("Hospital"),
                "guardian_told_at": _l("Guardian told: when"), "guardian_told_how": _l("Guardian told: how"),
                "guardian_told_by_id": _l("Guardian told: by whom"), "cctv_camera": _l("Camera"),
                "cctv_from": _l("Footage from"), "cctv_until": _l("Footage until")}
Render = Callable[[dict[str, list[str]], dict[str, list[str]]], ResponseReturnValue]


def local(centre: Centre, instant: datetime | None) -> str:
    """An instant as the centre's local "YYYY-MM-DD HH:MM" ("" for none)."""
    return instant.astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M") if instant else ""


def local_input(centre: Centre, instant: datetime | None) -> str:
    """An instant as a `datetime-local` input's value."""
    return instant.astimezone(centre_zone(centre)).strftime("%Y-%m-%dT%H:%M") if instant else ""


def _instant(centre: Centre, raw: str) -> Any:
    """A `datetime-local` value in the centre's zone; the raw text when unreadable (the operation says so)."""
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=centre_zone(centre))
    except ValueError:
        return raw


def values_from_form(centre: Centre, fields: tuple[str, ...] = DRAFT_FIELDS) -> dict[str, Any]:
    """The report's fields as posted (empty text: none), typed loosely; the operation checks them."""
    values: dict[str, Any] = {}
    for field in fields:
        if field == "body_regions":
            values[field] = [r for r in request.form.getlist("body_regions") if r]
            continue
        raw = request.form.get(field, "").strip()
        if field in INSTANTS:
            values[field] = _instant(centre, raw) if raw else None
        elif field in (*STAFF_IDS, "room_id"):
            values[field] = int(raw) if raw.isdigit() and len(raw) < 10 else (raw or None)
        else:
            values[field] = raw or None
    return values


def body_map_context() -> dict[str, Any]:
    """The regions and injury types in the reader's language."""
    chinese = is_chinese()
    return {"regions": {r.key: (r.zh if chinese else r.en) for r in BODY_REGIONS},
            "injury_types": [(t.key, t.zh if chinese else t.en) for t in injury_types()]}


def run(change: Callable[[], Any], *, back: str, render: Render, done: str | Callable[[], str]) -> ResponseReturnValue:
    """One operation; refused → 403 page; problems → 422 with the form kept; a conflict (locked…) → 409."""
    try:
        change()
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return render(request.form.to_dict(flat=False), problems_by_field(exc.problems, TEXTS)), 422
    except Conflict as exc:
        db.session.rollback()
        return render(request.form.to_dict(flat=False), problems_by_field([Problem(exc.code, exc.message, "")])), 409
    return redirect(done() if callable(done) else done)


def report_for(report_id: int, perm: Perm) -> tuple[Centre, IncidentReport, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    report = reports.get_report(report_id, actor=actor, now=now, log=False)
    authorise(actor, perm, report.centre_id, now)
    return centre_by_id(report.centre_id), report, actor, now

def choices(centre: Centre, now: datetime) -> dict[str, Any]:
    rooms = list(db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active)
                                    .order_by(Room.name)).scalars())
    staff = colleagues(centre.id, centre_today(centre, now))
    return {"rooms": rooms, "staff": staff, "treatments": [(t.value, label(t)) for t in Treatment],
            "told_how": [(t.value, label(t)) for t in ToldBy], **body_map_context()}

def label(value: Any) -> str:
    zh, en = LABELS[value]
    return zh if is_chinese() else en

def form_of(centre: Centre, report: IncidentReport) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"child_id": [str(report.child_id)]}
    for field in DRAFT_FIELDS:
        value = getattr(report, field)
        if field == "body_regions":
            out[field] = list(value or [])
        elif isinstance(value, datetime):
            out[field] = [local_input(centre, value)]
        else:
            out[field] = ["" if value is None else str(plain(field, value))]
    return out
