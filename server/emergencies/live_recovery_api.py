"""The live-emergency API after it: the review and the follow-ups.

The director's review of a closed emergency and its follow-up tasks (`emergency.manage`), each answering the
record whole.
"""

from __future__ import annotations

from server.apispec import responses, spec
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.clock import utcnow
from server.emergencies import followups, live
from server.emergencies.live_answers import sheet_out
from server.emergencies.live_api_blueprint import bp
from server.emergencies.live_schemas import DoneIn, FollowUpIn, ReviewIn, SheetOut
from server.idempotency import idempotent


@bp.post("/live-emergencies/<int:emergency_id>/review")
@idempotent
@spec.validate(json=ReviewIn, resp=responses(HTTP_201=SheetOut), tags=["emergencies"])
def review(emergency_id: int, json: ReviewIn):
    """The director's review of a closed emergency (once)."""
    actor, now = current_actor(), utcnow()
    emergency = live.get_emergency(emergency_id, actor=actor, now=now, perm=Perm.EMERGENCY_MANAGE)
    followups.add_review(emergency, what_happened=json.what_happened, what_worked=json.what_worked,
                         what_to_change=json.what_to_change, actor=actor, now=now)
    return sheet_out(emergency, now), 201


@bp.post("/live-emergencies/<int:emergency_id>/follow-ups")
@idempotent
@spec.validate(json=FollowUpIn, resp=responses(HTTP_201=SheetOut), tags=["emergencies"])
def add_follow_up(emergency_id: int, json: FollowUpIn):
    """A follow-up task with its owner and due date."""
    actor, now = current_actor(), utcnow()
    emergency = live.get_emergency(emergency_id, actor=actor, now=now, perm=Perm.EMERGENCY_MANAGE)
    followups.add_follow_up(emergency, what=json.what, owner_staff_id=json.owner_staff_id, due_on=json.due_on,
                            actor=actor, now=now)
    return sheet_out(emergency, now), 201


@bp.post("/emergency-follow-ups/<int:follow_up_id>/done")
@idempotent
@spec.validate(json=DoneIn, resp=responses(HTTP_201=SheetOut), tags=["emergencies"])
def complete_follow_up(follow_up_id: int, json: DoneIn):
    """A follow-up done, with a note (409 when already done)."""
    actor, now = current_actor(), utcnow()
    task = followups.get_follow_up(follow_up_id, actor=actor, now=now)
    followups.complete_follow_up(task, note=json.note, actor=actor, now=now)
    return sheet_out(live.get_emergency(task.emergency_id, actor=actor, now=now), now), 201
