"""The training log: bad input refused, corrections amend, totals by person and category worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from compliance import Period
from compliance.staffing.records import TrainingRecord
from server.centre.records import centre_record
from server.database import db
from server.errors import Conflict, ValidationFailed
from server.staff.training import (
    TrainingValues,
    amend_training,
    current_entries,
    record_training,
    training_records,
    training_totals,
)
from server.staff.training_models import TrainingEntry, TrainingSource
from server.staff.training_registers import TRAINING_REGISTER
from tests.factories import SYSTEM

SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))


def _values(**overrides) -> TrainingValues:
    return TrainingValues(**{"category": "pre_service", "title": "岗前培训", "hours": Decimal(2),
                             "provider": "市妇幼保健院", "held_on": date(2026, 9, 1), **overrides})


def _record(staff, clock, **overrides):
    return record_training(staff, _values(**overrides), actor=SYSTEM, now=clock.now())


def _problem(staff, clock, **overrides) -> list[str]:
    with pytest.raises(ValidationFailed) as refused:
        _record(staff, clock, **overrides)
    return [p.code for p in refused.value.problems]


@pytest.mark.parametrize(("hours", "code"), [
    (Decimal(0), "hours_not_positive"), (Decimal(-1), "hours_not_positive"), (Decimal("24.5"), "too_many_hours"),
    (Decimal("1.125"), "hours_too_precise"), ("NaN", "hours_not_positive"), ("two", "hours_not_positive"),
])
def test_bad_hours_are_refused(staff_world, clock, hours, code):
    assert _problem(staff_world["certified"], clock, hours=hours) == [code]


def test_a_whole_day_of_training_is_accepted(staff_world, clock):
    assert _record(staff_world["certified"], clock, hours=Decimal(24)).hours == Decimal(24)


def test_a_training_in_the_future_is_refused(staff_world, clock):
    assert _problem(staff_world["certified"], clock, held_on=date(2026, 9, 8)) == ["held_in_future"]


def test_an_unknown_category_is_refused(staff_world, clock):
    assert _problem(staff_world["certified"], clock, category="cooking") == ["unknown_category"]


def test_every_problem_is_reported_at_once(staff_world, clock):
    assert _problem(staff_world["certified"], clock, title=" ", provider="", hours=Decimal(0)) == [
        "hours_not_positive", "required", "required"]


def test_a_document_of_another_person_is_refused(staff_world, clock):
    from server.staff.models import StaffDocument

    doc = StaffDocument(centre_id=staff_world["alpha"].id, staff_id=staff_world["uncertified"].id, sha256="0" * 64,
                        content_type="application/pdf", size=10, original_name="证书.pdf", uploaded_at=clock.now())
    db.session.add(doc)
    db.session.flush()
    assert _problem(staff_world["certified"], clock, document_id=doc.id) == ["unknown_document"]


def test_a_drill_counts_as_emergency_training_only(staff_world, clock):
    with pytest.raises(ValidationFailed) as refused:
        record_training(staff_world["certified"], _values(category="safety"), source=TrainingSource.DRILL,
                        source_ref="drill-1", actor=SYSTEM, now=clock.now())
    assert [p.code for p in refused.value.problems] == ["drill_not_emergency"]


def test_a_drill_is_logged_once_per_person(staff_world, clock):
    staff = staff_world["certified"]
    record_training(staff, _values(category="emergency"), source=TrainingSource.DRILL, source_ref="drill-1",
                    actor=SYSTEM, now=clock.now())
    with pytest.raises(Conflict):
        record_training(staff, _values(category="emergency"), source=TrainingSource.DRILL, source_ref="drill-1",
                        actor=SYSTEM, now=clock.now())


def test_a_correction_replaces_the_entry_and_keeps_the_original(staff_world, clock):
    original = _record(staff_world["certified"], clock)
    corrected = amend_training(original, _values(hours=Decimal("3.5")), note="学时登记有误", actor=SYSTEM,
                               now=clock.now())
    assert ([e.id for e in current_entries(staff_world["alpha"].id)], corrected.amends_id, original.hours) == (
        [corrected.id], original.id, Decimal(2))


def test_an_entry_is_corrected_once_then_its_correction_is(staff_world, clock):
    original = _record(staff_world["certified"], clock)
    amend_training(original, _values(hours=Decimal(3)), note="更正", actor=SYSTEM, now=clock.now())
    with pytest.raises(Conflict) as refused:
        amend_training(original, _values(hours=Decimal(4)), note="再更正", actor=SYSTEM, now=clock.now())
    assert refused.value.code == "already_amended"


def test_a_withdrawn_entry_leaves_the_log(staff_world, clock):
    original = _record(staff_world["certified"], clock)
    amend_training(original, None, note="未参加", actor=SYSTEM, now=clock.now())
    rows = db.session.execute(select(func.count()).select_from(TrainingEntry)).scalar_one()
    assert (current_entries(staff_world["alpha"].id), rows) == ([], 2)


def test_a_correction_needs_a_reason(staff_world, clock):
    original = _record(staff_world["certified"], clock)
    with pytest.raises(ValidationFailed) as refused:
        amend_training(original, _values(hours=Decimal(3)), note=" ", actor=SYSTEM, now=clock.now())
    assert refused.value.code == "required"


def _september_log(world, clock) -> None:
    """certified: 2 h 岗前 + 1.5 h 安全 (+ 8 h in August); uncertified: a 3 h drill; kitchen: nothing."""
    certified, uncertified = world["certified"], world["uncertified"]
    _record(certified, clock)
    _record(certified, clock, category="safety", hours=Decimal("1.5"), held_on=date(2026, 9, 3))
    _record(certified, clock, category="skills", hours=Decimal(8), held_on=date(2026, 8, 20))
    wrong = _record(uncertified, clock, category="law", hours=Decimal(1))
    amend_training(wrong, None, note="重复登记", actor=SYSTEM, now=clock.now())
    record_training(uncertified, _values(category="emergency", hours=Decimal(3), title="消防疏散演练"),
                    source=TrainingSource.DRILL, source_ref="drill-7", actor=SYSTEM, now=clock.now())


def test_totals_by_person_and_category_match_the_sums_by_hand(staff_world, clock):
    _september_log(staff_world, clock)
    summary = training_totals(staff_world["alpha"], SEPTEMBER, actor=SYSTEM, now=clock.now())
    certified, uncertified = staff_world["certified"].id, staff_world["uncertified"].id
    assert dict(summary.per_person) == {certified: {"pre_service": Decimal(2), "safety": Decimal("1.5")},
                                        uncertified: {"emergency": Decimal(3)}}
    assert (dict(summary.totals), summary.total_hours) == (
        {"pre_service": Decimal(2), "safety": Decimal("1.5"), "emergency": Decimal(3)}, Decimal("6.5"))
    # Three people on the staff in September, two of them trained.
    assert (summary.employed, summary.trained, summary.coverage) == (3, 2, Decimal("66.7"))


def test_the_evidence_holds_the_period_with_the_drill_as_emergency_training(staff_world, clock):
    _september_log(staff_world, clock)
    records = training_records(staff_world["alpha"], SEPTEMBER)
    assert sorted((r.category, r.hours) for r in records) == [
        ("emergency", Decimal(3)), ("pre_service", Decimal(2)), ("safety", Decimal("1.5"))]
    assert all(isinstance(r, TrainingRecord) for r in records)


def test_the_register_lists_the_log_as_it_stands(staff_world, clock):
    _september_log(staff_world, clock)
    rows = list(TRAINING_REGISTER.rows(centre_record(staff_world["alpha"]), SEPTEMBER))
    assert (TRAINING_REGISTER.name, [(r[2], r[5]) for r in rows]) == (
        "培训记录", [("张老师", Decimal(2)), ("李老师", Decimal(3)), ("张老师", Decimal("1.5"))])
