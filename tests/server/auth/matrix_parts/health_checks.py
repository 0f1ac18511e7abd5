"""The 晨午检 routes in the policy matrix and the isolation test: record, correct, read, the queue, follow-ups."""

from __future__ import annotations

from decimal import Decimal

from compliance.health import CheckKind
from server.auth.actor import Actor
from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, perm

CHECK_BODY = {"kind": "morning", "temperature": 36.6}
AMEND_BODY = {"reason": "体温记错", "temperature": 36.8}
CLOSE_BODY = {"outcome": "家长接回就医"}
CHECK_FORM = {"kind": "morning", "temperature": "36.6", "hands_mouth_eyes_ok": "ok", "skin_ok": "ok",
              "spirits_ok": "ok", "asked_ok": "ok", "dangerous_objects_found": "no", "findings": ""}

NEEDS = {
    "health_checks_api.record_check": perm(Perm.HEALTH_CHECKS_WRITE),
    "health_checks_api.amend_check": perm(Perm.HEALTH_CHECKS_WRITE),
    "health_checks_api.list_child_checks": perm(Perm.HEALTH_READ, family=True),
    "health_checks_api.list_day_checks": perm(Perm.HEALTH_READ),  # a guardian: their own children's only
    "health_checks_api.queue": perm(Perm.HEALTH_CHECKS_WRITE),
    "health_checks_api.close_follow_up": perm(Perm.HEALTH_WRITE),
    "health_checks.queue": perm(Perm.HEALTH_CHECKS_WRITE),
    "health_checks.check_form": perm(Perm.HEALTH_CHECKS_WRITE),
    "health_checks.record": perm(Perm.HEALTH_CHECKS_WRITE),
    "health_checks.close_follow_up": perm(Perm.HEALTH_WRITE),
}
JSON_BODIES = {
    "health_checks_api.record_check": CHECK_BODY,
    "health_checks_api.amend_check": AMEND_BODY,
    "health_checks_api.close_follow_up": CLOSE_BODY,
}
FORMS = {
    "health_checks.record": CHECK_FORM,
    "health_checks.close_follow_up": CLOSE_BODY,
}
# Closing and correcting change the check (the first succeeds, later ones answer 409): after the reads.
LAST = ("health_checks_api.close_follow_up", "health_checks.close_follow_up", "health_checks_api.amend_check")
ISOLATION_BODIES = {
    ("POST", "/api/v1/children/<child_id>/health-checks"): CHECK_BODY,
    ("POST", "/api/v1/health-checks/<health_check_id>/amend"): AMEND_BODY,
    ("POST", "/api/v1/health-checks/<health_check_id>/close"): CLOSE_BODY,
}


def objects(ctx: PartContext) -> dict[str, int]:
    """An abnormal 晨检 of the family's child (its follow-up open)."""
    from server.health.checks.operations import record_check

    row = record_check(ctx.child, kind=CheckKind.MORNING, temperature=Decimal("38.2"), hands_mouth_eyes_ok=True,
                       skin_ok=True, spirits_ok=True, asked_ok=True, dangerous_objects_found=False, findings="",
                       to_observation_room=False, completes_id=None, actor=Actor.system(), now=ctx.now)
    return {"health_check_id": row.id}
