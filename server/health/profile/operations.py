"""The health profile's writes and reads: allergies, 表5 conditions and entry exams (growth: `growth`).

Append-only: a correction or the end of an allergy is a new row amending the latest one, with the reason; a
closed 表5 entry has a closure row. Every write is audited; every read of a child's health is logged by the
API and the pages (`log_health_read`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.health import AllergyRecord, allergy_warnings, needs_new_entry_exam
from compliance.health.allergens import Allergen, AllergenKind
from compliance.health.allergens import allergen as find_allergen
from compliance.health.allergens import allergen_catalogue as _catalogue
from compliance.rulebook.model import Rulebook
from server.audit.operations import audit_record, log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.health.profile.models import (
    Allergy,
    AllergySeverity,
    ChronicCondition,
    ConditionClosure,
    EntryExam,
    GrowthMeasurement,
)
from server.people.models import Child
from server.people.operations import get_child

ALLERGY_FIELDS = ("child_id", "allergen", "kind", "severity", "reaction", "recorded_on", "ended_on", "amends_id",
                  "reason", "recorded_by_id")
CONDITION_FIELDS = ("child_id", "condition", "found_on", "plan", "managed_by", "amends_id", "reason",
                    "recorded_by_id")
CLOSURE_FIELDS = ("condition_id", "closed_on", "outcome", "recorded_by_id")
EXAM_FIELDS = ("child_id", "examined_on", "vaccination_checked", "passed", "examined_by", "note", "amends_id",
               "reason", "recorded_by_id")
MAX_TEXT, MAX_NAME, MAX_CONDITION = 2000, 60, 120
# app.extensions: (child_id, until) -> the centre-local days the child was checked in up to `until`, ascending
# (attendance's records, handed down by the app factory: health does not import attendance).
DAYS_PRESENT_KEY = "tuoyu.child_days_present"
DaysPresent = Callable[[int, date], Sequence[date]]
R = TypeVar("R", Allergy, ChronicCondition, EntryExam, GrowthMeasurement)


@dataclass(frozen=True)
class AllergyBadge:
    """An allergy in force, as the tablet and the meal form show it."""

    code: str
    label_zh: str
    label_en: str
    severity: str
    kind: AllergenKind  # food, drug or other: the kitchen asks for food allergies only (`active_allergies(kinds=)`)


def allergen_catalogue() -> Mapping[str, Allergen]:
    """The closed allergen list (compliance/health/allergens.yaml), code → Allergen, in file order."""
    return _catalogue()


# -- access ------------------------------------------------------------------------------------------------------

def child_for_health(child_id: int, perm: Perm, *, actor: Actor, now: datetime) -> Child:
    """A child whose health the actor may read (`HEALTH_READ`) or write (`HEALTH_WRITE`); family-scoped like people."""
    child = get_child(child_id, actor=actor, now=now, log=False)
    authorise(actor, Perm.HEALTH_READ, child.centre_id, now)
    if perm is not Perm.HEALTH_READ:
        authorise(actor, perm, child.centre_id, now)
    return child


def log_health_read(child: Child, what: str, *, actor: Actor, now: datetime) -> None:
    """Log a read of a child's health record (PIPL Art. 28): `what` names the part read."""
    log_access(centre_id=child.centre_id, user_id=actor.user_id, action="read", object_type="child_health",
               object_id=child.id, now=now, detail=what)


# -- chains of amendments ------------------------------------------------------------------------------------------

def latest(rows: Iterable[R]) -> list[R]:
    """The rows no later row amends (the current state of each chain), in id order."""
    listed = list(rows)
    amended = {r.amends_id for r in listed if r.amends_id is not None}
    return sorted((r for r in listed if r.id not in amended), key=lambda r: r.id)


def _is_amended(model: type[R], row: R) -> bool:
    return db.session.execute(select(model.id).where(model.amends_id == row.id)).first() is not None


