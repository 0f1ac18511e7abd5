"""PIPL consents in the policy matrix and the isolation test: a child's consents, a guardian's decision, the
office's paper form and texts, the child's photo, the guardian's phone page and the office's page."""

from __future__ import annotations

from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import perm, staff_only

# The own family's guardian is "甲家长1" (policy_world): a guardian signs with their name as on file.
DECIDE = {"purpose": "photos", "version": 1, "decision": "given", "signed_name": "甲家长1"}
PAPER = {"contact_id": "{contact_id}", "purpose": "photos", "decision": "given", "consent_on": "2026-09-07"}
PUBLISH = {"purpose": "data_processing", "text_zh": "新版同意书", "text_en": "A new consent text"}

NEEDS = {
    "consents_api.list_child_consents": perm(Perm.CHILDREN_READ, family=True),
    "consents_api.decide": perm(Perm.FAMILY_WRITE, family=True),
    "consents_api.record_paper": perm(Perm.CHILDREN_WRITE),
    "consents_api.list_documents": perm(Perm.CENTRE_READ),
    "consents_api.publish": perm(Perm.CENTRE_MANAGE),
    "consents_api.put_child_photo": perm(Perm.CHILDREN_WRITE),
    "consents.family_consents": perm(Perm.FAMILY_WRITE),
    "consents.family_decide": perm(Perm.FAMILY_WRITE, family=True),
    "consents.documents": staff_only(Perm.CHILDREN_READ),
    "consents.publish": perm(Perm.CENTRE_MANAGE),
    "people.child_photo": perm(Perm.CHILDREN_WRITE),
}
JSON_BODIES = {
    "consents_api.decide": DECIDE,
    "consents_api.record_paper": PAPER,
    "consents_api.publish": PUBLISH,
}
FORMS = {
    "consents.family_decide": {**DECIDE, "version": "1", "has_read": "y"},
    "consents.publish": {"purpose": "photos", "text_zh": "新版照片同意书", "text_en": "A new photo consent text"},
}
# A new version makes version 1 stale: publish after the signatures.
LAST = ("consents_api.publish", "consents.publish")
ISOLATION_BODIES = {
    ("POST", "/api/v1/children/<child_id>/consents"): DECIDE,
    ("POST", "/api/v1/children/<child_id>/consents/paper"): PAPER,
    ("POST", "/api/v1/centres/<code>/consent-documents"): PUBLISH,
    ("PUT", "/api/v1/children/<child_id>/photo"): None,
}
