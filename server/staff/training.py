"""The training log: record a training, correct it by amendment, and count hours by person and category.

Drills of the incidents log come in as `source="drill"` entries (category 应急知识, `source_ref` naming the drill),
so they count as emergency training in the totals, the register and the evaluators' evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from compliance import Period
from compliance.staffing.metrics import TrainingSummary, training_summary
from compliance.staffing.records import StaffEvidence, StaffMemberRecord, TrainingCategory, TrainingRecord
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.timezones import centre_today_by_id
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.people.models import Staff
from server.staff.models import StaffDocument
from server.staff.training_models import TrainingEntry, TrainingSource

ENTRY_FIELDS = ("staff_id", "category", "title", "hours", "provider", "held_on", "certificate_no", "document_id",
                "source", "source_ref", "amends_id", "is_withdrawn", "note")
# What one row may claim: more than a day's hours in one entry is a typing error (split a course by day).
MAX_HOURS = Decimal(24)
CONTENT = ("category", "title", "hours", "provider", "held_on", "certificate_no", "document_id")


@dataclass(frozen=True)
class TrainingValues:
    """What a training row says (checked together, so every problem is reported at once)."""

    category: TrainingCategory | str
    title: str
    hours: Decimal | int | str
    provider: str
    held_on: date
    certificate_no: str | None = None
    document_id: int | None = None


def _check(staff: Staff, values: TrainingValues, today: date, problems: ProblemCollector) -> dict[str, Any]:
    """The row's columns, normalised; every problem noted."""
    try:
        category = TrainingCategory(values.category)
    except ValueError:
        problems.add("unknown_category", _l("Unknown training category"), "category")
        category = TrainingCategory.OTHER
    try:
        hours = Decimal(str(values.hours))
    except InvalidOperation:
        hours = Decimal(0)
    if not hours.is_finite() or hours <= 0:
        problems.add("hours_not_positive", _l("The hours must be more than zero"), "hours")
    elif hours > MAX_HOURS:
        problems.add("too_many_hours", _l("At most 24 hours in one entry"), "hours")
    elif hours != hours.quantize(Decimal("0.01")):
        problems.add("hours_too_precise", _l("Hours to two decimals at most"), "hours")
    title, provider = values.title.strip(), values.provider.strip()
    if not title:
        problems.add("required", _l("The title is required"), "title")
    if not provider:
        problems.add("required", _l("The provider is required"), "provider")
    if values.held_on > today:
        problems.add("held_in_future", _l("The training date is in the future"), "held_on")
    if staff.left_on is not None and values.held_on > staff.left_on:
        problems.add("held_after_leaving", _l("The training date is after this person left"), "held_on")
    if values.document_id is not None:
        document = db.session.get(StaffDocument, values.document_id)
        if document is None or document.staff_id != staff.id:
            problems.add("unknown_document", _l("No such document in this person's file"), "document_id")
    certificate = (values.certificate_no or "").strip() or None
    return {"category": category, "title": title, "hours": hours, "provider": provider, "held_on": values.held_on,
            "certificate_no": certificate, "document_id": values.document_id}


def _add(staff: Staff, columns: dict[str, Any], action: str, *, actor: Actor, now: datetime) -> TrainingEntry:
    entry = TrainingEntry(centre_id=staff.centre_id, staff_id=staff.id, recorded_by_id=actor.user_id,
                          recorded_at=now, **columns)
    db.session.add(entry)
    db.session.flush()
    audit_record(entry, action, None, ENTRY_FIELDS, actor=actor, now=now)
    return entry


def record_training(staff: Staff, values: TrainingValues, *, source: TrainingSource = TrainingSource.MANUAL,
                    source_ref: str | None = None, actor: Actor, now: datetime) -> TrainingEntry:
    """Log that a person attended a training (a drill: `source="drill"` with the drill's reference)."""
    authorise(actor, Perm.STAFF_FILES_WRITE, staff.centre_id, now)
    problems = ProblemCollector()
    columns = _check(staff, values, centre_today_by_id(staff.centre_id, now), problems)
    if source == TrainingSource.DRILL:
        if columns["category"] != TrainingCategory.EMERGENCY:
            problems.add("drill_not_emergency", _l("A drill counts as emergency training"), "category")
        if not source_ref:
            problems.add("required", _l("A drill entry names the drill"), "source_ref")
    problems.raise_if_any()
    if source == TrainingSource.DRILL and any(e.source_ref == source_ref for e in current_entries(
            staff.centre_id, staff_id=staff.id, source=TrainingSource.DRILL)):
        raise Conflict(_l("This drill is already in this person's training log"), code="drill_already_logged")
    return _add(staff, {**columns, "source": source, "source_ref": source_ref}, "training.record",
                actor=actor, now=now)