def _refuse_if_amended(model: type[R], row: R) -> None:
    if _is_amended(model, row):
        raise Conflict(_l("Already corrected: amend the latest record"), code="already_amended")


def _rows(model: type[R], child_ids: Iterable[int]) -> list[R]:
    ids = list(child_ids)
    if not ids:
        return []
    return list(db.session.execute(select(model).where(model.child_id.in_(ids)).order_by(model.id)).scalars())


def _insert(row: Any, action: str, fields: tuple[str, ...], *, actor: Actor, now: datetime) -> Any:
    row.recorded_at, row.recorded_by_id = now, actor.user_id
    db.session.add(row)
    db.session.flush()
    audit_record(row, action, None, fields, actor=actor, now=now)
    return row


def _text(value: str | None) -> str:
    return (value or "").strip()


def _day(problems: ProblemCollector, name: str, value: date | None, child: Child, today: date) -> None:
    if value is None:
        problems.add("required", _l("The date is required"), name)
    elif value > today:
        problems.add("in_future", _l("The date is in the future"), name)
    elif value < child.born_on:
        problems.add("before_birth", _l("The date is before the child was born"), name)


def _length(problems: ProblemCollector, name: str, value: str, limit: int, *, required: bool = False) -> None:
    if required and not value:
        problems.add("required", _l("This is required"), name)
    elif len(value) > limit:
        problems.add("too_long", _l("Longer than %(n)s characters", n=limit), name)


# -- allergies -----------------------------------------------------------------------------------------------------

def _check_allergy(values: dict[str, Any], child: Child, today: date, problems: ProblemCollector) -> None:
    found = find_allergen(values.get("allergen") or "")
    if found is None:
        problems.add("unknown_allergen", _l("Not an allergen of the list"), "allergen")
    else:
        values["allergen"], values["kind"] = found.code, found.kind
    try:
        values["severity"] = AllergySeverity(values.get("severity") or "")
    except ValueError:
        problems.add("bad_choice", _l("Choose mild, moderate or severe"), "severity")
    values["reaction"] = _text(values.get("reaction"))
    _length(problems, "reaction", values["reaction"], MAX_TEXT)
    _day(problems, "recorded_on", values.get("recorded_on"), child, today)


def record_allergy(
    child: Child, *, allergen: str, severity: str, reaction: str = "", recorded_on: date, actor: Actor,
    now: datetime, today: date,
) -> Allergy:
    """Record an allergy against the closed list (an unknown code is refused); one allergen once while in force."""
    authorise(actor, Perm.HEALTH_WRITE, child.centre_id, now)
    values: dict[str, Any] = {"allergen": allergen, "severity": severity, "reaction": reaction,
                              "recorded_on": recorded_on}
    problems = ProblemCollector()
    _check_allergy(values, child, today, problems)
    if any(a.allergen == values["allergen"] and a.ended_on is None for a in latest(_rows(Allergy, [child.id]))):
        problems.add("already_recorded", _l("This allergy is already recorded"), "allergen")
    problems.raise_if_any()
    return _insert(Allergy(centre_id=child.centre_id, child_id=child.id, **values), "health_allergy.record",
                   ALLERGY_FIELDS, actor=actor, now=now)


def amend_allergy(
    original: Allergy, changes: Mapping[str, Any], *, reason: str, actor: Actor, now: datetime, today: date,
) -> Allergy:
    """Correct an allergy, or end it (`ended_on` among the changes): a new row amending the latest, with the reason."""
    authorise(actor, Perm.HEALTH_WRITE, original.centre_id, now)
    _refuse_if_amended(Allergy, original)
    child = db.session.get(Child, original.child_id)
    assert child is not None
    values: dict[str, Any] = {"allergen": original.allergen, "severity": original.severity.value,
                              "reaction": original.reaction, "recorded_on": original.recorded_on,
                              "ended_on": original.ended_on, **changes}
    problems = ProblemCollector()
    reason = _text(reason)
    _length(problems, "reason", reason, MAX_TEXT, required=True)
    _check_allergy(values, child, today, problems)
    ended = values.get("ended_on")
    if ended is not None and ended > today:
        problems.add("in_future", _l("The date is in the future"), "ended_on")
    elif ended is not None and values.get("recorded_on") and ended < values["recorded_on"]:
        problems.add("ends_before_recorded", _l("Ends before it was recorded"), "ended_on")
    problems.raise_if_any()
    return _insert(Allergy(centre_id=original.centre_id, child_id=original.child_id, amends_id=original.id,
                           reason=reason, **values),
                   "health_allergy.end" if ended and not original.ended_on else "health_allergy.amend",
                   ALLERGY_FIELDS, actor=actor, now=now)


