"""Emergency preparedness's routes in the policy matrix and the isolation test: plans and read receipts, drills and
their corrective actions, fire checks and certificates, the isolation room and supplies.

Every member of staff and an inspector read (EMERGENCY_READ); the director publishes, plans, records and keeps the
stock (EMERGENCY_MANAGE); the monthly fire check is also the guard's (FIRE_CHECKS_WRITE). A guardian reaches none.
Confirming a plan needs a staff record: the matrix's principals have none, so an allowed one gets 409 (past the
gate). Bodies name staff id 1, which is nobody of the centre: an allowed director gets 422 (past the gate).
"""

from __future__ import annotations

from datetime import date, timedelta

from server.auth.actor import Actor
from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, perm

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
READ, MANAGE = perm(Perm.EMERGENCY_READ), perm(Perm.EMERGENCY_MANAGE)
CHECK_ITEMS = {item: {"is_ok": True} for item in ("extinguishers", "hydrants", "alarms", "evacuation_signs",
                                                  "emergency_lights", "exits_clear")}

NEEDS = {
    "preparedness_api.plan_library": READ,
    "preparedness_api.publish_plan": MANAGE,
    "preparedness_api.plan_version": READ,
    "preparedness_api.confirm_plan_read": READ,
    "preparedness_api.plan_version_file": READ,
    "preparedness_api.list_drills": READ,
    "preparedness_api.schedule_drill": MANAGE,
    "preparedness_api.record_drill": MANAGE,
    "preparedness_api.complete_drill_action": MANAGE,  # or the action's owner (the matrix has no owner principal)
    "preparedness_api.fire_overview": READ,
    "preparedness_api.record_fire_check": perm(Perm.FIRE_CHECKS_WRITE),
    "preparedness_api.record_fire_certificate": MANAGE,
    "preparedness_api.fire_certificate_file": READ,
    "preparedness_api.list_supplies": READ,
    "preparedness_api.record_supply_movement": MANAGE,
    "preparedness_api.set_supply_minimum": MANAGE,
    "preparedness_api.record_isolation_room": MANAGE,
    "preparedness_api.amend_drill": MANAGE,
    "preparedness_api.amend_fire_check": perm(Perm.FIRE_CHECKS_WRITE),
    "preparedness_api.cancel_drill_schedule": MANAGE,
    "preparedness.plans": READ,
    "preparedness.publish_form": MANAGE,
    "preparedness.publish": MANAGE,
    "preparedness.plan_version": READ,
    "preparedness.confirm_read": READ,
    "preparedness.drills": READ,
    "preparedness.schedule_drill": MANAGE,
    "preparedness.record_form": MANAGE,
    "preparedness.record_drill": MANAGE,
    "preparedness.complete_action": MANAGE,
    "preparedness.fire_safety": READ,
    "preparedness.check_form": perm(Perm.FIRE_CHECKS_WRITE),
    "preparedness.record_check": perm(Perm.FIRE_CHECKS_WRITE),
    "preparedness.record_certificate": MANAGE,
    "preparedness.supplies": READ,
    "preparedness.record_movement": MANAGE,
    "preparedness.set_minimum": MANAGE,
    "preparedness.record_isolation_room": MANAGE,
    "preparedness.correct_drill": MANAGE,
    "preparedness.correct_fire_check": perm(Perm.FIRE_CHECKS_WRITE),
    "preparedness.cancel_planned_drill": MANAGE,
}
DRILL = {"scenario": "fire", "held_at": "2026-09-07T00:00:00Z", "children_count": 10, "evacuation_s": 120,
         "duration_min": 20, "participant_ids": [1]}
