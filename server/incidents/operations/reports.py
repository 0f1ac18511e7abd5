"""Drafts of 表9 reports: write one, change it until its reporter signs, read one (authorised, health reads logged).

A draft is written on the room tablet or in the office by anyone who may file (INCIDENTS_WRITE). Until the
reporter signs, the draft may change (each change audited with the values before); from the signature on, every
change is refused with 409 `record_locked` — here, so the form, the API and any other caller meet the same
refusal — and a correction is an amendment (`operations.amendments`). Who was on duty then is captured with
every change of the event's time or room (`server.incidents.links`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.audit.operations import audit_record, log_access, snapshot
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.operations import centre_by_id
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.incidents.links import on_duty_snapshot
from server.incidents.models import IncidentReport, IncidentSignature, SignerRole
from server.incidents.values import DRAFT_FIELDS, check_together, check_values, report_values
from server.people.models import Child

REPORT_FIELDS = ("child_id", *DRAFT_FIELDS, "on_duty")  # on_duty: who was responsible, as captured


def signature_of(report: IncidentReport, role: SignerRole) -> IncidentSignature | None:
    """The report's signature in this role, if given."""
    return db.session.execute(select(IncidentSignature).where(
        IncidentSignature.report_id == report.id, IncidentSignature.role == role)).scalar_one_or_none()


def is_locked(report: IncidentReport) -> bool:
    """Signed by its reporter: nothing of the report changes any more."""
    return signature_of(report, SignerRole.REPORTER) is not None


def refuse_if_locked(report: IncidentReport) -> None:
    if is_locked(report):
        raise Conflict(_l("This report is signed and locked: correct it with an amendment"), code="record_locked")


def lock_row(report: IncidentReport) -> None:
    """Hold the report's row (PostgreSQL; SQLite's transactions are IMMEDIATE): a change and a signature take turns."""
    db.session.execute(select(IncidentReport.id).where(IncidentReport.id == report.id).with_for_update())


def create_draft(child: Child, *, values: dict[str, Any], actor: Actor, now: datetime) -> IncidentReport:
    """Start a report about `child` (time of the event and injury type at least); audited. 422 with every problem."""
    authorise(actor, Perm.INCIDENTS_WRITE, child.centre_id, now)
    centre = centre_by_id(child.centre_id)
    problems = ProblemCollector()
    checked = check_values(centre, values, problems, now)
    for field, text in (("occurred_at", _l("Give a date and time")), ("injury_type", _l("Choose one of the options."))):
        if field not in values or values[field] in (None, ""):
            problems.add("required", text, field)
    merged = {field: None for field in DRAFT_FIELDS} | checked
    check_together(merged, problems)
    problems.raise_if_any()
    row = IncidentReport(centre_id=child.centre_id, child_id=child.id, created_at=now, created_by_id=actor.user_id,
                         updated_at=now, body_regions=[], cause="", first_aid="")
    for field, value in checked.items():
        setattr(row, field, value)
    row.on_duty = on_duty_snapshot(centre, row.occurred_at, row.room_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "incident_report.create", None, REPORT_FIELDS, actor=actor, now=now)
    return row


def update_draft(report: IncidentReport, *, values: dict[str, Any], actor: Actor, now: datetime) -> IncidentReport:
    """Change fields of a draft; 409 `record_locked` once its reporter signed. Audited with the values before."""
    authorise(actor, Perm.INCIDENTS_WRITE, report.centre_id, now)
    lock_row(report)
    refuse_if_locked(report)
    centre = centre_by_id(report.centre_id)
    problems = ProblemCollector()
    checked = check_values(centre, values, problems, now)
    if "occurred_at" in checked and checked["occurred_at"] is None:
        problems.add("required", _l("Give a date and time"), "occurred_at")
    if "injury_type" in checked and checked["injury_type"] is None:
        problems.add("required", _l("Choose one of the options."), "injury_type")
    check_together(report_values(report) | checked, problems)
    problems.raise_if_any()
    before = snapshot(report, REPORT_FIELDS)
    for field, value in checked.items():
        setattr(report, field, value)
    if {"occurred_at", "room_id"} & set(checked):
        report.on_duty = on_duty_snapshot(centre, report.occurred_at, report.room_id)
    report.updated_at = now
    db.session.flush()
    audit_record(report, "incident_report.update_draft", before, REPORT_FIELDS, actor=actor, now=now)
    return report


def get_report(report_id: int, *, actor: Actor, now: datetime, log: bool = True) -> IncidentReport:
    """One report for staff who read incidents; the read is logged (health data).

    404, as for an id that does not exist, to anyone outside the centre and to a guardian (who reads a reviewed
    report of their own child on the family page): a guardian must not learn which report ids exist.
    """
    row = db.session.get(IncidentReport, report_id)
    if row is None or not actor.can(Perm.CENTRE_READ, row.centre_id, now) or (
            not actor.can(Perm.CHILDREN_ALL, row.centre_id, now)
            and not actor.can(Perm.INCIDENTS_READ, row.centre_id, now)):
        raise NotFound()
    authorise(actor, Perm.INCIDENTS_READ, row.centre_id, now)
    if log:
        log_access(centre_id=row.centre_id, user_id=actor.user_id, action="read", object_type="incident_report",
                   object_id=row.id, now=now)
    return row


def centre_reports(centre_id: int, *, actor: Actor, now: datetime, start: datetime | None = None,
                   end: datetime | None = None) -> list[IncidentReport]:
    """A centre's reports (events in [start, end) when given), newest first; the list read is logged."""
    authorise(actor, Perm.INCIDENTS_READ, centre_id, now)
    stmt = select(IncidentReport).where(IncidentReport.centre_id == centre_id)
    if start is not None:
        stmt = stmt.where(IncidentReport.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(IncidentReport.occurred_at < end)
    rows = list(db.session.execute(stmt.order_by(IncidentReport.occurred_at.desc(), IncidentReport.id.desc()))
                .scalars())
    log_access(centre_id=centre_id, user_id=actor.user_id, action="read", object_type="incident_report",
               object_id=f"centre:{centre_id}", now=now)
    return rows