def end_allergy(original: Allergy, *, ended_on: date, reason: str, actor: Actor, now: datetime,
                today: date) -> Allergy:
    """The allergy no longer holds from `ended_on` (an amendment row); refused when already ended."""
    if original.ended_on is not None:
        raise Conflict(_l("This allergy has already ended"), code="already_ended")
    return amend_allergy(original, {"ended_on": ended_on}, reason=reason, actor=actor, now=now, today=today)


def get_row(model: type[R], row_id: int, perm: Perm, *, actor: Actor, now: datetime) -> R:
    """One profile row, if the actor holds `perm` for its child (another centre's ids reveal nothing)."""
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound()
    child_for_health(row.child_id, perm, actor=actor, now=now)
    return row


def allergies_of(child_id: int) -> list[Allergy]:
    """The child's allergies as they stand (latest row of each), ended ones included."""
    return latest(_rows(Allergy, [child_id]))


def allergy_record(row: Allergy) -> AllergyRecord:
    return AllergyRecord(row.id, row.child_id, row.allergen, row.kind.value, row.severity.value, row.reaction,
                         row.recorded_on, row.ended_on)


def _badge(record: AllergyRecord) -> AllergyBadge:
    found = find_allergen(record.allergen)
    return AllergyBadge(record.allergen, found.zh if found else record.allergen, found.en if found else record.allergen,
                        record.severity, AllergenKind(record.kind))


def active_allergies(child_ids: Iterable[int], day: date, *,
                     kinds: Collection[AllergenKind] | None = None) -> dict[int, list[AllergyBadge]]:
    """Each child's allergies in force on `day` (children without any left out), most severe first.

    `kinds`: only allergies of these kinds (the kitchen: `{AllergenKind.FOOD}`; a drug allergy is none of its
    business); None: every kind.
    """
    order = {s.value: i for i, s in enumerate(reversed(AllergySeverity))}
    found: dict[int, list[AllergyBadge]] = {}
    wanted = None if kinds is None else {AllergenKind(k) for k in kinds}
    for row in latest(_rows(Allergy, child_ids)):
        if wanted is not None and row.kind not in wanted:
            continue
        record = allergy_record(row)
        if record.active_on(day):
            found.setdefault(row.child_id, []).append(_badge(record))
    return {child: sorted(badges, key=lambda b: order[b.severity]) for child, badges in found.items()}


def allergy_warnings_for(child_id: int, allergen_codes: Iterable[str], day: date) -> list[AllergyBadge]:
    """The child's allergies in force on `day` that a meal, bottle or drug with these allergen codes touches."""
    records = [allergy_record(r) for r in latest(_rows(Allergy, [child_id]))]
    return [_badge(r) for r in allergy_warnings(records, child_id, allergen_codes, day)]


# -- 表5 conditions ------------------------------------------------------------------------------------------------

def _check_condition(values: dict[str, Any], child: Child, today: date, problems: ProblemCollector) -> None:
    for name, limit, required in (("condition", MAX_CONDITION, True), ("plan", MAX_TEXT, False),
                                  ("managed_by", MAX_NAME, False)):
        values[name] = _text(values.get(name))
        _length(problems, name, values[name], limit, required=required)
    _day(problems, "found_on", values.get("found_on"), child, today)


