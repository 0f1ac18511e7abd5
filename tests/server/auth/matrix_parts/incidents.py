"""The 表9 injury register's routes in the policy matrix and the isolation test: the office list, the report form,
the detail, signing, review, amendments, the CCTV retention (staff; the inspector reads), and the family's page of
a reviewed report (guardians only, their own child's)."""

from __future__ import annotations

from datetime import timedelta

from server.auth.actor import Actor
from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, guardian_only, perm

OCCURRED = "2026-09-07T01:00:00+00:00"
DRAFT_BODY = {"occurred_at": OCCURRED, "injury_type": "fall", "body_regions": ["left_knee_front"], "cause": "绊倒",
              "first_aid": "冷敷", "place": "户外场地"}
DRAFT_FORM = {"child_id": "{child_id}", "occurred_at": "2026-09-07T09:00", "injury_type": "fall",
              "body_regions": "left_knee_front", "cause": "绊倒", "first_aid": "冷敷", "place": "户外场地"}
SIGN_BODY = {"role": "witness", "staff_id": "{staff_id}", "pin": "739146"}
AMEND_BODY = {"field": "cause", "value": "被玩具绊倒", "reason": "补充原因"}

NEEDS = {
    "incidents_api.list_reports": perm(Perm.INCIDENTS_READ),
    "incidents_api.create_report": perm(Perm.INCIDENTS_WRITE),
    "incidents_api.get_report": perm(Perm.INCIDENTS_READ),
    "incidents_api.update_report": perm(Perm.INCIDENTS_WRITE),  # a locked report: 409
    "incidents_api.sign_report": perm(Perm.INCIDENTS_WRITE),
    "incidents_api.review_report": perm(Perm.INCIDENTS_REVIEW),
    "incidents_api.amend_report": perm(Perm.INCIDENTS_WRITE),
    "incidents_api.get_retention": perm(Perm.INCIDENTS_READ),
    "incidents_api.record_retention": perm(Perm.INCIDENTS_REVIEW),
    "incidents.office_list": perm(Perm.INCIDENTS_READ),
    "incidents.new_report": perm(Perm.INCIDENTS_WRITE),
    "incidents.create_report": perm(Perm.INCIDENTS_WRITE),
    "incidents.edit_report": perm(Perm.INCIDENTS_WRITE),  # a locked report: 409
    "incidents.update_report": perm(Perm.INCIDENTS_WRITE),
    "incidents.report_page": perm(Perm.INCIDENTS_READ),
    "incidents.sign_report": perm(Perm.INCIDENTS_WRITE),
    "incidents.review_report": perm(Perm.INCIDENTS_REVIEW),
    "incidents.amend_form": perm(Perm.INCIDENTS_WRITE),
    "incidents.amend_report": perm(Perm.INCIDENTS_WRITE),
    "incidents.record_retention": perm(Perm.INCIDENTS_REVIEW),
    # the family's phone: guardians only (staff read reports in the office), their own child's reviewed report
    "incidents.family_report_page": guardian_only(Perm.FAMILY_WRITE),
    "incidents.family_acknowledge": guardian_only(Perm.FAMILY_WRITE),
}
JSON_BODIES = {
    "incidents_api.create_report": DRAFT_BODY,
    "incidents_api.update_report": {"cause": "改写"},
    "incidents_api.sign_report": SIGN_BODY,
    "incidents_api.review_report": {"note": "已核实"},
    "incidents_api.amend_report": AMEND_BODY,
    "incidents_api.record_retention": {"days": 90},
}
FORMS = {
    "incidents.create_report": DRAFT_FORM,
    "incidents.update_report": {**DRAFT_FORM, "cause": "改写"},
    "incidents.sign_report": {"role": "witness", "pin": "739146"},
    "incidents.review_report": {"note": "已核实"},
    "incidents.amend_report": {"field": "cause", "cause": "被玩具绊倒", "reason": "补充原因"},
    "incidents.record_retention": {"days": "90"},
    "incidents.family_acknowledge": {},
}
# Acknowledging (once, then 409) and amending change what later requests see: after the reads.
LAST = ("incidents.family_acknowledge", "incidents_api.amend_report", "incidents.amend_report")
ISOLATION_BODIES = {
    ("POST", "/api/v1/children/<child_id>/incidents"): DRAFT_BODY,
    ("PATCH", "/api/v1/incidents/<report_id>"): {"cause": "改写"},
    ("POST", "/api/v1/incidents/<report_id>/sign"): SIGN_BODY,
    ("POST", "/api/v1/incidents/<report_id>/review"): {"note": "已核实"},
    ("POST", "/api/v1/incidents/<report_id>/amendments"): AMEND_BODY,
    ("POST", "/api/v1/centres/<code>/cctv-retention"): {"days": 90},
}


def objects(ctx: PartContext) -> dict[str, int]:
    """A report about the family's child, signed by a colleague and ctx.staff as witness, reviewed (its notice sent
    to the family)."""
    from server.incidents.operations.reports import create_draft
    from server.incidents.operations.signing import review_report, sign_as_reporter, sign_as_witness
    from server.people.models import StaffRole
    from server.people.operations import create_staff

    system = Actor.system()
    reporter = create_staff(ctx.centre, name=f"{ctx.tag}报告人{ctx.n}", role=StaffRole.CAREGIVER,
                            hired_on=ctx.now.date(), actor=system, now=ctx.now)
    report = create_draft(ctx.child, values={
        "occurred_at": ctx.now - timedelta(minutes=30), "room_id": ctx.room.id, "injury_type": "fall",
        "body_regions": ["left_knee_front"], "cause": "绊倒", "first_aid": "冷敷", "witness_id": ctx.staff.id},
        actor=system, now=ctx.now)
    sign_as_reporter(report, signer=reporter, actor=system, now=ctx.now)
    sign_as_witness(report, signer=ctx.staff, actor=system, now=ctx.now)
    review_report(report, note="已核实", actor=system, now=ctx.now)
    return {"report_id": report.id}
