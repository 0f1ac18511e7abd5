"""The health evaluator: 晨检, follow-ups, exclusion, outbreaks, sick absences, entry exams, growth.

Also silence without records and for rules not in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from care_health_factories import RULES, at, case, health_check, present, sick
from compliance_factories import make_centre

from compliance import EVALUATORS, ClassRecord, ClassType, ComplianceInputs, Finding, Period, Severity
from compliance.evaluators.health import evaluate_health
from compliance.health import (
    CheckKind,
    ChildHealthRecord,
    ChronicConditionRecord,
    EntryExamRecord,
    GrowthMeasurementRecord,
    HealthEvidence,
)
from compliance.records import AttendanceRecord
from compliance.rulebook import Rulebook, effective_rulebook

JUNE = Period(date(2025, 6, 1), date(2025, 6, 30))
DAY = date(2025, 6, 3)
CLASSES = (ClassRecord(10, "小一班", ClassType.TUOXIAOBAN, 15),)
EXAMS = tuple(EntryExamRecord(c, c, date(2025, 1, 2), vaccination_checked=True) for c in range(1, 6))


def run(evidence: HealthEvidence | None, attendance: Sequence[AttendanceRecord] = (), *, rules: Rulebook = RULES,
        as_of: datetime | None = None) -> list[Finding]:
    inputs = ComplianceInputs(centre=make_centre(), classes=CLASSES, attendance=attendance, health=evidence,
                              as_of=as_of)
    return evaluate_health(inputs, rules, JUNE)


def of(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]


def test_wired_and_silent_without_health_records() -> None:
    assert evaluate_health in EVALUATORS
    assert run(None, [present(1, DAY), sick(2, DAY, None)]) == []


def test_children_present_with_a_morning_check_give_no_finding() -> None:
    checks = [health_check(1, DAY), health_check(2, DAY)]
    assert run(HealthEvidence(checks=checks, entry_exams=EXAMS), [present(1, DAY), present(2, DAY)]) == []


def test_a_child_present_without_a_morning_check_is_a_violation() -> None:
    checks = [health_check(1, DAY), health_check(2, DAY, CheckKind.NOON)]
    [finding] = of(run(HealthEvidence(checks=checks, entry_exams=EXAMS), [present(1, DAY), present(2, DAY)]),
                   "health.morning_check")
    assert finding.severity is Severity.VIOLATION and finding.evidence == ("child:2",)
    assert finding.message_zh == "班级「小一班」有 1 人次到园未做晨检（首次 2025-06-03 幼儿 2；幼儿 2）。"


def test_an_abnormal_check_closed_in_time_late_or_never() -> None:
    fine = health_check(1, DAY, abnormal=True, closed_after=timedelta(hours=20))
    late = health_check(2, DAY, abnormal=True, closed_after=timedelta(days=2))
    never = health_check(3, DAY, abnormal=True)
    findings = of(run(HealthEvidence(checks=[fine, late, never]), as_of=at(date(2025, 6, 10), 9)), "health.follow_up")
    assert [(f.evidence[1], f.severity) for f in findings] == [("child:2", Severity.WARNING),
                                                               ("child:3", Severity.VIOLATION)]
    assert findings[1].message_zh == "幼儿 3 2025-06-03 晨检异常（发热），至今未闭环（时限 1 天）。"


def test_an_open_follow_up_is_not_late_before_its_limit() -> None:
    today = health_check(1, DAY, abnormal=True)
    assert run(HealthEvidence(checks=[today]), as_of=at(DAY, 17)) == []


def test_a_child_present_while_excluded_is_critical_and_a_certificate_ends_it() -> None:
    excluded = case(1, DAY, certificate=DAY + timedelta(days=5))
    attendance = [present(1, DAY + timedelta(days=d)) for d in (1, 2, 5)]
    checks = [health_check(1, a.on) for a in attendance]
    [finding] = of(run(HealthEvidence(checks=checks, cases=[excluded], entry_exams=EXAMS), attendance),
                   "health.exclusion")
    assert finding.severity is Severity.CRITICAL
    assert finding.message_zh == ("幼儿 1 因手足口病隔离期间（自 2025-06-03，未登记返园证明）有 2 天到园"
                                  "（首日 2025-06-04）。")


def test_an_infectious_case_without_exclusion_is_a_violation() -> None:
    [finding] = of(run(HealthEvidence(cases=[case(1, DAY, excluded=False)])), "health.exclusion")
    assert "未登记隔离" in finding.message_zh


def test_an_outbreak_is_one_warning_per_class_and_disease() -> None:
    cases = [case(1, DAY), case(2, DAY + timedelta(days=2)), case(3, DAY + timedelta(days=3))]
    [finding] = of(run(HealthEvidence(cases=cases)), "health.outbreak")
    assert finding.severity is Severity.WARNING
    assert finding.evidence == tuple(sorted(f"illness:{c.id}" for c in cases))
    assert finding.message_zh.startswith("班级「小一班」出现手足口病聚集性病例：3 名幼儿（2025-06-05 达到预警）")


def test_a_sick_absence_without_the_disease_name() -> None:
    attendance = [sick(1, DAY, None), sick(2, DAY, "水痘"), sick(3, DAY, "  ")]
    [finding] = of(run(HealthEvidence(), attendance), "records.sick_absence")
    assert finding.evidence == ("child:1", "child:3")
    assert finding.message_zh == "班级「小一班」有 2 条因病缺勤未登记病名（首条 2025-06-03 幼儿 1）。"


def test_entry_exam_and_vaccination_check_before_attending() -> None:
    exams = [EntryExamRecord(1, 1, date(2025, 1, 2), vaccination_checked=False)]
    checks = [health_check(c, DAY) for c in (1, 2)]
    findings = of(run(HealthEvidence(checks=checks, entry_exams=exams), [present(1, DAY), present(2, DAY)]),
                  "health.entry_exam")
    assert [f.message_zh for f in findings] == ["幼儿 1 在园（2025-06-03 起）但无预防接种证查验记录。",
                                                "幼儿 2 在园（2025-06-03 起）但无入园体检记录。"]


def test_back_after_more_than_three_months_needs_a_new_exam() -> None:
    year = Period(date(2025, 1, 1), date(2025, 12, 31))
    attendance = [present(1, date(2025, 2, 3)), present(1, date(2025, 6, 4))]
    checks = [health_check(1, a.on) for a in attendance]
    inputs = ComplianceInputs(centre=make_centre(), attendance=attendance,
                              health=HealthEvidence(checks=checks, entry_exams=EXAMS))
    [finding] = of(evaluate_health(inputs, RULES, year), "health.entry_exam")
    assert "2025-06-04 返园前未重新体检" in finding.message_zh


def test_an_abnormal_growth_not_on_table_5_is_a_warning() -> None:
    child = ChildHealthRecord(1, "female", date(2024, 6, 3))
    light = GrowthMeasurementRecord(1, 1, DAY, height_cm=Decimal("74.0"), weight_kg=Decimal("7.4"))
    evidence = HealthEvidence(measurements=[light], children=[child])
    [finding] = of(run(evidence), "health.growth_screening")
    assert finding.severity is Severity.WARNING
    assert finding.message_zh == (
        "幼儿 1 2025-06-03 生长发育评价为消瘦（年龄别体重 z=-1.58，年龄别身长/身高 z=0.00，身长/身高别体重 z=-2.20，"
        "年龄别BMI z=-2.25），未登记于表5营养性疾病及常见疾病登记表。")
    registered = ChronicConditionRecord(1, 1, "营养不良（消瘦）", DAY)
    assert run(HealthEvidence(measurements=[light], children=[child], conditions=[registered])) == []


def test_rules_not_in_force_give_nothing() -> None:
    old = effective_rulebook(None, None, date(2011, 1, 1))
    evidence = HealthEvidence(cases=[case(1, DAY, excluded=False)], checks=[health_check(1, DAY, abnormal=True)])
    assert run(evidence, [present(2, DAY), sick(3, DAY, None)], rules=old) == []
