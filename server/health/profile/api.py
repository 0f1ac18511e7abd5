"""JSON API of the health profile: allergies, 表5 conditions, entry exams and growth (every read logged)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Blueprint
from pydantic import Field

from compliance.health import assess
from compliance.rulebook.model import Rulebook
from server.apispec import Day, Schema, responses, spec
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today_by_id
from server.clock import utcnow
from server.database import db
from server.health.profile import growth as growth_ops
from server.health.profile import operations as ops
from server.health.profile.models import Allergy, ChronicCondition, ConditionClosure, EntryExam, GrowthMeasurement
from server.idempotency import idempotent
from server.people.models import Child

bp = Blueprint("health_profile_api", __name__, url_prefix="/api/v1")
TAGS = ["health profile"]
Text2000 = Field("", max_length=2000)


class AllergenOut(Schema):
    code: str
    label_zh: str
    label_en: str
    kind: str


class AllergenList(Schema):
    items: list[AllergenOut]


class AllergyIn(Schema):
    allergen: str = Field(min_length=1, max_length=40, description="a code of GET /allergens")
    severity: str = Field(min_length=1, max_length=12, description="mild | moderate | severe")
    reaction: str = Text2000
    recorded_on: Day | None = Field(None, description="default today")


class AllergyAmendIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)
    allergen: str | None = Field(None, min_length=1, max_length=40)
    severity: str | None = Field(None, min_length=1, max_length=12)
    reaction: str | None = Field(None, max_length=2000)
    recorded_on: Day | None = None


class AllergyEndIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)
    ended_on: Day | None = Field(None, description="default today")


class AllergyOut(Schema):
    id: int
    child_id: int
    allergen: str
    label_zh: str
    label_en: str
    kind: str
    severity: str
    reaction: str
    recorded_on: date
    ended_on: date | None
    amends_id: int | None
    reason: str | None
    recorded_at: datetime


class AllergyList(Schema):
    items: list[AllergyOut]


class ConditionIn(Schema):
    condition: str = Field(min_length=1, max_length=120)
    found_on: Day
    plan: str = Text2000
    managed_by: str = Field("", max_length=60)


class ConditionAmendIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)
    condition: str | None = Field(None, min_length=1, max_length=120)
    found_on: Day | None = None
    plan: str | None = Field(None, max_length=2000)
    managed_by: str | None = Field(None, max_length=60)


class ConditionCloseIn(Schema):
    closed_on: Day
    outcome: str = Field(min_length=1, max_length=2000)


class ConditionOut(Schema):
    id: int
    child_id: int
    condition: str
    found_on: date
    plan: str
    managed_by: str
    amends_id: int | None
    reason: str | None
    closed_on: date | None = None
    outcome: str | None = None


class ConditionList(Schema):
    items: list[ConditionOut]


class EntryExamIn(Schema):
    examined_on: Day
    vaccination_checked: bool
    passed: bool = True
    examined_by: str = Field(min_length=1, max_length=120)
    note: str = Text2000


class EntryExamAmendIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)
    examined_on: Day | None = None
    vaccination_checked: bool | None = None
    passed: bool | None = None
    examined_by: str | None = Field(None, min_length=1, max_length=120)
    note: str | None = Field(None, max_length=2000)


class EntryExamOut(Schema):
    id: int
    child_id: int
    examined_on: date
    vaccination_checked: bool
    passed: bool
    examined_by: str
    note: str
    amends_id: int | None
    reason: str | None


class EntryExamList(Schema):
    items: list[EntryExamOut]
    needs_new_exam: bool = Field(description="no exam on file, or back after a long absence with no exam since")
    vaccination_checked: bool


Measure = Field(None, max_digits=6, decimal_places=2, allow_inf_nan=False)


class MeasurementIn(Schema):
    measured_on: Day
    height_cm: Decimal | None = Measure
    weight_kg: Decimal | None = Measure
    head_cm: Decimal | None = Measure
    recumbent: bool | None = Field(None, description="length taken lying; none: the usual way for the age")
    measured_by: str = Field(min_length=1, max_length=60)


class MeasurementAmendIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)
    measured_on: Day | None = None
    height_cm: Decimal | None = Measure
    weight_kg: Decimal | None = Measure
    head_cm: Decimal | None = Measure
    recumbent: bool | None = None
    measured_by: str | None = Field(None, min_length=1, max_length=60)


class MeasurementOut(Schema):
    id: int
    child_id: int
    measured_on: date
    age_days: int
    height_cm: Decimal | None
    weight_kg: Decimal | None
    head_cm: Decimal | None
    recumbent: bool | None
    measured_by: str
    amends_id: int | None
    reason: str | None
    z: dict[str, Decimal] = Field(description="WHO 2006 z-scores by indicator: wfa lhfa wflh hcfa bfa")
    statuses: list[str] = Field(description="classifications: stunted, underweight, wasted, overweight, obese…")


class MeasurementList(Schema):
    items: list[MeasurementOut]


def _allergy_out(row: Allergy) -> AllergyOut:
    found = ops.allergen_catalogue().get(row.allergen)
    return AllergyOut(id=row.id, child_id=row.child_id, allergen=row.allergen,
                      label_zh=found.zh if found else row.allergen, label_en=found.en if found else row.allergen,
                      kind=row.kind.value, severity=row.severity.value, reaction=row.reaction,
                      recorded_on=row.recorded_on, ended_on=row.ended_on, amends_id=row.amends_id, reason=row.reason,
                      recorded_at=row.recorded_at)


def _condition_out(row: ChronicCondition, closure: ConditionClosure | None) -> ConditionOut:
    out = ConditionOut.model_validate(row)
    if closure is not None:
        out = out.model_copy(update={"closed_on": closure.closed_on, "outcome": closure.outcome})
    return out


def _today(child: Child, now: datetime) -> date:
    return centre_today_by_id(child.centre_id, now)


def _rules(child: Child, today: date) -> Rulebook:
    centre = db.session.get(Centre, child.centre_id)
    assert centre is not None
    return effective_rules(centre, today)


def _child(child_id: int, perm: Perm, what: str | None = None) -> tuple[Child, datetime]:
    actor, now = current_actor(), utcnow()
    child = ops.child_for_health(child_id, perm, actor=actor, now=now)
    if what is not None:
        ops.log_health_read(child, what, actor=actor, now=now)
    return child, now


@bp.get("/allergens")
@spec.validate(resp=responses(HTTP_200=AllergenList), tags=TAGS)
def allergens():
    """The closed allergen list: GB 7718-2025's food groups, other common foods, drugs and others."""
    current_actor()
    return AllergenList(items=[AllergenOut(code=a.code, label_zh=a.zh, label_en=a.en, kind=a.kind.value)
                               for a in ops.allergen_catalogue().values()])


