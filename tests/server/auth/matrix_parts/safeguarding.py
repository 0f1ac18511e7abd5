"""Safeguarding's routes in the policy matrix and the isolation test.

Reading and handling concerns, designations and the inspectors' scope are the director's in the role table
(`safeguarding.read` / `safeguarding.write`); designated leads and scoped inspectors, whom the matrix's principals
are not, are tested in tests/server/safeguarding/test_access.py, as is the 404 (never 403) everyone else gets.
Raising a concern (`safeguarding.raise`) is every member of staff's; never a guardian's or an inspector's.
"""

from __future__ import annotations

from datetime import timedelta

from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, perm

NEEDS = {
    "safeguarding_api.list_concerns": perm(Perm.SAFEGUARDING_READ),
    "safeguarding_api.raise_concern": perm(Perm.SAFEGUARDING_RAISE),
    "safeguarding_api.get_concern": perm(Perm.SAFEGUARDING_READ),
    "safeguarding_api.add_step": perm(Perm.SAFEGUARDING_WRITE),
    "safeguarding_api.amend_concern": perm(Perm.SAFEGUARDING_WRITE),
    "safeguarding_api.list_designations": perm(Perm.SAFEGUARDING_WRITE),
    "safeguarding_api.designate": perm(Perm.SAFEGUARDING_WRITE),
    "safeguarding_api.revoke_designation": perm(Perm.SAFEGUARDING_WRITE),
    "safeguarding_api.include_in_grant": perm(Perm.SAFEGUARDING_WRITE),
    "safeguarding.raise_form": perm(Perm.SAFEGUARDING_RAISE),
    "safeguarding.raise_concern": perm(Perm.SAFEGUARDING_RAISE),
    "safeguarding.concerns": perm(Perm.SAFEGUARDING_READ),
    "safeguarding.concern": perm(Perm.SAFEGUARDING_READ),
    "safeguarding.add_step": perm(Perm.SAFEGUARDING_WRITE),
    "safeguarding.amend": perm(Perm.SAFEGUARDING_WRITE),
    "safeguarding.designations": perm(Perm.SAFEGUARDING_WRITE),
    "safeguarding.designate": perm(Perm.SAFEGUARDING_WRITE),
    "safeguarding.revoke": perm(Perm.SAFEGUARDING_WRITE),
    "safeguarding.include_in_grant": perm(Perm.SAFEGUARDING_WRITE),
}
NOTICED = "2026-09-07T00:30:00Z"
JSON_BODIES = {
    "safeguarding_api.raise_concern": {"child_id": "{child_id}", "category": "neglect", "noticed_at": NOTICED,
                                       "account": "午睡后无人更换尿布"},
    "safeguarding_api.add_step": {"kind": "note", "done_at": NOTICED, "done_by": "园长", "detail": "已约谈"},
    "safeguarding_api.amend_concern": {"field": "account", "value": "更正后的经过", "reason": "补充"},
    "safeguarding_api.designate": {"user_id": "{lead_user_id}"},
}
FORMS = {
    "safeguarding.raise_concern": {"child_id": "{child_id}", "category": "neglect", "noticed_at": "2026-09-07T08:30",
                                   "account": "午睡后无人更换尿布"},
    "safeguarding.add_step": {"kind": "note", "done_at": "2026-09-07T08:40", "done_by": "园长", "detail": "已约谈"},
    "safeguarding.amend": {"field": "account", "value": "更正后的经过", "reason": "补充"},
    "safeguarding.designate": {"user_id": "{lead_user_id}"},
}
# Withdrawing a designation and scoping a grant change what later requests see.
LAST = ("safeguarding_api.revoke_designation", "safeguarding.revoke", "safeguarding_api.include_in_grant",
        "safeguarding.include_in_grant")
ISOLATION_BODIES = {
    ("POST", "/api/v1/centres/<code>/safeguarding/concerns"): {
        "child_id": "{child_id}", "category": "neglect", "noticed_at": NOTICED, "account": "测试"},
    ("POST", "/api/v1/safeguarding/concerns/<concern_id>/steps"): {
        "kind": "note", "done_at": NOTICED, "done_by": "园长", "detail": "测试"},
    ("POST", "/api/v1/safeguarding/concerns/<concern_id>/amendments"): {
        "field": "account", "value": "测试", "reason": "测试"},
    ("POST", "/api/v1/centres/<code>/safeguarding/designations"): {"user_id": "{lead_user_id}"},
    ("POST", "/api/v1/centres/<code>/safeguarding/designations/<designation_id>/revoke"): None,
    ("POST", "/api/v1/centres/<code>/safeguarding/inspector-grants/<membership_id>"): None,
}


def objects(ctx: PartContext) -> dict[str, int]:
    """A concern about the family's child, a designated lead (and a second member of staff to designate), and an
    inspector's grant at the centre."""
    from server.auth.actor import Actor
    from server.auth.operations import create_user, grant_role
    from server.auth.roles import Role
    from server.centre.models import Centre
    from server.safeguarding.designations import designate_lead
    from server.safeguarding.operations import raise_concern

    system = Actor.system()
    centre: Centre = ctx.centre
    concern = raise_concern(centre, child_id=ctx.child.id, category="corporal_punishment",
                            noticed_at=ctx.now - timedelta(hours=1), account=f"{ctx.tag}{ctx.n} 罚站",
                            actor=system, now=ctx.now)
    lead = create_user(f"sg-lead-{ctx.tag}{ctx.n}", "保健员", None, actor=system, now=ctx.now)
    grant_role(lead, centre.id, Role.HEALTH, actor=system, now=ctx.now)
    other = create_user(f"sg-next-{ctx.tag}{ctx.n}", "保育员", None, actor=system, now=ctx.now)
    grant_role(other, centre.id, Role.CAREGIVER, actor=system, now=ctx.now)
    designation = designate_lead(centre, user_id=lead.id, actor=system, now=ctx.now - timedelta(minutes=1))
    inspector = create_user(f"sg-inspector-{ctx.tag}{ctx.n}", "检查员", None, actor=system, now=ctx.now)
    grant = grant_role(inspector, centre.id, Role.INSPECTOR, expires_at=ctx.now + timedelta(days=30), actor=system,
                       now=ctx.now)
    return {"concern_id": concern.id, "designation_id": designation.id, "lead_user_id": other.id,
            "membership_id": grant.id}