def record_condition(
    child: Child, *, condition: str, found_on: date, plan: str = "", managed_by: str = "", actor: Actor,
    now: datetime, today: date,
) -> ChronicCondition:
    """Enter a condition in 表5 (营养性疾病及常见疾病): what, found when, the plan and who manages it."""
    authorise(actor, Perm.HEALTH_WRITE, child.centre_id, now)
    values: dict[str, Any] = {"condition": condition, "found_on": found_on, "plan": plan, "managed_by": managed_by}
    problems = ProblemCollector()
    _check_condition(values, child, today, problems)
    problems.raise_if_any()
    return _insert(ChronicCondition(centre_id=child.centre_id, child_id=child.id, **values),
                   "health_condition.record", CONDITION_FIELDS, actor=actor, now=now)


def closure_of(condition_id: int) -> ConditionClosure | None:
    return db.session.execute(select(ConditionClosure).where(ConditionClosure.condition_id == condition_id)
                              ).scalar_one_or_none()


def amend_condition(original: ChronicCondition, changes: Mapping[str, Any], *, reason: str, actor: Actor,
                    now: datetime, today: date) -> ChronicCondition:
    """Correct a 表5 entry still open: a new row amending the latest, with the reason."""
    authorise(actor, Perm.HEALTH_WRITE, original.centre_id, now)
    _refuse_if_amended(ChronicCondition, original)
    if closure_of(original.id) is not None:
        raise Conflict(_l("This entry is closed"), code="already_closed")
    child = db.session.get(Child, original.child_id)
    assert child is not None
    values = {"condition": original.condition, "found_on": original.found_on, "plan": original.plan,
              "managed_by": original.managed_by, **changes}
    problems = ProblemCollector()
    reason = _text(reason)
    _length(problems, "reason", reason, MAX_TEXT, required=True)
    _check_condition(values, child, today, problems)
    problems.raise_if_any()
    return _insert(ChronicCondition(centre_id=original.centre_id, child_id=original.child_id, amends_id=original.id,
                                    reason=reason, **values), "health_condition.amend", CONDITION_FIELDS,
                   actor=actor, now=now)


def close_condition(condition: ChronicCondition, *, closed_on: date, outcome: str, actor: Actor, now: datetime,
                    today: date) -> ConditionClosure:
    """Close a 表5 entry (结案) with the outcome (转归): its own row."""
    authorise(actor, Perm.HEALTH_WRITE, condition.centre_id, now)
    _refuse_if_amended(ChronicCondition, condition)
    if closure_of(condition.id) is not None:
        raise Conflict(_l("This entry is closed"), code="already_closed")
    problems = ProblemCollector()
    outcome = _text(outcome)
    _length(problems, "outcome", outcome, MAX_TEXT, required=True)
    if closed_on is None:
        problems.add("required", _l("The date is required"), "closed_on")
    elif closed_on > today:
        problems.add("in_future", _l("The date is in the future"), "closed_on")
    elif closed_on < condition.found_on:
        problems.add("closed_before_found", _l("Closed before it was found"), "closed_on")
    problems.raise_if_any()
    return _insert(ConditionClosure(centre_id=condition.centre_id, condition_id=condition.id, closed_on=closed_on,
                                    outcome=outcome), "health_condition.close", CLOSURE_FIELDS, actor=actor, now=now)


def conditions_of(child_ids: Iterable[int]) -> list[tuple[ChronicCondition, ConditionClosure | None]]:
    """The 表5 entries as they stand, each with its closure (None while open)."""
    rows = latest(_rows(ChronicCondition, child_ids))
    closures = {c.condition_id: c for c in db.session.execute(select(ConditionClosure).where(
        ConditionClosure.condition_id.in_([r.id for r in rows]))).scalars()} if rows else {}
    return [(r, closures.get(r.id)) for r in rows]


# -- entry exam ----------------------------------------------------------------------------------------------------