@bp.get("/children/<int:child_id>/allergies")
@spec.validate(resp=responses(HTTP_200=AllergyList), tags=TAGS)
def list_allergies(child_id: int):
    """The child's allergies as they stand (ended ones included); the read is logged."""
    child, _ = _child(child_id, Perm.HEALTH_READ, "allergies")
    return AllergyList(items=[_allergy_out(r) for r in ops.allergies_of(child.id)])


@bp.post("/children/<int:child_id>/allergies")
@idempotent
@spec.validate(json=AllergyIn, resp=responses(HTTP_201=AllergyOut), tags=TAGS)
def record_allergy(child_id: int, json: AllergyIn):
    """Record an allergy against the closed list (an unknown code: 422); audited."""
    child, now = _child(child_id, Perm.HEALTH_WRITE)
    today = _today(child, now)
    row = ops.record_allergy(child, allergen=json.allergen, severity=json.severity, reaction=json.reaction,
                             recorded_on=json.recorded_on or today, actor=current_actor(), now=now, today=today)
    return _allergy_out(row), 201


@bp.post("/allergies/<int:allergy_id>/amend")
@idempotent
@spec.validate(json=AllergyAmendIn, resp=responses(HTTP_201=AllergyOut), tags=TAGS)
def amend_allergy(allergy_id: int, json: AllergyAmendIn):
    """Correct an allergy: a new row replaces it, with the reason."""
    actor, now = current_actor(), utcnow()
    original = ops.get_row(Allergy, allergy_id, Perm.HEALTH_WRITE, actor=actor, now=now)
    today = centre_today_by_id(original.centre_id, now)
    row = ops.amend_allergy(original, json.model_dump(exclude_unset=True, exclude={"reason"}), reason=json.reason,
                            actor=actor, now=now, today=today)
    return _allergy_out(row), 201


