"""The health profile (allergies, 表5, entry exams, growth): its routes in the policy matrix and the isolation test."""

from __future__ import annotations

from datetime import timedelta

from server.auth.roles import Perm
from server.health.profile import growth as growth_ops
from server.health.profile import operations as ops
from tests.factories import SYSTEM
from tests.server.auth.matrix_parts._base import USER, PartContext, perm

ALLERGY = {"allergen": "sesame", "severity": "mild", "reaction": "皮疹"}
ALLERGY_AMEND = {"reason": "更正", "severity": "moderate"}
ALLERGY_END = {"reason": "复查阴性"}
CONDITION = {"condition": "轻度贫血", "found_on": "2026-09-01", "plan": "补铁", "managed_by": "王保健员"}
CONDITION_AMEND = {"reason": "补充", "plan": "补铁，复查血常规"}
CONDITION_CLOSE = {"closed_on": "2026-09-07", "outcome": "痊愈"}
EXAM = {"examined_on": "2026-02-20", "vaccination_checked": True, "passed": True, "examined_by": "区妇幼保健院"}
EXAM_AMEND = {"reason": "补查", "vaccination_checked": True}
MEASUREMENT = {"measured_on": "2026-09-01", "weight_kg": "11.0", "measured_by": "王保健员"}
MEASUREMENT_AMEND = {"reason": "读错", "weight_kg": "11.2"}

NEEDS = {
    "health_profile_api.allergens": USER,  # the closed list itself is no one's health data
    "health_profile_api.list_allergies": perm(Perm.HEALTH_READ, family=True),
    "health_profile_api.record_allergy": perm(Perm.HEALTH_WRITE),
    "health_profile_api.amend_allergy": perm(Perm.HEALTH_WRITE),
    "health_profile_api.end_allergy": perm(Perm.HEALTH_WRITE),
    "health_profile_api.list_conditions": perm(Perm.HEALTH_READ, family=True),
    "health_profile_api.record_condition": perm(Perm.HEALTH_WRITE),
    "health_profile_api.amend_condition": perm(Perm.HEALTH_WRITE),
    "health_profile_api.close_condition": perm(Perm.HEALTH_WRITE),
    "health_profile_api.list_entry_exams": perm(Perm.HEALTH_READ, family=True),
    "health_profile_api.record_entry_exam": perm(Perm.HEALTH_WRITE),
    "health_profile_api.amend_entry_exam": perm(Perm.HEALTH_WRITE),
    "health_profile_api.list_measurements": perm(Perm.HEALTH_READ, family=True),
    "health_profile_api.record_measurement": perm(Perm.HEALTH_WRITE),
    "health_profile_api.amend_measurement": perm(Perm.HEALTH_WRITE),
    "health_profile.child_health": perm(Perm.HEALTH_READ, family=True),
    "health_profile.record_allergy": perm(Perm.HEALTH_WRITE),
    "health_profile.end_allergy": perm(Perm.HEALTH_WRITE),
    "health_profile.record_condition": perm(Perm.HEALTH_WRITE),
    "health_profile.close_condition": perm(Perm.HEALTH_WRITE),
    "health_profile.record_entry_exam": perm(Perm.HEALTH_WRITE),
    "health_profile.record_measurement": perm(Perm.HEALTH_WRITE),
}
JSON_BODIES = {
    "health_profile_api.record_allergy": ALLERGY, "health_profile_api.amend_allergy": ALLERGY_AMEND,
    "health_profile_api.end_allergy": ALLERGY_END, "health_profile_api.record_condition": CONDITION,
    "health_profile_api.amend_condition": CONDITION_AMEND, "health_profile_api.close_condition": CONDITION_CLOSE,
    "health_profile_api.record_entry_exam": EXAM, "health_profile_api.amend_entry_exam": EXAM_AMEND,
    "health_profile_api.record_measurement": MEASUREMENT, "health_profile_api.amend_measurement": MEASUREMENT_AMEND,
}
FORMS = {
    "health_profile.record_allergy": {"allergen": "buckwheat", "severity": "mild"},
    "health_profile.end_allergy": {"ended_on": "2026-09-07", "reason": "复查阴性"},
    "health_profile.record_condition": CONDITION,
    "health_profile.close_condition": CONDITION_CLOSE,
    "health_profile.record_entry_exam": {"examined_on": "2026-02-20", "examined_by": "区妇幼保健院",
                                         "vaccination_checked": "y", "passed": "y"},
    "health_profile.record_measurement": {"measured_on": "2026-09-01", "weight_kg": "11.0", "measured_by": "王"},
}
LAST = ("health_profile_api.amend_allergy", "health_profile_api.end_allergy", "health_profile.end_allergy",
        "health_profile_api.amend_condition", "health_profile_api.close_condition", "health_profile.close_condition",
        "health_profile_api.amend_entry_exam", "health_profile_api.amend_measurement")
ISOLATION_BODIES = {
    ("POST", "/api/v1/children/<child_id>/allergies"): ALLERGY,
    ("POST", "/api/v1/allergies/<allergy_id>/amend"): ALLERGY_AMEND,
    ("POST", "/api/v1/allergies/<allergy_id>/end"): ALLERGY_END,
    ("POST", "/api/v1/children/<child_id>/conditions"): CONDITION,
    ("POST", "/api/v1/conditions/<condition_id>/amend"): CONDITION_AMEND,
    ("POST", "/api/v1/conditions/<condition_id>/close"): CONDITION_CLOSE,
    ("POST", "/api/v1/children/<child_id>/entry-exams"): EXAM,
    ("POST", "/api/v1/entry-exams/<exam_id>/amend"): EXAM_AMEND,
    ("POST", "/api/v1/children/<child_id>/measurements"): MEASUREMENT,
    ("POST", "/api/v1/measurements/<measurement_id>/amend"): MEASUREMENT_AMEND,
}


def objects(ctx: PartContext) -> dict[str, int]:
    """A peanut allergy, an open 表5 entry, an entry exam and a measurement of the family's child."""
    today = ctx.now.date()
    allergy = ops.record_allergy(ctx.child, allergen="peanuts", severity="severe", recorded_on=today - timedelta(days=30),
                                 actor=SYSTEM, now=ctx.now, today=today)
    condition = ops.record_condition(ctx.child, condition="龋齿", found_on=today - timedelta(days=10), actor=SYSTEM,
                                     now=ctx.now, today=today)
    exam = ops.record_entry_exam(ctx.child, examined_on=ctx.child.enrolled_on, vaccination_checked=False, passed=True,
                                 examined_by="区妇幼保健院", actor=SYSTEM, now=ctx.now, today=today)
    measurement = growth_ops.record_measurement(ctx.child, measured_on=today - timedelta(days=5), weight_kg="11.0",
                                                measured_by="王保健员", actor=SYSTEM, now=ctx.now, today=today)
    return {"allergy_id": allergy.id, "condition_id": condition.id, "exam_id": exam.id,
            "measurement_id": measurement.id}
