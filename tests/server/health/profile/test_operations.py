"""Allergy badges and warnings (what care asks before a meal), the entry exam after a long absence, z-scores on the
server path against WHO's published values, and the registers and evidence records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from compliance import Period
from compliance.health import GrowthStatus, Indicator
from compliance.health.allergens import AllergenKind
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.database import db
from server.health.profile import growth as growth_ops
from server.health.profile import operations as ops
from server.health.profile import registers
from server.inspections.sources import app_sources
from tests.factories import SYSTEM, make_child

TODAY = date(2026, 9, 7)


def _allergy(world, clock, code: str, severity: str = "mild", child_key: str = "child"):  # type: ignore[no-untyped-def]
    return ops.record_allergy(world[child_key], allergen=code, severity=severity, recorded_on=TODAY - timedelta(days=30),
                              actor=SYSTEM, now=clock.now(), today=TODAY)


def test_active_allergies_are_badges_most_severe_first(world, clock) -> None:
    _allergy(world, clock, "milk", "mild")
    _allergy(world, clock, "peanuts", "severe")
    ended = _allergy(world, clock, "eggs", "moderate")
    ops.end_allergy(ended, ended_on=TODAY - timedelta(days=1), reason="脱敏", actor=SYSTEM, now=clock.now(),
                    today=TODAY)
    _allergy(world, clock, "penicillins", "moderate", "other")
    found = ops.active_allergies([world["child"].id, world["other"].id, world["beta_child"].id], TODAY)
    assert [(b.code, b.severity) for b in found[world["child"].id]] == [("peanuts", "severe"), ("milk", "mild")]
    assert found[world["child"].id][0] == ops.AllergyBadge("peanuts", "花生", "Peanuts", "severe", AllergenKind.FOOD)
    assert [b.code for b in found[world["other"].id]] == ["penicillins"]
    assert world["beta_child"].id not in found
    # the egg allergy was in force until it ended
    before = ops.active_allergies([world["child"].id], TODAY - timedelta(days=2))
    assert "eggs" in [b.code for b in before[world["child"].id]]


def test_the_kitchen_asks_for_food_allergies_only(world, clock) -> None:
    _allergy(world, clock, "milk", "mild")
    _allergy(world, clock, "penicillins", "severe")
    _allergy(world, clock, "penicillins", "moderate", "other")  # a drug allergy only: left out for the kitchen
    drug = _allergy(world, clock, "sulfonamides", "mild")
    ops.amend_allergy(drug, {"allergen": "eggs"}, reason="录入错误", actor=SYSTEM, now=clock.now(), today=TODAY)
    ids = [world["child"].id, world["other"].id]
    food = ops.active_allergies(ids, TODAY, kinds={AllergenKind.FOOD})
    assert {c: [(b.code, b.kind) for b in badges] for c, badges in food.items()} == {
        world["child"].id: [("milk", AllergenKind.FOOD), ("eggs", AllergenKind.FOOD)]}  # the correction's kind
    every = ops.active_allergies(ids, TODAY)
    assert [b.code for b in every[world["child"].id]] == ["penicillins", "milk", "eggs"]
    assert every[world["child"].id][0].kind is AllergenKind.DRUG
    assert ops.active_allergies(ids, TODAY, kinds=[AllergenKind.DRUG, AllergenKind.OTHER]) == {
        world["child"].id: [every[world["child"].id][0]], world["other"].id: every[world["other"].id]}
    assert ops.active_allergies(ids, TODAY, kinds=()) == {}


def test_allergy_warnings_for_a_meal(world, clock) -> None:
    _allergy(world, clock, "milk", "moderate")
    _allergy(world, clock, "fish", "severe")
    child_id = world["child"].id
    assert [b.code for b in ops.allergy_warnings_for(child_id, ["Milk ", "gluten_cereals"], TODAY)] == ["milk"]
    assert ops.allergy_warnings_for(child_id, [], TODAY) == []
    assert ops.allergy_warnings_for(world["other"].id, ["milk"], TODAY) == []
    assert ops.allergy_warnings_for(child_id, ["fish"], TODAY - timedelta(days=31)) == []  # not yet recorded


def test_a_corrected_allergy_warns_under_its_new_code(world, clock) -> None:
    row = _allergy(world, clock, "fish")
    ops.amend_allergy(row, {"allergen": "crustaceans"}, reason="录入错误", actor=SYSTEM, now=clock.now(), today=TODAY)
    assert ops.allergy_warnings_for(world["child"].id, ["fish"], TODAY) == []
    assert [b.code for b in ops.allergy_warnings_for(world["child"].id, ["crustaceans"], TODAY)] == ["crustaceans"]


def _check_in(child, day: date) -> None:  # type: ignore[no-untyped-def]
    at = datetime(day.year, day.month, day.day, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    db.session.add(AttendanceEvent(centre_id=child.centre_id, kind=AttendanceKind.CHECK_IN, child_id=child.id,
                                   method="manual", at=at, flags=[], recorded_at=at))
    db.session.flush()


def test_back_after_four_months_needs_a_new_exam(world, clock) -> None:
    child = world["child"]
    rules = effective_rules(world["alpha"], TODAY)
    ops.record_entry_exam(child, examined_on=date(2026, 2, 20), vaccination_checked=True, passed=True,
                          examined_by="区妇幼保健院", actor=SYSTEM, now=clock.now(), today=TODAY)
    _check_in(child, date(2026, 4, 30))
    _check_in(child, date(2026, 9, 7))  # back after more than 3 months
    status = ops.entry_exam_status(child, TODAY, rules)
    assert status.needs_new_exam and status.absent_from == date(2026, 4, 30) and status.back_on == TODAY
    ops.record_entry_exam(child, examined_on=date(2026, 9, 5), vaccination_checked=True, passed=True,
                          examined_by="区妇幼保健院", actor=SYSTEM, now=clock.now(), today=TODAY)
    assert not ops.entry_exam_status(child, TODAY, rules).needs_new_exam


def test_a_short_absence_needs_no_new_exam(world, clock) -> None:
    child = world["child"]
    ops.record_entry_exam(child, examined_on=date(2026, 2, 20), vaccination_checked=False, passed=True,
                          examined_by="区妇幼保健院", actor=SYSTEM, now=clock.now(), today=TODAY)
    _check_in(child, date(2026, 7, 1))
    status = ops.entry_exam_status(child, TODAY, effective_rules(world["alpha"], TODAY))
    assert not status.needs_new_exam and not status.vaccination_checked


# WHO Child Growth Standards 2006 (published z-score tables): a boy of exactly 12 months (365 days) weighing the
# median 9.6 kg is about 0 SD; −2 SD is 7.7 kg; a girl of 24 months at 80.0 cm length is −2 SD (80.0).
def test_z_scores_on_the_server_path_match_the_who_tables(world, clock) -> None:
    now = clock.now()
    boy = make_child(world["alpha"], now, name="一岁", born_on=date(2025, 9, 7))
    rules = effective_rules(world["alpha"], TODAY)
    growth_ops.record_measurement(boy, measured_on=date(2026, 9, 7), weight_kg="9.65", measured_by="王", actor=SYSTEM,
                                  now=now, today=TODAY)
    (_, found), = growth_ops.growth_of(boy, rules)
    assert abs(found.z[Indicator.WEIGHT_FOR_AGE]) <= Decimal("0.02")
    light = make_child(world["alpha"], now, name="轻", born_on=date(2025, 9, 7))
    growth_ops.record_measurement(light, measured_on=date(2026, 9, 7), weight_kg="7.6", measured_by="王", actor=SYSTEM,
                                  now=now, today=TODAY)
    (_, found), = growth_ops.growth_of(light, rules)
    assert Decimal("-2.3") < found.z[Indicator.WEIGHT_FOR_AGE] < Decimal("-2") and found.statuses == (
        GrowthStatus.UNDERWEIGHT,)


def test_the_registers_and_the_evidence_records(world, clock) -> None:
    now, child = clock.now(), world["child"]
    cond = ops.record_condition(child, condition="肥胖", found_on=date(2026, 8, 3), plan="饮食运动干预",
                                managed_by="王保健员", actor=SYSTEM, now=now, today=TODAY)
    old = ops.record_condition(child, condition="龋齿", found_on=date(2026, 3, 1), actor=SYSTEM, now=now, today=TODAY)
    ops.close_condition(old, closed_on=date(2026, 4, 1), outcome="已治疗", actor=SYSTEM, now=now, today=TODAY)
    growth_ops.record_measurement(child, measured_on=date(2026, 8, 3), height_cm="80.0", weight_kg="13.5",
                                  head_cm="47.0", measured_by="王", actor=SYSTEM, now=now, today=TODAY)
    _allergy(world, clock, "soy")
    ops.record_entry_exam(child, examined_on=date(2026, 2, 20), vaccination_checked=True, passed=True,
                          examined_by="区妇幼保健院", actor=SYSTEM, now=now, today=TODAY)
    august = Period(date(2026, 8, 1), date(2026, 8, 31))
    record = centre_record(world["alpha"])
    rows = list(registers.CONDITIONS.rows(record, august))
    assert [(r[0], r[3], r[7]) for r in rows] == [(child.id, "肥胖", "")]  # the closed one ended before August
    growth = list(registers.GROWTH.rows(record, august))
    assert len(growth) == 1 and growth[0][2] == "王小明" and growth[0][3] == "男" and growth[0][4] == 17
    assert "超重" in growth[0][-1] or "肥胖" in growth[0][-1]
    assert {c.condition for c in registers.condition_records(world["alpha"], august)} == {"肥胖", "龋齿"}
    closed = [c for c in registers.condition_records(world["alpha"], august) if c.condition == "龋齿"][0]
    assert closed.closed_on == date(2026, 4, 1) and closed.outcome == "已治疗"
    assert [m.weight_kg for m in registers.measurement_records(world["alpha"], august)] == [Decimal("13.50")]
    assert [a.allergen for a in registers.allergy_records(world["alpha"], Period(TODAY, TODAY))] == ["soy"]
    assert [e.vaccination_checked for e in registers.entry_exam_records(world["alpha"], august)] == [True]
    kids = registers.child_health_records(world["alpha"], august)
    assert {(k.child_id, k.sex) for k in kids} >= {(child.id, "male")}
    assert cond.id in {c.id for c in registers.condition_records(world["alpha"], august)}


def test_the_registers_go_into_the_pack_under_their_names(app) -> None:
    names = [r.name for r in app_sources().registers]
    assert {"表5_营养性疾病及常见疾病登记表", "生长发育监测"} <= set(names)