@bp.post("/allergies/<int:allergy_id>/end")
@idempotent
@spec.validate(json=AllergyEndIn, resp=responses(HTTP_201=AllergyOut), tags=TAGS)
def end_allergy(allergy_id: int, json: AllergyEndIn):
    """The allergy no longer holds (outgrown, disproved): an amendment row with the end date and the reason."""
    actor, now = current_actor(), utcnow()
    original = ops.get_row(Allergy, allergy_id, Perm.HEALTH_WRITE, actor=actor, now=now)
    today = centre_today_by_id(original.centre_id, now)
    row = ops.end_allergy(original, ended_on=json.ended_on or today, reason=json.reason, actor=actor, now=now,
                          today=today)
    return _allergy_out(row), 201


@bp.get("/children/<int:child_id>/conditions")
@spec.validate(resp=responses(HTTP_200=ConditionList), tags=TAGS)
def list_conditions(child_id: int):
    """The child's 表5 entries (营养性疾病及常见疾病) with their closure; the read is logged."""
    child, _ = _child(child_id, Perm.HEALTH_READ, "conditions")
    return ConditionList(items=[_condition_out(r, c) for r, c in ops.conditions_of([child.id])])


@bp.post("/children/<int:child_id>/conditions")
@idempotent
@spec.validate(json=ConditionIn, resp=responses(HTTP_201=ConditionOut), tags=TAGS)
def record_condition(child_id: int, json: ConditionIn):
    """Enter a condition in 表5; audited."""
    child, now = _child(child_id, Perm.HEALTH_WRITE)
    row = ops.record_condition(child, **json.model_dump(), actor=current_actor(), now=now, today=_today(child, now))
    return _condition_out(row, None), 201


@bp.post("/conditions/<int:condition_id>/amend")
@idempotent
@spec.validate(json=ConditionAmendIn, resp=responses(HTTP_201=ConditionOut), tags=TAGS)
def amend_condition(condition_id: int, json: ConditionAmendIn):
    """Correct an open 表5 entry: a new row replaces it, with the reason."""
    actor, now = current_actor(), utcnow()
    original = ops.get_row(ChronicCondition, condition_id, Perm.HEALTH_WRITE, actor=actor, now=now)
    row = ops.amend_condition(original, json.model_dump(exclude_unset=True, exclude={"reason"}), reason=json.reason,
                              actor=actor, now=now, today=centre_today_by_id(original.centre_id, now))
    return _condition_out(row, None), 201


@bp.post("/conditions/<int:condition_id>/close")
@idempotent
@spec.validate(json=ConditionCloseIn, resp=responses(HTTP_201=ConditionOut), tags=TAGS)
def close_condition(condition_id: int, json: ConditionCloseIn):
    """Close a 表5 entry (结案) with its outcome (转归): a row of its own."""
    actor, now = current_actor(), utcnow()
    row = ops.get_row(ChronicCondition, condition_id, Perm.HEALTH_WRITE, actor=actor, now=now)
    closure = ops.close_condition(row, closed_on=json.closed_on, outcome=json.outcome, actor=actor, now=now,
                                  today=centre_today_by_id(row.centre_id, now))
    return _condition_out(row, closure), 201


@bp.get("/children/<int:child_id>/entry-exams")
@spec.validate(resp=responses(HTTP_200=EntryExamList), tags=TAGS)
def list_entry_exams(child_id: int):
    """The child's entry exams, and whether a new one is needed; the read is logged."""
    child, now = _child(child_id, Perm.HEALTH_READ, "entry_exams")
    today = _today(child, now)
    status = ops.entry_exam_status(child, today, _rules(child, today))
    return EntryExamList(items=[EntryExamOut.model_validate(e) for e in ops.entry_exams_of([child.id])],
                         needs_new_exam=status.needs_new_exam, vaccination_checked=status.vaccination_checked)


