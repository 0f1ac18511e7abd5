"""JSON API of the 表9 injury register: drafts, signatures, review, amendments, the list, the CCTV retention.

A locked report refuses every change here as in the form (409 `record_locked`: the operations refuse it); a
correction is `POST /incidents/<id>/amendments`. Medical treatment is health data: shown only to callers holding
`health.read`, and the read is logged. Guardians read their child's report on the family page (not here).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g
from flask_babel import lazy_gettext as _l
from pydantic import Field

from compliance.incidents import footage_probably_overwritten
from server.apispec import Id, Instant, Schema, responses, spec
from server.audit.operations import log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.care.medication.doses import staff_of_actor
from server.centre.operations import centre_by_id, get_centre
from server.clock import utcnow
from server.database import db
from server.errors import Problem, ValidationFailed
from server.extensions import limiter
from server.idempotency import idempotent
from server.incidents.lines import ReportLine, report_lines
from server.incidents.models import IncidentReport, IncidentSignature, ReportStage, SignerRole, ToldBy, Treatment
from server.incidents.operations import amendments, cctv, reports, signing
from server.incidents.values import AMENDABLE, DRAFT_FIELDS, plain
from server.people.models import Staff
from server.people.operations import get_child

bp = Blueprint("incidents_api", __name__, url_prefix="/api/v1")
PIN_LIMIT = "10 per 10 minutes"
_PIN_REFUSED = "incident_pin_refused"
HEALTH_FIELDS = ("treatment", "treatment_place")


class ReportIn(Schema):
    """Fields of a draft (all optional on a change; a new draft needs occurred_at and injury_type)."""

    occurred_at: Instant | None = None
    room_id: Id | None = Field(None, description="a class of the centre where it happened")
    place: str | None = Field(None, max_length=120, description="or the place in words")
    injury_type: str | None = Field(None, max_length=32, description="a key of compliance/incidents/injury_types.yaml")
    body_regions: list[str] | None = Field(None, max_length=40, description="body-map region ids, e.g. left_knee_front")
    cause: str | None = Field(None, max_length=2000)
    first_aid: str | None = Field(None, max_length=2000)
    treatment: Treatment | None = None
    treatment_place: str | None = Field(None, max_length=120)
    guardian_told_at: Instant | None = None
    guardian_told_how: ToldBy | None = None
    guardian_told_by_id: Id | None = None
    witness_id: Id | None = None
    cctv_camera: str | None = Field(None, max_length=80)
    cctv_from: Instant | None = None
    cctv_until: Instant | None = None


class SignIn(Schema):
    role: SignerRole = Field(description="reporter (the caller's own staff record) | witness (the named witness)")
    staff_id: Id | None = Field(None, description="the signer (default: the caller's own staff record)")
    pin: str | None = Field(None, max_length=8, description="the signer's kiosk PIN")
    password: str | None = Field(None, max_length=200, description="or the caller's own password")


class ReviewIn(Schema):
    note: str = Field("", max_length=signing.MAX_NOTE)


class AmendmentIn(Schema):
    field: str = Field(max_length=40, description="one of: " + ", ".join(AMENDABLE))
    value: Any = Field(description="the new value, as the report shows it (ISO instants, ids, region lists)")
    reason: str = Field(max_length=amendments.MAX_REASON)


class RetentionIn(Schema):
    days: int = Field(ge=1, le=cctv.MOST_DAYS)
    note: str | None = Field(None, max_length=500)


class RetentionOut(Schema):
    days: int | None
    recorded_at: datetime | None


class SignatureOut(Schema):
    role: SignerRole
    staff_id: int
    name: str
    signed_with: str
    signed_at: datetime


class AmendmentOut(Schema):
    id: int
    field: str
    old_value: Any
    new_value: Any
    reason: str
    amended_at: datetime


class ReportOut(Schema):
    id: int
    child_id: int
    child_name: str
    stage: ReportStage
    locked: bool
    overdue: bool = Field(description="a signature, the review or the acknowledgement is missing past its deadline")
    values: dict[str, Any] = Field(description="the fields with every amendment applied (treatment: health.read)")
    original: dict[str, Any] = Field(description="the fields as signed")
    signatures: list[SignatureOut]
    reviewed_at: datetime | None
    review_note: str | None
    notice_status: str | None = Field(description="queued | sent | read | acknowledged | overdue")
    acknowledged_at: datetime | None
    amendments: list[AmendmentOut]
    on_duty: dict[str, Any] = Field(description="roster, room staff and managers at the event (a snapshot)")
    footage_probably_overwritten: bool
    report_due: datetime | None


class ReportList(Schema):
    items: list[ReportOut]


class ListQuery(Schema):
    stage: ReportStage | None = None
    overdue: bool | None = None


def _fields(values: dict[str, Any], health: bool) -> dict[str, Any]:
    return {k: plain(k, v) for k, v in values.items() if health or k not in HEALTH_FIELDS}


def report_out(line: ReportLine, actor: Actor, now: datetime) -> ReportOut:
    """A report as the API shows it; treatment only with health.read (the read logged)."""
    r = line.report
    health = actor.can(Perm.HEALTH_READ, r.centre_id, now)
    if health:
        log_access(centre_id=r.centre_id, user_id=actor.user_id, action="read", object_type="incident_treatment",
                   object_id=r.id, now=now)
    retention = cctv.current_retention(r.centre_id)
    until = line.values.get("cctv_until")
    ack = line.notice.acknowledgement if line.notice else None
    return ReportOut(
        id=r.id, child_id=r.child_id, child_name=line.child_name, stage=line.stage, locked=line.locked,
        overdue=line.overdue, values=_fields(line.values, health),
        original=_fields({f: getattr(r, f) for f in DRAFT_FIELDS}, health),
        signatures=[SignatureOut(role=s.role, staff_id=s.staff_id, name=line.staff_name(s.staff_id),
                                 signed_with=s.signed_with.value, signed_at=s.signed_at)
                    for s in (line.reporter, line.witness) if s is not None],
        reviewed_at=line.review.reviewed_at if line.review else None,
        review_note=line.review.note if line.review else None,
        notice_status=line.notice.status.value if line.notice else None, acknowledged_at=ack.at if ack else None,
        amendments=[AmendmentOut(id=a.id, field=a.field, old_value=a.old_value if health or a.field not in
                                 HEALTH_FIELDS else None, new_value=a.new_value if health or a.field not in
                                 HEALTH_FIELDS else None, reason=a.reason, amended_at=a.amended_at)
                    for a in line.amendments],
        on_duty=r.on_duty or {},
        footage_probably_overwritten=until is not None and footage_probably_overwritten(
            until, retention.days if retention else None, now),
        report_due=line.timing.report_due if line.timing else None)


def line_of(report: IncidentReport, now: datetime) -> ReportLine:
    return report_lines(centre_by_id(report.centre_id), [report], now)[0]


def pin_refused(response: Response) -> bool:
    """Count an answer against the PIN limit only when it refused a PIN or a password."""
    return bool(g.get(_PIN_REFUSED))


def sign(report: IncidentReport, *, role: SignerRole, staff_id: int | None, pin: str | None, password: str | None,
         actor: Actor, now: datetime) -> IncidentSignature:
    """Resolve the signer (default: the caller's own staff record) and sign as `role` (API and page)."""
    signer = db.session.get(Staff, staff_id) if staff_id else staff_of_actor(report.centre_id, actor)
    if signer is None or signer.centre_id != report.centre_id:
        raise ValidationFailed([Problem("unknown_staff", _l("Choose a member of staff of this centre"), "staff_id")])
    op = signing.sign_as_reporter if role is SignerRole.REPORTER else signing.sign_as_witness
    try:
        return op(report, signer=signer, pin=pin, password=password, actor=actor, now=now)
    except ValidationFailed as exc:
        if any(p.code in ("wrong_pin", "wrong_password") for p in exc.problems):
            g.setdefault(_PIN_REFUSED, True)
        raise


@bp.get("/centres/<string:code>/incidents")
@spec.validate(query=ListQuery, resp=responses(HTTP_200=ReportList), tags=["incidents"])
def list_reports(code: str, query: ListQuery):
    """The centre's reports, newest first; `stage` and `overdue` filter (staff who read incidents, inspectors)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.CHILDREN_ALL, centre.id, now)
    lines = report_lines(centre, reports.centre_reports(centre.id, actor=actor, now=now), now)
    lines = [x for x in lines if (query.stage is None or x.stage is query.stage)
             and (query.overdue is None or x.overdue is query.overdue)]
    return ReportList(items=[report_out(x, actor, now) for x in lines])


@bp.post("/children/<int:child_id>/incidents")
@idempotent
@spec.validate(json=ReportIn, resp=responses(HTTP_201=ReportOut), tags=["incidents"])
def create_report(child_id: int, json: ReportIn):
    """Start a draft about a child (occurred_at and injury_type at least); who was on duty is captured."""
    actor, now = current_actor(), utcnow()
    child = get_child(child_id, actor=actor, now=now, log=False)
    row = reports.create_draft(child, values=json.model_dump(exclude_unset=True), actor=actor, now=now)
    return report_out(line_of(row, now), actor, now), 201


@bp.get("/incidents/<int:report_id>")
@spec.validate(resp=responses(HTTP_200=ReportOut), tags=["incidents"])
def get_report(report_id: int):
    """One report with its signatures, review, notice status and amendments; the read is logged."""
    actor, now = current_actor(), utcnow()
    row = reports.get_report(report_id, actor=actor, now=now)
    return report_out(line_of(row, now), actor, now)


@bp.patch("/incidents/<int:report_id>")
@idempotent
@spec.validate(json=ReportIn, resp=responses(HTTP_200=ReportOut), tags=["incidents"])
def update_report(report_id: int, json: ReportIn):
    """Change a draft's fields; 409 `record_locked` once its reporter signed (use an amendment)."""
    actor, now = current_actor(), utcnow()
    row = reports.get_report(report_id, actor=actor, now=now, log=False)
    reports.update_draft(row, values=json.model_dump(exclude_unset=True), actor=actor, now=now)
    return report_out(line_of(row, now), actor, now)


@bp.post("/incidents/<int:report_id>/sign")
@limiter.limit(PIN_LIMIT, methods=["POST"], deduct_when=pin_refused)
@idempotent
@spec.validate(json=SignIn, resp=responses(HTTP_201=ReportOut), tags=["incidents"])
def sign_report(report_id: int, json: SignIn):
    """Sign as reporter (locks the report) or witness (after the reporter), with a PIN or one's own password."""
    actor, now = current_actor(), utcnow()
    row = reports.get_report(report_id, actor=actor, now=now, log=False)
    sign(row, role=json.role, staff_id=json.staff_id, pin=json.pin, password=json.password, actor=actor, now=now)
    return report_out(line_of(row, now), actor, now), 201


@bp.post("/incidents/<int:report_id>/review")
@idempotent
@spec.validate(json=ReviewIn, resp=responses(HTTP_201=ReportOut), tags=["incidents"])
def review_report(report_id: int, json: ReviewIn):
    """The director reviews a witnessed report; the guardians get an urgent notice to acknowledge."""
    actor, now = current_actor(), utcnow()
    row = reports.get_report(report_id, actor=actor, now=now, log=False)
    signing.review_report(row, note=json.note, actor=actor, now=now)
    return report_out(line_of(row, now), actor, now), 201


@bp.post("/incidents/<int:report_id>/amendments")
@idempotent
@spec.validate(json=AmendmentIn, resp=responses(HTTP_201=ReportOut), tags=["incidents"])
def amend_report(report_id: int, json: AmendmentIn):
    """Correct one field of a locked report with the reason (409 `not_locked` on a draft)."""
    actor, now = current_actor(), utcnow()
    row = reports.get_report(report_id, actor=actor, now=now, log=False)
    amendments.amend_report(row, field=json.field, value=json.value, reason=json.reason, actor=actor, now=now)
    return report_out(line_of(row, now), actor, now), 201


@bp.get("/centres/<string:code>/cctv-retention")
@spec.validate(resp=responses(HTTP_200=RetentionOut), tags=["incidents"])
def get_retention(code: str):
    """The CCTV footage retention the centre recorded last (null: never)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.INCIDENTS_READ, centre.id, now)
    row = cctv.current_retention(centre.id)
    return RetentionOut(days=row.days if row else None, recorded_at=row.recorded_at if row else None)


@bp.post("/centres/<string:code>/cctv-retention")
@idempotent
@spec.validate(json=RetentionIn, resp=responses(HTTP_201=RetentionOut), tags=["incidents"])
def record_retention(code: str, json: RetentionIn):
    """Record how many days the recorder keeps footage (the director); judged by security.cctv_retention."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = cctv.record_retention(centre.id, days=json.days, note=json.note, actor=actor, now=now)
    return RetentionOut(days=row.days, recorded_at=row.recorded_at), 201
