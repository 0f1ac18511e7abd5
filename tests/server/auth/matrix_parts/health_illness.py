"""The 表4 (illness, exclusion, return certificates): its routes in the policy matrix and the isolation test."""

from __future__ import annotations

from datetime import timedelta

from server.auth.roles import Perm
from server.health.illness.operations import report_case
from tests.factories import SYSTEM
from tests.server.auth.matrix_parts._base import PartContext, perm

CASE = {"disease": "手足口病", "onset_on": "2026-09-06", "reported_on": "2026-09-07", "reported_to": "区疾控中心",
        "excluded_from": "2026-09-06", "excluded_until": "2026-09-13"}
AMEND = {"reason": "诊断更正", "disease": "手足口病", "excluded_until": "2026-09-14"}
CERTIFICATE = {"on": "2026-09-07", "issuer": "区妇幼保健院"}

NEEDS = {
    "illness_api.list_cases": perm(Perm.HEALTH_READ),  # a guardian gets their own children's cases only
    "illness_api.exclusions": perm(Perm.HEALTH_READ),  # likewise
    "illness_api.child_cases": perm(Perm.HEALTH_READ, family=True),
    "illness_api.report_case": perm(Perm.HEALTH_WRITE),
    "illness_api.amend_case": perm(Perm.HEALTH_WRITE),
    "illness_api.record_return_certificate": perm(Perm.HEALTH_WRITE),
    "illness_pages.illness_page": perm(Perm.HEALTH_READ),  # a guardian: their own children, no forms
    "illness_pages.report_case": perm(Perm.HEALTH_WRITE),
    "illness_pages.record_certificate": perm(Perm.HEALTH_WRITE),
}
JSON_BODIES = {"illness_api.report_case": CASE, "illness_api.amend_case": AMEND,
               "illness_api.record_return_certificate": CERTIFICATE}
FORMS = {
    "illness_pages.report_case": {**CASE, "child_id": "{child_id}", "infectious": "y"},
    "illness_pages.record_certificate": CERTIFICATE,
}
LAST = ("illness_api.amend_case", "illness_api.record_return_certificate", "illness_pages.record_certificate")
ISOLATION_BODIES = {
    ("POST", "/api/v1/children/<child_id>/illness-cases"): CASE,
    ("POST", "/api/v1/illness-cases/<illness_case_id>/amend"): AMEND,
    ("POST", "/api/v1/illness-cases/<illness_case_id>/return-certificate"): CERTIFICATE,
}


def objects(ctx: PartContext) -> dict[str, int]:
    """A 手足口病 case of the family's child (excluded since yesterday, no certificate yet)."""
    yesterday = ctx.now.date() - timedelta(days=1)
    case = report_case(ctx.child, disease="手足口病", infectious=True, onset_on=yesterday, reported_on=yesterday,
                       reported_to="区疾控中心", excluded_from=yesterday, excluded_until=None, actor=SYSTEM, now=ctx.now)
    return {"illness_case_id": case.id}
