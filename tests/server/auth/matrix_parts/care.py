"""Care's routes in the policy matrix and the isolation test: naps and checks, the care log, notes, outdoor time.

A guardian reads their own child's records (a nap by its id too: `family=True`), never a whole class's
(`staff_only`).
"""

from __future__ import annotations

from compliance.care import SleepPosition
from server.auth.actor import Actor
from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, perm, staff_only

CHECK_BODY = {"position": "back", "breathing_ok": True, "colour_ok": True}
ENTRY_BODY = {"kind": "water", "ml": 100}
AMEND_BODY = {"reason": "毫升数记错", "ml": 120}
OUTDOOR_BODY = {"minutes": 30}
NOTE_BODY = {"kind": "observation", "domain": "language", "text": "今天第一次说出了“谢谢”。"}
NOTE_AMEND_BODY = {"reason": "写错了", "text": "今天第一次说出了“谢谢老师”。"}
EXEMPTION_BODY = {"day": "2026-09-07", "reason": "暴雨预警"}

NEEDS = {
    "care_api.start_nap": perm(Perm.CARE_WRITE),
    "care_api.get_nap": perm(Perm.CARE_READ, family=True),  # a guardian: their own child's naps only
    "care_api.check_nap": perm(Perm.CARE_WRITE),
    "care_api.end_nap": perm(Perm.CARE_WRITE),
    "care_api.room_naps": staff_only(Perm.CARE_READ),  # a whole class: never a guardian
    "care_api.log_entry": perm(Perm.CARE_WRITE),
    "care_api.amend_entry": perm(Perm.CARE_WRITE),
    "care_api.child_day": perm(Perm.CARE_READ),
    "care_api.record_outdoor": perm(Perm.CARE_WRITE),
    "care_api.room_outdoor": staff_only(Perm.CARE_READ),
    "care_api.record_exemption": perm(Perm.CARE_WRITE),
    "care_api.write_note": perm(Perm.CARE_WRITE),
    "care_api.amend_note": perm(Perm.CARE_WRITE),
    "care_api.child_notes": perm(Perm.CARE_READ),  # a guardian: their own child's notes shared with the family
}
JSON_BODIES = {
    "care_api.start_nap": {},
    "care_api.check_nap": CHECK_BODY,
    "care_api.end_nap": {},
    "care_api.log_entry": ENTRY_BODY,
    "care_api.amend_entry": AMEND_BODY,
    "care_api.record_outdoor": OUTDOOR_BODY,
    "care_api.record_exemption": EXEMPTION_BODY,
    "care_api.write_note": NOTE_BODY,
    "care_api.amend_note": NOTE_AMEND_BODY,
}
LAST = ("care_api.end_nap", "care_api.amend_note")
ISOLATION_BODIES = {
    ("POST", "/api/v1/children/<child_id>/naps"): {},
    ("POST", "/api/v1/naps/<nap_id>/checks"): CHECK_BODY,
    ("POST", "/api/v1/naps/<nap_id>/end"): {},
    ("POST", "/api/v1/children/<child_id>/care-entries"): ENTRY_BODY,
    ("POST", "/api/v1/care-entries/<care_entry_id>/amend"): AMEND_BODY,
    ("POST", "/api/v1/rooms/<room_id>/outdoor"): OUTDOOR_BODY,
    ("POST", "/api/v1/centres/<code>/outdoor-exemptions"): EXEMPTION_BODY,
    ("POST", "/api/v1/children/<child_id>/care-notes"): NOTE_BODY,
    ("POST", "/api/v1/care-notes/<care_note_id>/amend"): NOTE_AMEND_BODY,
}


def objects(ctx: PartContext) -> dict[str, int]:
    """A nap of the family's child with one check, a care entry and a note of the child."""
    from server.care.notes import write_note
    from server.care.operations.log import log_entry
    from server.care.operations.naps import record_nap_check, start_nap

    system = Actor.system()
    nap = start_nap(ctx.child, actor=system, now=ctx.now)
    record_nap_check(nap, position=SleepPosition.BACK, actor=system, now=ctx.now)
    entry = log_entry(ctx.child, kind="water", ml=90, actor=system, now=ctx.now)
    note = write_note(ctx.child, body="午饭吃得很香。", actor=system, now=ctx.now)
    return {"nap_id": nap.id, "care_entry_id": entry.id, "care_note_id": note.id}