JSON_BODIES = {
    "preparedness_api.publish_plan": {"scenario": "earthquake", "title": "地震应急预案", "body": "躲避、撤离、清点",
                                      "responsible_roles": ["director"]},
    "preparedness_api.schedule_drill": {"scenario": "fire", "planned_on": "2027-01-10"},
    "preparedness_api.record_drill": DRILL,
    "preparedness_api.complete_drill_action": {"done_on": "2026-09-07"},
    "preparedness_api.record_fire_check": {"checked_at": "2026-09-07T00:00:00Z", "items": CHECK_ITEMS},
    "preparedness_api.record_fire_certificate": {"issued_on": "2026-03-01", "valid_until": "2027-02-28",
                                                 "issuer": "区消防救援大队"},
    "preparedness_api.record_supply_movement": {"kind": "masks", "movement": "received", "quantity": 5},
    "preparedness_api.set_supply_minimum": {"kind": "masks", "minimum": 10},
    "preparedness_api.record_isolation_room": {"has_room": True, "location": "一楼观察室"},
    "preparedness_api.amend_drill": {"field": "problems", "value": "出口指示灯不亮（补记）", "reason": "补记"},
    "preparedness_api.amend_fire_check": {"field": "note", "value": "补记：灭火器压力正常", "reason": "补记"},
    "preparedness_api.cancel_drill_schedule": {"reason": "当天停电，改期"},
}
FORMS = {
    "preparedness.publish": {"scenario": "stampede", "title": "防踩踏应急预案", "body": "分批上下楼",
                             "responsible_roles": "caregiver"},
    "preparedness.confirm_read": {},
    "preparedness.schedule_drill": {"scenario": "fire", "planned_on": "2027-01-10"},
    "preparedness.record_drill": {"scenario": "fire", "held_at": "2026-09-07T08:00", "children_count": "10",
                                  "duration_min": "20", "participant_ids": "1"},
    "preparedness.complete_action": {"done_on": "2026-09-07"},
    "preparedness.record_check": {f"items.{item}": "ok" for item in CHECK_ITEMS},
    "preparedness.record_certificate": {"issued_on": "2026-03-01", "valid_until": "2027-02-28", "issuer": "消防"},
    "preparedness.record_movement": {"kind": "gloves", "movement": "received", "quantity": "5"},
    "preparedness.set_minimum": {"kind": "gloves", "minimum": "10"},
    "preparedness.record_isolation_room": {"has_room": "yes", "location": "一楼观察室", "checked_on": "2026-09-07"},
    "preparedness.correct_drill": {"field": "problems", "value": "补记问题", "reason": "补记"},
    "preparedness.correct_fire_check": {"field": "note", "value": "补记说明", "reason": "补记"},
    "preparedness.cancel_planned_drill": {"reason": "改期"},
}
# Marking an action done happens once (then 409, still past the gate): after the reads.
LAST = ("preparedness_api.complete_drill_action", "preparedness.complete_action",
        "preparedness_api.cancel_drill_schedule", "preparedness.cancel_planned_drill")  # once; then 409
ISOLATION_BODIES = {
    ("POST", "/api/v1/emergency-plan-versions/<plan_version_id>/read"): None,
    ("POST", "/api/v1/drill-actions/<drill_action_id>/done"): {"done_on": "2026-09-07"},
    ("POST", "/api/v1/drills/<drill_id>/amendments"): JSON_BODIES["preparedness_api.amend_drill"],
    ("POST", "/api/v1/fire-checks/<fire_check_id>/amendments"): JSON_BODIES["preparedness_api.amend_fire_check"],
    ("POST", "/api/v1/drill-schedules/<drill_schedule_id>/cancel"): JSON_BODIES["preparedness_api.cancel_drill_schedule"],
    **{("POST", f"/api/v1/centres/<code>/{path}"): JSON_BODIES[f"preparedness_api.{endpoint}"] for path, endpoint in (
        ("emergency-plans", "publish_plan"), ("drill-schedule", "schedule_drill"), ("drills", "record_drill"),
        ("fire-checks", "record_fire_check"), ("fire-certificates", "record_fire_certificate"),
        ("supplies/movements", "record_supply_movement"), ("supplies/minimums", "set_supply_minimum"),
        ("isolation-room", "record_isolation_room"))},
}


def objects(ctx: PartContext) -> dict[str, int]:
    """A plan version with its PDF, a drill with one corrective action owned by the centre's caregiver, a fire
    certificate with its scan, a monthly fire check and a planned drill."""
    from server.emergencies.drills import ActionValues, DrillValues, drill_lines, record_drill, schedule_drill
    from server.emergencies.fire_checks import ItemResult, record_certificate, record_check
    from server.emergencies.plans import publish_version
    from server.emergencies.preparedness_settings import preparedness_store

    system, now, store = Actor.system(), ctx.now, preparedness_store()
    version = publish_version(ctx.centre, scenario="fire", title=f"火灾应急预案{ctx.tag}{ctx.n}", body="报警、疏散",
                              responsible_roles=["director"], file=(PDF, "plan.pdf"), store=store, actor=system,
                              now=now)
    drill = record_drill(ctx.centre, DrillValues(
        scenario="fire", held_at=now - timedelta(hours=1), children_count=10, evacuation_s=100, duration_min=20,
        participant_ids=(ctx.staff.id,), actions=(ActionValues("清理通道", ctx.staff.id, date(2026, 9, 30)),)),
        actor=system, now=now)
    action = next(line for line in drill_lines(ctx.centre.id) if line.drill.id == drill.id).actions[0][0]
    cert = record_certificate(ctx.centre, issued_on=date(2026, 3, 1), valid_until=date(2027, 2, 28), issuer="消防",
                              file=PDF, store=store, actor=system, now=now)
    check = record_check(ctx.centre, results={k: ItemResult(True) for k in CHECK_ITEMS},
                         checked_at=now - timedelta(hours=1), actor=system, now=now)
    planned = schedule_drill(ctx.centre, scenario="earthquake", planned_on=date(2027, 1, 10), actor=system, now=now)
    return {"plan_version_id": version.id, "drill_action_id": action.id, "fire_certificate_id": cert.id,
            "drill_id": drill.id, "fire_check_id": check.id, "drill_schedule_id": planned.id}