def _check_exam(values: dict[str, Any], child: Child, today: date, problems: ProblemCollector) -> None:
    for name, limit, required in (("examined_by", 120, True), ("note", MAX_TEXT, False)):
        values[name] = _text(values.get(name))
        _length(problems, name, values[name], limit, required=required)
    _day(problems, "examined_on", values.get("examined_on"), child, today)


def record_entry_exam(
    child: Child, *, examined_on: date, vaccination_checked: bool, passed: bool, examined_by: str, note: str = "",
    actor: Actor, now: datetime, today: date,
) -> EntryExam:
    """Record the entry health exam (入园体检) and whether the 预防接种证 was checked."""
    authorise(actor, Perm.HEALTH_WRITE, child.centre_id, now)
    values: dict[str, Any] = {"examined_on": examined_on, "vaccination_checked": bool(vaccination_checked),
                              "passed": bool(passed), "examined_by": examined_by, "note": note}
    problems = ProblemCollector()
    _check_exam(values, child, today, problems)
    problems.raise_if_any()
    return _insert(EntryExam(centre_id=child.centre_id, child_id=child.id, **values), "health_entry_exam.record",
                   EXAM_FIELDS, actor=actor, now=now)


def amend_entry_exam(original: EntryExam, changes: Mapping[str, Any], *, reason: str, actor: Actor, now: datetime,
                     today: date) -> EntryExam:
    """Correct an entry exam (e.g. the vaccination certificate checked later): a new row, with the reason."""
    authorise(actor, Perm.HEALTH_WRITE, original.centre_id, now)
    _refuse_if_amended(EntryExam, original)
    child = db.session.get(Child, original.child_id)
    assert child is not None
    values = {"examined_on": original.examined_on, "vaccination_checked": original.vaccination_checked,
              "passed": original.passed, "examined_by": original.examined_by, "note": original.note, **changes}
    problems = ProblemCollector()
    reason = _text(reason)
    _length(problems, "reason", reason, MAX_TEXT, required=True)
    _check_exam(values, child, today, problems)
    problems.raise_if_any()
    return _insert(EntryExam(centre_id=original.centre_id, child_id=original.child_id, amends_id=original.id,
                             reason=reason, **values), "health_entry_exam.amend", EXAM_FIELDS, actor=actor, now=now)


def entry_exams_of(child_ids: Iterable[int]) -> list[EntryExam]:
    return latest(_rows(EntryExam, child_ids))


@dataclass(frozen=True)
class EntryExamStatus:
    """The child's entry exam as the health page shows it."""

    last_exam: EntryExam | None
    vaccination_checked: bool
    needs_new_exam: bool
    absent_from: date | None = None  # the last day present before a long absence, when that is the reason
    back_on: date | None = None


def entry_exam_status(child: Child, today: date, rules: Rulebook) -> EntryExamStatus:
    """The child's entry exam: on file, certificate checked, and whether a new exam is needed.

    New exam: none on file, or back after an absence longer than the rule allows with no exam since.
    """
    exams = sorted(entry_exams_of([child.id]), key=lambda e: (e.examined_on, e.id))
    last = exams[-1] if exams else None
    if last is None:  # no exam on file: that is the reason, whatever the days present
        return EntryExamStatus(None, False, needs_new_entry_exam(None, today, None, rules))
    days_present: DaysPresent | None = current_app.extensions.get(DAYS_PRESENT_KEY)
    days = list(days_present(child.id, today)) if days_present is not None else []
    if today not in days:
        days.append(today)  # today counts as coming back
    previous: date | None = None
    gap: tuple[date, date] | None = None
    for day in days:
        if previous is not None and needs_new_entry_exam(previous, day, last.examined_on, rules):
            gap = (previous, day)  # the latest absence too long with no exam since
        previous = day
    if gap is not None:
        return EntryExamStatus(last, last.vaccination_checked, True, *gap)
    return EntryExamStatus(last, last.vaccination_checked, needs_new_entry_exam(None, today, last.examined_on, rules))
