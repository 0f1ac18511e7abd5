"""Live emergencies' routes in the policy matrix and the isolation test: the live page and the shared roll call
(every member of staff), notices, close-out, review and follow-ups (the director), the record (director, inspectors).

The sweep must never leave an emergency open: an open one lets every staff role read the roll call
(`rooms.rollcall`), which would change another route's answer. So the objects are closed emergencies, the
openings carry a kind the operation refuses (422: past authorisation, nothing opened), and a tick says "present",
which answers 409 while none is open.
"""

from __future__ import annotations

from datetime import timedelta

from server.auth.actor import Actor
from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, perm

NEEDS = {
    "emergencies_live_api.list_emergencies": perm(Perm.EMERGENCY_READ),
    "emergencies_live_api.open_emergency": perm(Perm.EMERGENCY_RESPOND),
    "emergencies_live_api.current": perm(Perm.EMERGENCY_RESPOND),
    "emergencies_live_api.tick": perm(Perm.EMERGENCY_RESPOND),
    "emergencies_live_api.get_emergency": perm(Perm.EMERGENCY_READ),
    "emergencies_live_api.add_note": perm(Perm.EMERGENCY_RESPOND),
    "emergencies_live_api.notify": perm(Perm.EMERGENCY_MANAGE),
    "emergencies_live_api.close": perm(Perm.EMERGENCY_MANAGE),
    "emergencies_live_api.review": perm(Perm.EMERGENCY_MANAGE),
    "emergencies_live_api.add_follow_up": perm(Perm.EMERGENCY_MANAGE),
    "emergencies_live_api.complete_follow_up": perm(Perm.EMERGENCY_MANAGE),
    "emergencies_live.live_page": perm(Perm.EMERGENCY_RESPOND),
    "emergencies_live.open_by_hand": perm(Perm.EMERGENCY_RESPOND),
    "emergencies_live.add_note": perm(Perm.EMERGENCY_RESPOND),
    "emergencies_live.notify": perm(Perm.EMERGENCY_MANAGE),
    "emergencies_live.close": perm(Perm.EMERGENCY_MANAGE),
    "emergencies_live.records": perm(Perm.EMERGENCY_READ),
    "emergencies_live.record": perm(Perm.EMERGENCY_READ),
    "emergencies_live.review": perm(Perm.EMERGENCY_MANAGE),
    "emergencies_live.add_follow_up": perm(Perm.EMERGENCY_MANAGE),
    "emergencies_live.complete_follow_up": perm(Perm.EMERGENCY_MANAGE),
    "emergencies_live.by_alert": perm(Perm.EMERGENCY_RESPOND),
}
JSON_BODIES = {
    "emergencies_live_api.open_emergency": {"kind": "not-a-kind"},
    "emergencies_live_api.tick": {"person_kind": "child", "person_id": "{child_id}", "status": "present"},
    "emergencies_live_api.add_note": {"text": "已疏散到操场"},
    "emergencies_live_api.notify": {"template": "all_safe"},
    "emergencies_live_api.close": {"summary": "误报", "all_clear": True},
    "emergencies_live_api.review": {"what_happened": "厨房油烟触发烟感"},
    "emergencies_live_api.add_follow_up": {"what": "清洁烟感", "due_on": "2026-09-30"},
    "emergencies_live_api.complete_follow_up": {"note": "已清洁"},
}
FORMS = {
    "emergencies_live.open_by_hand": {"kind": ""},
    "emergencies_live.add_note": {"text": "已疏散"},
    "emergencies_live.notify": {"template": "all_safe"},
    "emergencies_live.close": {"summary": "误报", "all_clear": "yes"},
    "emergencies_live.review": {"what_happened": "厨房油烟触发烟感"},
    "emergencies_live.add_follow_up": {"what": "清洁烟感", "due_on": "2026-09-30"},
    "emergencies_live.complete_follow_up": {"note": "已清洁"},
}
ISOLATION_BODIES = {
    ("POST", "/api/v1/centres/<code>/live-emergencies"): {"kind": "fire"},
    ("POST", "/api/v1/centres/<code>/rollcall/ticks"): {"person_kind": "child", "person_id": "{child_id}",
                                                         "status": "present"},
    ("POST", "/api/v1/live-emergencies/<emergency_id>/notes"): {"text": "测试"},
    ("POST", "/api/v1/live-emergencies/<emergency_id>/notify"): {"template": "all_safe"},
    ("POST", "/api/v1/live-emergencies/<emergency_id>/close"): {"summary": "测试", "all_clear": True},
    ("POST", "/api/v1/live-emergencies/<emergency_id>/review"): {"what_happened": "测试"},
    ("POST", "/api/v1/live-emergencies/<emergency_id>/follow-ups"): {"what": "测试", "due_on": "2026-09-30"},
    ("POST", "/api/v1/emergency-follow-ups/<follow_up_id>/done"): {"note": "测试"},
}


def objects(ctx: PartContext) -> dict[str, int]:
    """A closed emergency of the family's centre with one follow-up (closed: see the module's docstring)."""
    from server.emergencies.followups import add_follow_up
    from server.emergencies.live import close_emergency, open_emergency

    system = Actor.system()
    emergency, _new = open_emergency(ctx.centre, kind="fire", summary=f"{ctx.tag}{ctx.n}", actor=system, now=ctx.now)
    close_emergency(emergency, summary="演练结束", all_clear=True, actor=system, now=ctx.now + timedelta(minutes=5))
    task = add_follow_up(emergency, what="清洁烟感", owner_staff_id=None, due_on=ctx.now.date() + timedelta(days=7),
                         actor=system, now=ctx.now)
    return {"emergency_id": emergency.id, "follow_up_id": task.id}