def amend_training(entry: TrainingEntry, values: TrainingValues | None, *, note: str, actor: Actor,
                   now: datetime) -> TrainingEntry:
    """Correct a row by a new one that replaces it (`values`), or withdraw it (`values` None); `note` says why."""
    authorise(actor, Perm.STAFF_FILES_WRITE, entry.centre_id, now)
    if db.session.execute(select(TrainingEntry.id).where(TrainingEntry.amends_id == entry.id)).first() is not None:
        raise Conflict(_l("This entry has already been corrected: correct the latest version"), code="already_amended")
    if entry.is_withdrawn:
        raise Conflict(_l("This entry was withdrawn"), code="withdrawn")
    staff = db.session.get(Staff, entry.staff_id)
    assert staff is not None
    problems = ProblemCollector()
    if not note.strip():
        problems.add("required", _l("Say why the entry is corrected"), "note")
    if values is None:
        columns = {name: getattr(entry, name) for name in CONTENT}
    else:
        columns = _check(staff, values, centre_today_by_id(staff.centre_id, now), problems)
        if entry.source == TrainingSource.DRILL and columns["category"] != TrainingCategory.EMERGENCY:
            problems.add("drill_not_emergency", _l("A drill counts as emergency training"), "category")
    problems.raise_if_any()
    return _add(staff, {**columns, "source": entry.source, "source_ref": entry.source_ref, "amends_id": entry.id,
                        "is_withdrawn": values is None, "note": note.strip()}, "training.amend", actor=actor, now=now)


def _current(centre_id: int) -> Select[tuple[TrainingEntry]]:
    """Rows no later row amends, withdrawals left out."""
    amended = select(TrainingEntry.amends_id).where(TrainingEntry.centre_id == centre_id,
                                                    TrainingEntry.amends_id.is_not(None))
    return select(TrainingEntry).where(TrainingEntry.centre_id == centre_id, TrainingEntry.id.not_in(amended),
                                       TrainingEntry.is_withdrawn.is_(False))


def current_entries(centre_id: int, *, staff_id: int | None = None, period: Period | None = None,
                    source: TrainingSource | None = None) -> list[TrainingEntry]:
    """The log as it stands (each correction in place of what it corrects), oldest training first."""
    stmt = _current(centre_id)
    if staff_id is not None:
        stmt = stmt.where(TrainingEntry.staff_id == staff_id)
    if period is not None:
        stmt = stmt.where(TrainingEntry.held_on >= period.start, TrainingEntry.held_on <= period.end)
    if source is not None:
        stmt = stmt.where(TrainingEntry.source == source)
    return list(db.session.execute(stmt.order_by(TrainingEntry.held_on, TrainingEntry.id)).scalars())


def list_training(centre_id: int, *, actor: Actor, now: datetime, staff_id: int | None = None,
                  period: Period | None = None) -> list[TrainingEntry]:
    """The centre's (or one person's) training log as it stands."""
    authorise(actor, Perm.STAFF_FILES_READ, centre_id, now)
    return current_entries(centre_id, staff_id=staff_id, period=period)


def get_entry(entry_id: int, *, actor: Actor, now: datetime) -> TrainingEntry:
    entry = db.session.get(TrainingEntry, entry_id)
    if entry is None:
        raise NotFound()
    authorise(actor, Perm.STAFF_FILES_READ, entry.centre_id, now)
    return entry


def training_records(centre: Centre, period: Period) -> tuple[TrainingRecord, ...]:
    """The log of a period as the evaluators' plain records (drills included, as emergency training)."""
    return tuple(TrainingRecord(staff_id=e.staff_id, held_on=e.held_on, category=e.category.value, hours=e.hours,
                                provider=e.provider, title=e.title, certificate=e.certificate_no or "")
                 for e in current_entries(centre.id, period=period))


def _members(centre_id: int) -> tuple[StaffMemberRecord, ...]:
    rows = db.session.execute(select(Staff).where(Staff.centre_id == centre_id).order_by(Staff.id)).scalars()
    return tuple(StaffMemberRecord(s.id, s.name, s.role.value, s.hired_on, s.left_on) for s in rows)


def training_totals(centre: Centre, period: Period, *, actor: Actor, now: datetime) -> TrainingSummary:
    """Hours per person and category, centre totals, and the share of staff trained in the period."""
    authorise(actor, Perm.STAFF_FILES_READ, centre.id, now)
    evidence = StaffEvidence(members=_members(centre.id), trainings=training_records(centre, period))
    return training_summary(evidence, period)
