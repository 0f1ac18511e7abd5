"""Corrections of preparedness records: amend a drill or a fire check, cancel a planned drill.

Records are never edited in place.
An amendment names one field, its value before and after and why; it is audited and listed in the pack's registers,
and the records are read through their amendments (`drill_values`, `check_values`). A correction of when a drill
was held or a check done counts from when the correction was written (`recorded_from`): typing an earlier date
afterwards does not erase a gap. A cancelled planned drill leaves the plan and can no longer be recorded against.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.audit.operations import audit_record, format_instant
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.emergencies.drills import MAX_CHILDREN, MAX_DURATION_MIN, MAX_EVACUATION_S
from server.emergencies.drills_models import Drill, DrillAmendment, DrillSchedule, DrillScheduleCancellation
from server.emergencies.fire_checks_models import FireCheck, FireCheckAmendment, FireCheckItem, FireItem
from server.emergencies.preparedness import MAX_NOTE, MAX_TEXT
from server.errors import Conflict, NotFound, ProblemCollector

A = TypeVar("A", DrillAmendment, FireCheckAmendment)
R = TypeVar("R", DrillSchedule, FireCheck)
AMENDMENT_FIELDS = ("field", "old_value", "new_value", "reason", "amended_by_id", "amended_at")
CANCEL_FIELDS = ("schedule_id", "reason", "cancelled_by_id", "cancelled_at")
DRILL_AMENDABLE = ("held_at", "children_count", "evacuation_s", "duration_min", "problems")
CHECK_AMENDABLE = ("checked_at", "note", *(f"items.{item.value}" for item in FireItem))
WHEN = {"held_at", "checked_at"}  # the fields that say when: corrected, they count from the correction


def _reason(reason: str, problems: ProblemCollector) -> str:
    text = reason.strip()
    if not text:
        problems.add("required", _l("Say why it is corrected"), "reason")
    elif len(text) > MAX_NOTE:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_NOTE), "reason")
    return text


def _instant(value: Any, now: datetime, problems: ProblemCollector) -> str | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        problems.add("bad_instant", _l("Give a date and time with its time zone"), "value")
        return None
    if at > now:
        problems.add("in_future", _l("The time is in the future"), "value")
    return format_instant(at)


def _whole(value: Any, low: int, high: int, problems: ProblemCollector, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add("out_of_range", _l("Between %(low)s and %(high)s", low=low, high=high), "value")
        return None
    return value


def _drill_value(field: str, value: Any, now: datetime, problems: ProblemCollector) -> Any:
    if field == "held_at":
        return _instant(value, now, problems)
    if field == "children_count":
        return _whole(value, 0, MAX_CHILDREN, problems)
    if field == "evacuation_s":
        return _whole(value, 1, MAX_EVACUATION_S, problems, optional=True)
    if field == "duration_min":
        return _whole(value, 1, MAX_DURATION_MIN, problems)
    text = str(value or "").strip()
    if len(text) > MAX_TEXT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_TEXT), "value")
    return text


def _check_value(field: str, value: Any, now: datetime, problems: ProblemCollector) -> Any:
    if field == "checked_at":
        return _instant(value, now, problems)
    if field == "note":
        text = str(value or "").strip()
        if len(text) > 300:
            problems.add("too_long", _l("At most %(most)s characters.", most=300), "value")
        return text or None
    # an item: {"is_ok": true} or {"is_ok": false, "note": "what is wrong"}
    if not isinstance(value, dict) or not isinstance(value.get("is_ok"), bool):
        problems.add("bad_item", _l("Say whether the item is ok, or what is wrong"), "value")
        return None
    note = str(value.get("note") or "").strip() or None
    if not value["is_ok"] and note is None:
        problems.add("fault_without_note", _l("Say what is wrong"), "value")
    elif note is not None and len(note) > 200:
        problems.add("too_long", _l("At most %(most)s characters.", most=200), "value")
    return {"is_ok": value["is_ok"], "note": note}


def _amendments_of(model: type[A], parent: Any, ids: Iterable[int]) -> dict[int, list[A]]:
    wanted = list(ids)
    out: dict[int, list[A]] = {i: [] for i in wanted}
    for row in db.session.execute(select(model).where(parent.in_(wanted)).order_by(model.amended_at, model.id))\
            .scalars():
        out[getattr(row, parent.key)].append(row)
    return out


def drill_amendments(drill_ids: Iterable[int]) -> dict[int, list[DrillAmendment]]:
    """Each drill's amendments, oldest first."""
    return _amendments_of(DrillAmendment, DrillAmendment.drill_id, drill_ids)


def check_amendments(check_ids: Iterable[int]) -> dict[int, list[FireCheckAmendment]]:
    """Each check's amendments, oldest first."""
    return _amendments_of(FireCheckAmendment, FireCheckAmendment.check_id, check_ids)


def _stored(field: str, value: Any) -> Any:
    return format_instant(value) if field in WHEN else value


def drill_values(drill: Drill, amendments: Iterable[DrillAmendment] = ()) -> dict[str, Any]:
    """The drill as it stands: what was recorded, with each amendment applied in turn (instants as datetimes)."""
    values: dict[str, Any] = {field: getattr(drill, field) for field in DRILL_AMENDABLE}
    for row in amendments:
        values[row.field] = datetime.fromisoformat(row.new_value) if row.field in WHEN else row.new_value
    return values


