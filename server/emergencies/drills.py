"""Emergency drills: schedule one, record it, and mark each of its corrective actions done.

A record names the participants, the children, the evacuation time, the problems found and corrective actions
with owners and due dates.

Recording a drill logs an emergency-training entry (`source="drill"`) for every participant through the staff
training log, so a drill counts as 应急知识 training in the staff record. How often drills must be held, and
actions done in time, is the rule `emergency.drills`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.staffing.records import TrainingCategory
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_today
from server.database import db
from server.emergencies.drills_models import (
    Drill,
    DrillAction,
    DrillActionDone,
    DrillParticipant,
    DrillSchedule,
    DrillScheduleCancellation,
)
from server.emergencies.plans_models import SCENARIO_LABELS, PlanScenario
from server.emergencies.preparedness import MAX_NOTE, MAX_TEXT, active_staff, audit_with, local_day, staff_of
from server.errors import Conflict, NotFound, ProblemCollector
from server.people.models import Staff
from server.staff.training import TrainingValues, record_training
from server.staff.training_models import TrainingSource

SCHEDULE_FIELDS = ("scenario", "planned_on", "note", "scheduled_by_id", "scheduled_at")
DRILL_FIELDS = ("schedule_id", "scenario", "held_at", "children_count", "evacuation_s", "duration_min", "problems",
                "recorded_by_id", "recorded_at")
ACTION_FIELDS = ("drill_id", "action", "owner_staff_id", "due_on", "created_at")
DONE_FIELDS = ("action_id", "done_on", "note", "recorded_by_id", "recorded_at")
MAX_CHILDREN = 500
MAX_EVACUATION_S = 3600
MAX_DURATION_MIN = 480


@dataclass(frozen=True)
class ActionValues:
    action: str
    owner_staff_id: int
    due_on: date


@dataclass(frozen=True)
class DrillValues:
    """What a recorded drill says (checked together, every problem reported at once)."""

    scenario: str
    held_at: datetime
    children_count: int
    evacuation_s: int | None
    duration_min: int
    problems: str = ""
    participant_ids: tuple[int, ...] = ()
    actions: tuple[ActionValues, ...] = field(default_factory=tuple)
    schedule_id: int | None = None


@dataclass(frozen=True)
class DrillLine:
    """A recorded drill with its participants and corrective actions (each with its completion, if any)."""

    drill: Drill
    participants: tuple[Staff, ...]
    actions: tuple[tuple[DrillAction, DrillActionDone | None], ...]


def _scenario(value: str, problems: ProblemCollector) -> None:
    if value not in {s.value for s in PlanScenario}:
        problems.add("bad_choice", _l("Choose one of the options."), "scenario")


def schedule_drill(centre: Centre, *, scenario: str, planned_on: date, note: str | None = None, actor: Actor,
                   now: datetime) -> DrillSchedule:
    """Plan a drill for a day (today or later)."""
    authorise(actor, Perm.EMERGENCY_MANAGE, centre.id, now)
    problems = ProblemCollector()
    _scenario(scenario, problems)
    if planned_on < centre_today(centre, now):
        problems.add("in_past", _l("Plan the drill for today or a later day"), "planned_on")
    text = (note or "").strip() or None
    if text is not None and len(text) > 200:
        problems.add("too_long", _l("At most %(most)s characters.", most=200), "note")
    problems.raise_if_any()
    row = DrillSchedule(centre_id=centre.id, scenario=PlanScenario(scenario), planned_on=planned_on, note=text,
                        scheduled_by_id=actor.user_id, scheduled_at=now)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "drill.schedule", None, SCHEDULE_FIELDS, actor=actor, now=now)
    return row


def _check_drill(centre: Centre, values: DrillValues, now: datetime, problems: ProblemCollector) -> dict[int, Staff]:
    _scenario(values.scenario, problems)
    if values.held_at > now:
        problems.add("in_future", _l("The drill's time is in the future"), "held_at")
    if not 0 <= values.children_count <= MAX_CHILDREN:
        problems.add("out_of_range", _l("Between %(low)s and %(high)s", low=0, high=MAX_CHILDREN), "children_count")
    if values.evacuation_s is not None and not 1 <= values.evacuation_s <= MAX_EVACUATION_S:
        problems.add("out_of_range", _l("Between %(low)s and %(high)s", low=1, high=MAX_EVACUATION_S), "evacuation_s")
    if not 1 <= values.duration_min <= MAX_DURATION_MIN:
        problems.add("out_of_range", _l("Between %(low)s and %(high)s", low=1, high=MAX_DURATION_MIN), "duration_min")
    if len(values.problems) > MAX_TEXT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_TEXT), "problems")
    held_on = local_day(centre, values.held_at)
    staff = {s.id: s for s in active_staff(centre.id, held_on)}
    if not values.participant_ids:
        problems.add("required", _l("Name who took part"), "participant_ids")
    elif any(i not in staff for i in values.participant_ids):
        problems.add("unknown_staff", _l("Choose members of this centre's staff"), "participant_ids")
    for n, action in enumerate(values.actions):
        text = action.action.strip()
        if not text or len(text) > MAX_NOTE:
            problems.add("required" if not text else "too_long",
                         _l("Say what must be done (at most %(most)s characters)", most=MAX_NOTE), f"actions.{n}.action")
        if action.owner_staff_id not in staff:
            problems.add("unknown_staff", _l("Choose members of this centre's staff"), f"actions.{n}.owner_staff_id")
        if action.due_on < held_on:
            problems.add("due_before_drill", _l("The due date is before the drill"), f"actions.{n}.due_on")
    if values.schedule_id is not None:
        planned = db.session.get(DrillSchedule, values.schedule_id)
        if planned is None or planned.centre_id != centre.id:
            problems.add("unknown_schedule", _l("No such planned drill"), "schedule_id")
        elif db.session.execute(select(Drill.id).where(Drill.schedule_id == planned.id)).first() is not None:
            problems.add("already_recorded", _l("This planned drill is already recorded"), "schedule_id")
        elif db.session.execute(select(DrillScheduleCancellation.id).where(
                DrillScheduleCancellation.schedule_id == planned.id)).first() is not None:
            problems.add("cancelled", _l("This planned drill was cancelled"), "schedule_id")
    return staff


def record_drill(centre: Centre, values: DrillValues, *, actor: Actor, now: datetime) -> Drill:
    """Record a drill held; each participant gets an emergency-training entry; each action its owner and due date."""
    authorise(actor, Perm.EMERGENCY_MANAGE, centre.id, now)
    problems = ProblemCollector()
    staff = _check_drill(centre, values, now, problems)
    problems.raise_if_any()
    drill = Drill(centre_id=centre.id, schedule_id=values.schedule_id, scenario=PlanScenario(values.scenario),
                  held_at=values.held_at, children_count=values.children_count, evacuation_s=values.evacuation_s,
                  duration_min=values.duration_min, problems=values.problems.strip(), recorded_by_id=actor.user_id,
                  recorded_at=now)
    db.session.add(drill)
    db.session.flush()
    participants = sorted(set(values.participant_ids))
    db.session.add_all(DrillParticipant(drill_id=drill.id, staff_id=staff_id) for staff_id in participants)
    audit_with(drill, "drill.record", DRILL_FIELDS, {"participant_ids": participants}, actor=actor, now=now)
    for action in values.actions:
        row = DrillAction(centre_id=centre.id, drill_id=drill.id, action=action.action.strip(),
                          owner_staff_id=action.owner_staff_id, due_on=action.due_on, created_at=now)
        db.session.add(row)
        db.session.flush()
        audit_record(row, "drill.action", None, ACTION_FIELDS, actor=actor, now=now)
    zh = SCENARIO_LABELS[drill.scenario][0]
    hours = (Decimal(values.duration_min) / 60).quantize(Decimal("0.01"))
    for staff_id in sorted(set(values.participant_ids)):
        record_training(staff[staff_id], TrainingValues(
            category=TrainingCategory.EMERGENCY, title=f"应急演练：{zh}", hours=hours, provider=centre.name,
            held_on=local_day(centre, values.held_at)), source=TrainingSource.DRILL, source_ref=f"drill:{drill.id}",
            actor=actor, now=now)
    return drill


def get_drill(drill_id: int, *, actor: Actor, now: datetime) -> Drill:
    drill = db.session.get(Drill, drill_id)
    if drill is None:
        raise NotFound()
    authorise(actor, Perm.EMERGENCY_READ, drill.centre_id, now)
    return drill


def get_action(action_id: int, *, actor: Actor, now: datetime) -> DrillAction:
    action = db.session.get(DrillAction, action_id)
    if action is None:
        raise NotFound()
    authorise(actor, Perm.EMERGENCY_READ, action.centre_id, now)
    return action


def complete_action(action: DrillAction, *, done_on: date, note: str | None = None, actor: Actor,
                    now: datetime) -> DrillActionDone:
    """Mark a corrective action done (once): the director, or the member of staff who owns it."""
    centre = centre_by_id(action.centre_id)
    today = centre_today(centre, now)
    me = staff_of(actor, centre.id, today)
    if not (me is not None and me.id == action.owner_staff_id):
        authorise(actor, Perm.EMERGENCY_MANAGE, centre.id, now)
    else:
        authorise(actor, Perm.EMERGENCY_READ, centre.id, now)
    drill = db.session.get(Drill, action.drill_id)
    assert drill is not None
    problems = ProblemCollector()
    if done_on > today:
        problems.add("in_future", _l("The date is in the future"), "done_on")
    elif done_on < local_day(centre, drill.held_at):
        problems.add("done_before_drill", _l("The date is before the drill"), "done_on")
    text = (note or "").strip() or None
    if text is not None and len(text) > 200:
        problems.add("too_long", _l("At most %(most)s characters.", most=200), "note")
    problems.raise_if_any()
    if done_of(action.id) is not None:
        raise Conflict(_l("This action is already marked done"), code="already_done")
    row = DrillActionDone(centre_id=centre.id, action_id=action.id, done_on=done_on, note=text,
                          recorded_by_id=actor.user_id, recorded_at=now)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "drill.action_done", None, DONE_FIELDS, actor=actor, now=now)
    return row


def done_of(action_id: int) -> DrillActionDone | None:
    return db.session.execute(select(DrillActionDone).where(DrillActionDone.action_id == action_id)).scalar_one_or_none()


def drill_lines(centre_id: int, *, until: datetime | None = None, since: datetime | None = None) -> list[DrillLine]:
    """Recorded drills (newest first), with participants and actions."""
    stmt = select(Drill).where(Drill.centre_id == centre_id)
    if until is not None:
        stmt = stmt.where(Drill.held_at < until)
    if since is not None:
        stmt = stmt.where(Drill.held_at >= since)
    drills = list(db.session.execute(stmt.order_by(Drill.held_at.desc(), Drill.id.desc())).scalars())
    ids = [d.id for d in drills]
    people: dict[int, list[Staff]] = {i: [] for i in ids}
    for drill_id, staff in db.session.execute(select(DrillParticipant.drill_id, Staff).join(
            Staff, Staff.id == DrillParticipant.staff_id).where(DrillParticipant.drill_id.in_(ids))
            .order_by(Staff.name)):
        people[drill_id].append(staff)
    actions: dict[int, list[tuple[DrillAction, DrillActionDone | None]]] = {i: [] for i in ids}
    for action, done in db.session.execute(select(DrillAction, DrillActionDone).outerjoin(
            DrillActionDone, DrillActionDone.action_id == DrillAction.id).where(DrillAction.drill_id.in_(ids))
            .order_by(DrillAction.due_on, DrillAction.id)):
        actions[action.drill_id].append((action, done))
    return [DrillLine(d, tuple(people[d.id]), tuple(actions[d.id])) for d in drills]


def list_drills(centre: Centre, *, actor: Actor, now: datetime) -> list[DrillLine]:
    authorise(actor, Perm.EMERGENCY_READ, centre.id, now)
    return drill_lines(centre.id)


def upcoming(centre: Centre, *, actor: Actor, now: datetime, from_day: date | None = None) -> list[DrillSchedule]:
    """Planned drills from today (or `from_day`) on, not yet recorded nor cancelled, soonest first."""
    authorise(actor, Perm.EMERGENCY_READ, centre.id, now)
    recorded = select(Drill.schedule_id).where(Drill.centre_id == centre.id, Drill.schedule_id.is_not(None))
    cancelled = select(DrillScheduleCancellation.schedule_id).where(DrillScheduleCancellation.centre_id == centre.id)
    return list(db.session.execute(select(DrillSchedule).where(
        DrillSchedule.centre_id == centre.id, DrillSchedule.planned_on >= (from_day or centre_today(centre, now)),
        DrillSchedule.id.not_in(recorded), DrillSchedule.id.not_in(cancelled))
        .order_by(DrillSchedule.planned_on, DrillSchedule.id)).scalars())


def open_actions(centre_id: int) -> list[DrillAction]:
    """Corrective actions not done yet, earliest due first."""
    done = select(DrillActionDone.action_id).where(DrillActionDone.centre_id == centre_id)
    return list(db.session.execute(select(DrillAction).where(
        DrillAction.centre_id == centre_id, DrillAction.id.not_in(done)).order_by(DrillAction.due_on)).scalars())
