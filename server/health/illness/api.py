"""JSON API of the 表4: report a case, correct it, record the return certificate, list cases and exclusions.

Writing needs HEALTH_WRITE, reading HEALTH_READ (a guardian: their own children only); every read is logged.
Writes take an `Idempotency-Key` (the tablet's offline queue).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint
from pydantic import Field

from server.apispec import Day, Schema, responses, spec
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.centre.timezones import centre_today, centre_today_by_id
from server.clock import utcnow
from server.database import db
from server.health.illness import operations as ops
from server.health.illness.cases import CaseView, excluded_children, view_of
from server.idempotency import idempotent
from server.people.operations import get_child

bp = Blueprint("illness_api", __name__, url_prefix="/api/v1")


class IllnessCaseOut(Schema):
    id: int = Field(description="the case's latest row (amend this one)")
    case_id: int = Field(description="the case: its first row (return certificates are recorded against it)")
    child_id: int
    class_id: int | None = Field(description="the child's class at onset")
    disease: str
    infectious: bool
    onset_on: date
    reported_on: date
    reported_to: str
    excluded_from: date | None
    excluded_until: date | None = Field(description="the doctor's expected day of return; does not end the exclusion")
    return_certificate_on: date | None
    certificate_issuer: str | None
    excluded_today: bool = Field(description="kept out today: excluded and no return certificate yet")
    amends_id: int | None
    reason: str | None
    recorded_at: datetime


class IllnessCaseList(Schema):
    items: list[IllnessCaseOut]


class IllnessCaseQuery(Schema):
    onset_from: Day | None = None
    onset_to: Day | None = None


class IllnessCaseIn(Schema):
    disease: str = Field(min_length=1, max_length=80, description="the disease name (病名), e.g. 手足口病")
    infectious: bool = True
    onset_on: Day
    reported_on: Day
    reported_to: str = Field("", max_length=120, description="报告单位, e.g. the district CDC")
    excluded_from: Day | None = Field(None, description="first day of exclusion (required for an infectious case)")
    excluded_until: Day | None = Field(None, description="the doctor's expected day of return")


class IllnessCaseAmendIn(Schema):
    reason: str = Field(min_length=1, max_length=2000, description="why the case is corrected")
    disease: str | None = Field(None, min_length=1, max_length=80)
    infectious: bool | None = None
    onset_on: Day | None = None
    reported_on: Day | None = None
    reported_to: str | None = Field(None, max_length=120)
    excluded_from: Day | None = None
    excluded_until: Day | None = None


class ReturnCertificateIn(Schema):
    on: Day = Field(description="the day the child may come back")
    issuer: str = Field(min_length=1, max_length=120, description="the hospital or doctor who certified it")


class ExclusionOut(Schema):
    child_id: int
    case_id: int
    disease: str
    excluded_from: date | None
    excluded_until: date | None


class ExclusionList(Schema):
    on: date
    items: list[ExclusionOut]


class ExclusionQuery(Schema):
    on: Day | None = Field(None, description="the centre-local day; default today")


def _out(view: CaseView, today: date) -> IllnessCaseOut:
    row, certificate = view.row, view.certificate
    excluded = (row.excluded_from is not None and row.excluded_from <= today
                and (certificate is None or today < certificate.on))
    return IllnessCaseOut(
        id=row.id, case_id=view.case_id, child_id=row.child_id, class_id=row.class_id, disease=row.disease,
        infectious=row.infectious, onset_on=row.onset_on, reported_on=row.reported_on, reported_to=row.reported_to,
        excluded_from=row.excluded_from, excluded_until=row.excluded_until,
        return_certificate_on=certificate.on if certificate else None,
        certificate_issuer=certificate.issuer if certificate else None, excluded_today=excluded,
        amends_id=row.amends_id, reason=row.reason, recorded_at=row.recorded_at)


def _centre_of(centre_id: int) -> Centre:
    centre = db.session.get(Centre, centre_id)
    assert centre is not None
    return centre


@bp.get("/centres/<string:code>/illness-cases")
@spec.validate(query=IllnessCaseQuery, resp=responses(HTTP_200=IllnessCaseList), tags=["illness"])
def list_cases(code: str, query: IllnessCaseQuery):
    """The 表4 of the centre, by onset (a guardian: their own children's cases); the read is logged."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    views = ops.list_cases(centre, actor=actor, now=now, onset_from=query.onset_from, onset_to=query.onset_to)
    today = centre_today(centre, now)
    return IllnessCaseList(items=[_out(v, today) for v in views])


@bp.get("/centres/<string:code>/exclusions")
@spec.validate(query=ExclusionQuery, resp=responses(HTTP_200=ExclusionList), tags=["illness"])
def exclusions(code: str, query: ExclusionQuery):
    """Children kept out on a day (excluded, no return certificate yet); the read is logged."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    views = ops.list_cases(centre, actor=actor, now=now)  # authorises, scopes a guardian, logs
    visible = {v.row.child_id for v in views}
    day = query.on or centre_today(centre, now)
    roots = {v.row.id: v.case_id for v in views}
    items = [ExclusionOut(child_id=child_id, case_id=roots.get(case.id, case.id), disease=case.disease,
                          excluded_from=case.excluded_from, excluded_until=case.excluded_until)
             for child_id, case in excluded_children(centre.id, day).items() if child_id in visible]
    return ExclusionList(on=day, items=items)


@bp.get("/children/<int:child_id>/illness-cases")
@spec.validate(resp=responses(HTTP_200=IllnessCaseList), tags=["illness"])
def child_cases(child_id: int):
    """One child's cases (a guardian: their own child only); the read is logged."""
    actor, now = current_actor(), utcnow()
    child = get_child(child_id, actor=actor, now=now, log=False)
    centre = _centre_of(child.centre_id)
    views = ops.list_cases(centre, actor=actor, now=now, child_id=child.id)
    today = centre_today(centre, now)
    return IllnessCaseList(items=[_out(v, today) for v in views])


@bp.post("/children/<int:child_id>/illness-cases")
@idempotent
@spec.validate(json=IllnessCaseIn, resp=responses(HTTP_201=IllnessCaseOut), tags=["illness"])
def report_case(child_id: int, json: IllnessCaseIn):
    """Record a 表4 case (then the outbreak check runs); audited."""
    actor, now = current_actor(), utcnow()
    child = get_child(child_id, actor=actor, now=now, log=False)
    row = ops.report_case(child, **json.model_dump(), actor=actor, now=now)
    return _out(view_of(row), centre_today_by_id(row.centre_id, now)), 201


@bp.post("/illness-cases/<int:illness_case_id>/amend")
@idempotent
@spec.validate(json=IllnessCaseAmendIn, resp=responses(HTTP_201=IllnessCaseOut), tags=["illness"])
def amend_case(illness_case_id: int, json: IllnessCaseAmendIn):
    """Correct a case: a new row replaces the latest one (the original stays on record), with the reason."""
    actor, now = current_actor(), utcnow()
    original = ops.get_case(illness_case_id, Perm.HEALTH_WRITE, actor=actor, now=now)
    changes = json.model_dump(exclude_unset=True, exclude={"reason"})
    row = ops.amend_case(original, changes, reason=json.reason, actor=actor, now=now)
    return _out(view_of(row), centre_today_by_id(row.centre_id, now)), 201


@bp.post("/illness-cases/<int:illness_case_id>/return-certificate")
@idempotent
@spec.validate(json=ReturnCertificateIn, resp=responses(HTTP_201=IllnessCaseOut), tags=["illness"])
def record_return_certificate(illness_case_id: int, json: ReturnCertificateIn):
    """Record the return certificate: from its day the child may come back (the exclusion ends)."""
    actor, now = current_actor(), utcnow()
    case = ops.get_case(illness_case_id, Perm.HEALTH_WRITE, actor=actor, now=now)
    ops.record_return_certificate(case, on=json.on, issuer=json.issuer, actor=actor, now=now)
    return _out(view_of(case), centre_today_by_id(case.centre_id, now)), 201