@bp.post("/children/<int:child_id>/entry-exams")
@idempotent
@spec.validate(json=EntryExamIn, resp=responses(HTTP_201=EntryExamOut), tags=TAGS)
def record_entry_exam(child_id: int, json: EntryExamIn):
    """Record the entry health exam and the vaccination certificate check; audited."""
    child, now = _child(child_id, Perm.HEALTH_WRITE)
    row = ops.record_entry_exam(child, **json.model_dump(), actor=current_actor(), now=now, today=_today(child, now))
    return EntryExamOut.model_validate(row), 201


@bp.post("/entry-exams/<int:exam_id>/amend")
@idempotent
@spec.validate(json=EntryExamAmendIn, resp=responses(HTTP_201=EntryExamOut), tags=TAGS)
def amend_entry_exam(exam_id: int, json: EntryExamAmendIn):
    """Correct an entry exam: a new row replaces it, with the reason."""
    actor, now = current_actor(), utcnow()
    original = ops.get_row(EntryExam, exam_id, Perm.HEALTH_WRITE, actor=actor, now=now)
    row = ops.amend_entry_exam(original, json.model_dump(exclude_unset=True, exclude={"reason"}), reason=json.reason,
                               actor=actor, now=now, today=centre_today_by_id(original.centre_id, now))
    return EntryExamOut.model_validate(row), 201


def _measurement_out(child: Child, row: GrowthMeasurement, rules: Rulebook) -> MeasurementOut:
    found = assess(growth_ops.health_record(child), growth_ops.measurement_record(row), rules)
    return MeasurementOut(
        id=row.id, child_id=row.child_id, measured_on=row.measured_on, age_days=found.age_days,
        height_cm=row.height_cm, weight_kg=row.weight_kg, head_cm=row.head_cm, recumbent=row.recumbent,
        measured_by=row.measured_by, amends_id=row.amends_id, reason=row.reason,
        z={k.value: v for k, v in found.z.items()}, statuses=[s.value for s in found.statuses])


@bp.get("/children/<int:child_id>/measurements")
@spec.validate(resp=responses(HTTP_200=MeasurementList), tags=TAGS)
def list_measurements(child_id: int):
    """The child's growth measurements with WHO 2006 z-scores and classifications; the read is logged."""
    child, now = _child(child_id, Perm.HEALTH_READ, "growth")
    rules = _rules(child, _today(child, now))
    return MeasurementList(items=[_measurement_out(child, r, rules) for r in growth_ops.measurements_of([child.id])])


@bp.post("/children/<int:child_id>/measurements")
@idempotent
@spec.validate(json=MeasurementIn, resp=responses(HTTP_201=MeasurementOut), tags=TAGS)
def record_measurement(child_id: int, json: MeasurementIn):
    """Record a measurement; implausible values are refused (422); audited."""
    child, now = _child(child_id, Perm.HEALTH_WRITE)
    today = _today(child, now)
    row = growth_ops.record_measurement(child, **json.model_dump(), actor=current_actor(), now=now, today=today)
    return _measurement_out(child, row, _rules(child, today)), 201


@bp.post("/measurements/<int:measurement_id>/amend")
@idempotent
@spec.validate(json=MeasurementAmendIn, resp=responses(HTTP_201=MeasurementOut), tags=TAGS)
def amend_measurement(measurement_id: int, json: MeasurementAmendIn):
    """Correct a measurement: a new row replaces it, with the reason."""
    actor, now = current_actor(), utcnow()
    original = ops.get_row(GrowthMeasurement, measurement_id, Perm.HEALTH_WRITE, actor=actor, now=now)
    child = db.session.get(Child, original.child_id)
    assert child is not None
    today = _today(child, now)
    row = growth_ops.amend_measurement(original, json.model_dump(exclude_unset=True, exclude={"reason"}),
                                       reason=json.reason, actor=actor, now=now, today=today)
    return _measurement_out(child, row, _rules(child, today)), 201