def check_values(check: FireCheck, items: Iterable[FireCheckItem],
                 amendments: Iterable[FireCheckAmendment] = ()) -> dict[str, Any]:
    """The check as it stands: its time, note and each item's {"is_ok", "note"}, amendments applied in turn."""
    values: dict[str, Any] = {"checked_at": check.checked_at, "note": check.note}
    values |= {f"items.{i.item.value}": {"is_ok": i.is_ok, "note": i.note} for i in items}
    for row in amendments:
        values[row.field] = datetime.fromisoformat(row.new_value) if row.field in WHEN else row.new_value
    return values


def recorded_from(recorded_at: datetime, amendments: Iterable[DrillAmendment | FireCheckAmendment]) -> datetime:
    """From when the record's date is on record: when written, or when its date was last corrected."""
    return max([recorded_at, *(a.amended_at for a in amendments if a.field in WHEN)])


def _amend(row: DrillAmendment | FireCheckAmendment, action: str, actor: Actor, now: datetime) -> None:
    db.session.add(row)
    db.session.flush()
    audit_record(row, action, None, AMENDMENT_FIELDS + (("drill_id",) if isinstance(row, DrillAmendment)
                                                        else ("check_id",)), actor=actor, now=now)


def amend_drill(drill: Drill, *, field: str, value: Any, reason: str, actor: Actor, now: datetime) -> DrillAmendment:
    """Correct one field of a recorded drill (the director): an audited amendment row, the drill kept as it was."""
    authorise(actor, Perm.EMERGENCY_MANAGE, drill.centre_id, now)
    problems = ProblemCollector()
    if field not in DRILL_AMENDABLE:
        problems.add("bad_choice", _l("Choose one of the options."), "field")
    why = _reason(reason, problems)
    problems.raise_if_any()
    new = _drill_value(field, value, now, problems)
    problems.raise_if_any()
    old = _stored(field, drill_values(drill, drill_amendments([drill.id])[drill.id])[field])
    if old == new:
        raise Conflict(_l("The value is the same as before"), code="unchanged")
    row = DrillAmendment(centre_id=drill.centre_id, drill_id=drill.id, field=field, old_value=old, new_value=new,
                         reason=why, amended_by_id=actor.user_id, amended_at=now)
    _amend(row, "drill.amend", actor, now)
    return row


def amend_check(check: FireCheck, *, field: str, value: Any, reason: str, actor: Actor,
                now: datetime) -> FireCheckAmendment:
    """Correct a monthly fire check's time, note or one item's result: an audited amendment row."""
    authorise(actor, Perm.FIRE_CHECKS_WRITE, check.centre_id, now)
    problems = ProblemCollector()
    if field not in CHECK_AMENDABLE:
        problems.add("bad_choice", _l("Choose one of the options."), "field")
    why = _reason(reason, problems)
    problems.raise_if_any()
    new = _check_value(field, value, now, problems)
    problems.raise_if_any()
    items = db.session.execute(select(FireCheckItem).where(FireCheckItem.check_id == check.id)).scalars()
    old = _stored(field, check_values(check, items, check_amendments([check.id])[check.id]).get(field))
    if old == new:
        raise Conflict(_l("The value is the same as before"), code="unchanged")
    row = FireCheckAmendment(centre_id=check.centre_id, check_id=check.id, field=field, old_value=old, new_value=new,
                             reason=why, amended_by_id=actor.user_id, amended_at=now)
    _amend(row, "fire.check_amend", actor, now)
    return row


def cancellation_of(schedule_id: int) -> DrillScheduleCancellation | None:
    return db.session.execute(select(DrillScheduleCancellation).where(
        DrillScheduleCancellation.schedule_id == schedule_id)).scalar_one_or_none()


def cancel_schedule(planned: DrillSchedule, *, reason: str, actor: Actor, now: datetime) -> DrillScheduleCancellation:
    """Call off a planned drill, with why (once; not one already recorded as held)."""
    authorise(actor, Perm.EMERGENCY_MANAGE, planned.centre_id, now)
    problems = ProblemCollector()
    why = _reason(reason, problems)
    problems.raise_if_any()
    if cancellation_of(planned.id) is not None:
        raise Conflict(_l("This planned drill is already cancelled"), code="already_cancelled")
    if db.session.execute(select(Drill.id).where(Drill.schedule_id == planned.id)).first() is not None:
        raise Conflict(_l("This planned drill is already recorded"), code="already_recorded")
    row = DrillScheduleCancellation(centre_id=planned.centre_id, schedule_id=planned.id, reason=why,
                                    cancelled_by_id=actor.user_id, cancelled_at=now)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "drill.cancel", None, CANCEL_FIELDS, actor=actor, now=now)
    return row


def _readable(model: type[R], row_id: int, actor: Actor, now: datetime) -> R:
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound()
    authorise(actor, Perm.EMERGENCY_READ, row.centre_id, now)
    return row


def get_schedule(schedule_id: int, *, actor: Actor, now: datetime) -> DrillSchedule:
    return _readable(DrillSchedule, schedule_id, actor, now)


def get_check(check_id: int, *, actor: Actor, now: datetime) -> FireCheck:
    return _readable(FireCheck, check_id, actor, now)
