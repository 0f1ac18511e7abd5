"""JSON API of preparedness corrections: amend a recorded drill or a monthly fire check, cancel a planned drill.

Thin: parse, call the operation (corrections.py: it authorises, refuses and audits), serialise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from server.apispec import Schema, responses, spec
from server.auth.session import current_actor
from server.clock import utcnow
from server.emergencies import corrections
from server.emergencies import drills as drill_ops
from server.emergencies.preparedness_api_blueprint import TAGS, bp


class AmendIn(Schema):
    field: str = Field(max_length=40, description="drill: held_at | children_count | evacuation_s | duration_min | "
                                                  "problems; fire check: checked_at | note | items.<item>")
    value: Any = Field(None, description='the corrected value; an item: {"is_ok": false, "note": "…"}')
    reason: str = Field(max_length=300)


class AmendmentOut(Schema):
    id: int
    field: str
    old_value: Any
    new_value: Any
    reason: str
    amended_at: datetime


class CancelIn(Schema):
    reason: str = Field(max_length=300)


class CancelOut(Schema):
    id: int
    schedule_id: int
    reason: str
    cancelled_at: datetime


def _out(row: Any) -> AmendmentOut:
    return AmendmentOut(id=row.id, field=row.field, old_value=row.old_value, new_value=row.new_value,
                        reason=row.reason, amended_at=row.amended_at)


@bp.post("/drills/<int:drill_id>/amendments")
@spec.validate(json=AmendIn, resp=responses(HTTP_201=AmendmentOut), tags=TAGS)
def amend_drill(drill_id: int, json: AmendIn):
    """Correct one field of a recorded drill (the director); the drill is kept as recorded, the amendment audited."""
    actor, now = current_actor(), utcnow()
    drill = drill_ops.get_drill(drill_id, actor=actor, now=now)
    return _out(corrections.amend_drill(drill, field=json.field, value=json.value, reason=json.reason, actor=actor,
                                        now=now)), 201


@bp.post("/fire-checks/<int:fire_check_id>/amendments")
@spec.validate(json=AmendIn, resp=responses(HTTP_201=AmendmentOut), tags=TAGS)
def amend_fire_check(fire_check_id: int, json: AmendIn):
    """Correct a monthly fire check's time, note or one item's result (who records checks)."""
    actor, now = current_actor(), utcnow()
    check = corrections.get_check(fire_check_id, actor=actor, now=now)
    return _out(corrections.amend_check(check, field=json.field, value=json.value, reason=json.reason, actor=actor,
                                        now=now)), 201


@bp.post("/drill-schedules/<int:drill_schedule_id>/cancel")
@spec.validate(json=CancelIn, resp=responses(HTTP_201=CancelOut), tags=TAGS)
def cancel_drill_schedule(drill_schedule_id: int, json: CancelIn):
    """Call off a planned drill, with why (409 when already cancelled or recorded)."""
    actor, now = current_actor(), utcnow()
    planned = corrections.get_schedule(drill_schedule_id, actor=actor, now=now)
    row = corrections.cancel_schedule(planned, reason=json.reason, actor=actor, now=now)
    return CancelOut(id=row.id, schedule_id=row.schedule_id, reason=row.reason, cancelled_at=row.cancelled_at), 201
