"""Signatures and review: the reporter signs (the report locks), the witness signs, the director reviews.

The order is the workflow's, each step refused out of turn with 409: the witness signs only after the reporter
(`not_signed_by_reporter`), the director reviews only after the witness (`awaiting_witness`), each once
(`already_signed`, `already_reviewed`). A signer proves it is them by their kiosk PIN — attendance keeps the
PINs and hands the lookup down as `app.extensions[STAFF_PIN_KEY]`, as for a medication witness — or, signing in
their own session, by re-entering their password. The review queues the guardians' `incident.report` notice
(urgent, acknowledged on the phone; the push says only that there is a report, with its link).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.audit.operations import audit_record, record_change, snapshot
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.care.signing import signature_proof
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_today
from server.database import db
from server.errors import Conflict, ProblemCollector
from server.incidents.links import on_duty_snapshot
from server.incidents.models import IncidentReport, IncidentReview, IncidentSignature, SignedWith, SignerRole
from server.incidents.operations.reports import lock_row, signature_of
from server.incidents.values import check_complete, check_together, report_values
from server.notices.operations import queue_notice
from server.people.employment import employed_on
from server.people.models import Staff

SIGNATURE_FIELDS = ("report_id", "role", "staff_id", "signed_with", "signed_at")
REVIEW_FIELDS = ("report_id", "note", "notice_id", "reviewed_at")
NOTICE_KIND = "incident.report"
NOTICE_SUBJECT = "An injury report about your child"
_l("An injury report about your child")  # the msgid is translated when the notice is delivered
NOTICE_BODY = "Please open the report and confirm that you have read it"
_l("Please open the report and confirm that you have read it")
FAMILY_PAGE = "incidents.family_report_page"
MAX_NOTE = 2000


def review_of(report: IncidentReport) -> IncidentReview | None:
    return db.session.execute(select(IncidentReview).where(IncidentReview.report_id == report.id)).scalar_one_or_none()


def _proof(signer: Staff, pin: str | None, password: str | None, actor: Actor, problems: ProblemCollector
           ) -> SignedWith | None:
    how = signature_proof(signer, pin, password, actor, problems)
    return SignedWith(how) if how is not None else None


def _store(report: IncidentReport, role: SignerRole, signer: Staff, how: SignedWith, actor: Actor,
           now: datetime, recorded: dict[str, Any] | None = None) -> IncidentSignature:
    """Keep a signature (one per role); `recorded`: what the signature froze with it, kept in its audit snapshot."""
    row = IncidentSignature(centre_id=report.centre_id, report_id=report.id, role=role, staff_id=signer.id,
                            signed_with=how, signed_at=now, recorded_by_id=actor.user_id)
    try:
        with db.session.begin_nested():  # two tablets at once: the unique (report, role) lets one through
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("This report is already signed"), code="already_signed") from None
    record_change(centre_id=row.centre_id, actor_id=actor.user_id, actor_kind=actor.kind,
                  action=f"incident_signature.{role.value}", object_type=row.__tablename__, object_id=row.id,
                  before=None, after={**snapshot(row, SIGNATURE_FIELDS), **(recorded or {})}, now=now)
    return row


def sign_as_reporter(report: IncidentReport, *, signer: Staff, pin: str | None = None, password: str | None = None,
                     actor: Actor, now: datetime) -> IncidentSignature:
    """The reporter signs: the report must be complete; from now on it is locked. 422 with every problem."""
    authorise(actor, Perm.INCIDENTS_WRITE, report.centre_id, now)
    lock_row(report)
    if signature_of(report, SignerRole.REPORTER) is not None:
        raise Conflict(_l("This report is already signed"), code="already_signed")
    centre = centre_by_id(report.centre_id)
    problems = ProblemCollector()
    values = report_values(report)
    check_complete(values, problems)
    check_together(values, problems)
    if signer.centre_id != report.centre_id or not employed_on(signer, centre_today(centre, now)) or (
            not actor.is_system and signer.user_id != actor.user_id):
        problems.add("signer_not_you", _l("Only the member of staff logged in may sign as the reporter"), "")
    elif report.witness_id == signer.id:
        problems.add("witness_is_reporter", _l("The witness must be someone else"), "witness_id")
    problems.raise_if_any()
    how = _proof(signer, pin, None if pin else password, actor, problems)
    problems.raise_if_any()
    assert how is not None
    # Who was on duty is frozen as it stands now (a roster entered late is in; nothing later changes it).
    report.on_duty = on_duty_snapshot(centre, report.occurred_at, report.room_id)
    db.session.flush()
    return _store(report, SignerRole.REPORTER, signer, how, actor, now, {"on_duty": report.on_duty})


def sign_as_witness(report: IncidentReport, *, signer: Staff, pin: str | None = None, password: str | None = None,
                    actor: Actor, now: datetime) -> IncidentSignature:
    """The named witness signs, after the reporter (409 before), with their PIN or their own password."""
    authorise(actor, Perm.INCIDENTS_WRITE, report.centre_id, now)
    lock_row(report)
    if signature_of(report, SignerRole.REPORTER) is None:
        raise Conflict(_l("The reporter signs first"), code="not_signed_by_reporter")
    if signature_of(report, SignerRole.WITNESS) is not None:
        raise Conflict(_l("This report is already signed by its witness"), code="already_signed")
    problems = ProblemCollector()
    if signer.id != report.witness_id:
        problems.add("not_the_witness", _l("Only the witness named on the report may sign as witness"), "witness_id")
    problems.raise_if_any()
    how = _proof(signer, pin, None if pin else password, actor, problems)
    problems.raise_if_any()
    assert how is not None
    return _store(report, SignerRole.WITNESS, signer, how, actor, now)


def review_report(report: IncidentReport, *, note: str, actor: Actor, now: datetime) -> IncidentReview:
    """The director reviews a signed and witnessed report (with a note) and the guardians are notified."""
    authorise(actor, Perm.INCIDENTS_REVIEW, report.centre_id, now)
    lock_row(report)
    if signature_of(report, SignerRole.WITNESS) is None:
        raise Conflict(_l("The reporter and the witness sign before the review"), code="awaiting_witness")
    if review_of(report) is not None:
        raise Conflict(_l("This report is already reviewed"), code="already_reviewed")
    problems = ProblemCollector()
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_NOTE), "note")
    problems.raise_if_any()
    link = {"endpoint": FAMILY_PAGE, "args": {"code": centre_by_id(report.centre_id).code,
                                               "child_id": report.child_id, "report_id": report.id}}
    notice = queue_notice(centre_id=report.centre_id, child_id=report.child_id, kind=NOTICE_KIND,
                          subject=NOTICE_SUBJECT, detail={"body": NOTICE_BODY, "report_id": report.id, "link": link},
                          actor=actor, now=now)
    row = IncidentReview(centre_id=report.centre_id, report_id=report.id, note=text, notice_id=notice.id,
                         reviewed_at=now, reviewed_by_id=actor.user_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("This report is already reviewed"), code="already_reviewed") from None
    audit_record(row, "incident_review.review", None, REVIEW_FIELDS, actor=actor, now=now)
    return row
