"""The care evaluator: nap patrols, sleeping positions, doses against consent, outdoor time; silence without records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from care_health_factories import RULES, at, check, consent, dose, every, nap, present
from compliance_factories import make_centre

from compliance import EVALUATORS, ClassRecord, ClassType, ComplianceInputs, Finding, Period, Severity
from compliance.care import CareEvidence, OutdoorExemptionRecord, OutdoorRecord, SleepPosition
from compliance.evaluators.care import evaluate_care
from compliance.records import AttendanceRecord
from compliance.rulebook import Rulebook, effective_rulebook

JUNE = Period(date(2025, 6, 1), date(2025, 6, 30))
DAY = date(2025, 6, 3)
CLASSES = (ClassRecord(10, "小一班", ClassType.TUOXIAOBAN, 15), ClassRecord(11, "半日班", ClassType.TUODABAN, 20))


def run(evidence: CareEvidence | None, *, attendance: Sequence[AttendanceRecord] = (), rules: Rulebook = RULES,
        as_of: datetime | None = None) -> list[Finding]:
    inputs = ComplianceInputs(centre=make_centre(), classes=CLASSES, attendance=attendance, care=evidence, as_of=as_of)
    return evaluate_care(inputs, rules, JUNE)


def of(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]


def test_wired_and_silent_without_care_records() -> None:
    assert evaluate_care in EVALUATORS
    assert run(None) == []


def test_a_nap_checked_every_ten_minutes_gives_no_finding() -> None:
    done = nap(DAY)
    assert run(CareEvidence(naps=[done], nap_checks=every(done, 10, 120))) == []


def test_an_overdue_nap_check_is_a_violation_with_the_longest_gap() -> None:
    done = nap(DAY)
    checks = [c for c in every(done, 10, 120) if c.at not in (at(DAY, 13, 0), at(DAY, 13, 30), at(DAY, 13, 40))]
    [finding] = of(run(CareEvidence(naps=[done], nap_checks=checks)), "care.nap_patrol")
    assert finding.severity is Severity.VIOLATION
    assert finding.evidence == (f"nap:{done.id}", "child:1")
    assert finding.message_zh == (
        "班级「小一班」幼儿 1 2025-06-03 午睡有 2 段超过 10 分钟未巡查（最长 30 分钟，首段 12:50–13:10）。")
    assert finding.message_en.startswith("Class 小一班: Child 1's nap on 2025-06-03 went 2 time(s) more than 10 min")


def test_a_nap_still_going_is_judged_up_to_the_reading_time() -> None:
    sleeping = nap(DAY, end=None)
    checks = every(sleeping, 10, 30)
    assert run(CareEvidence(naps=[sleeping], nap_checks=checks), as_of=at(DAY, 13, 10)) == []
    assert len(run(CareEvidence(naps=[sleeping], nap_checks=checks), as_of=at(DAY, 13, 11))) == 1


def test_a_looser_centre_interval_is_applied() -> None:
    done = nap(DAY)
    loose = effective_rulebook(None, {"care.nap_patrol": {"max_interval": 15}}, DAY)
    assert run(CareEvidence(naps=[done], nap_checks=every(done, 15, 120)), rules=loose) == []


def test_a_stomach_position_without_action_is_a_violation() -> None:
    done = nap(DAY)
    checks = every(done, 10, 120)
    checks[2] = check(done, 30, SleepPosition.STOMACH)
    [finding] = of(run(CareEvidence(naps=[done], nap_checks=checks)), "care.nap_position")
    assert finding.message_zh == "班级「小一班」幼儿 1 午睡巡查（2025-06-03 13:00）发现俯卧，未记录处理。"
    checks[2] = check(done, 30, SleepPosition.STOMACH, action="翻为仰卧")
    assert run(CareEvidence(naps=[done], nap_checks=checks)) == []


def test_doses_without_consent_or_witness_are_violations() -> None:
    signed = consent()
    good = dose(signed, at(DAY, 10))
    alone = dose(signed, at(DAY, 15), witness=None)
    stray = dose(None, at(DAY, 11), child=2)
    findings = of(run(CareEvidence(consents=[signed], doses=[good, alone, stray])), "care.medication_consent")
    assert [f.evidence[0] for f in findings] == [f"dose:{stray.id}", f"dose:{alone.id}"]
    assert findings[0].message_zh == "幼儿 2 于 2025-06-03 11:00 服用药 1ml：无监护人签字的委托服药单。"
    assert "无第二名工作人员见证" in findings[1].message_zh and "no second member of staff" in findings[1].message_en


def test_a_third_dose_on_one_day_is_over_the_count() -> None:
    signed = consent()
    doses = [dose(signed, at(DAY, 10)), dose(signed, at(DAY, 15)), dose(signed, at(DAY, 15, 20))]
    [finding] = run(CareEvidence(consents=[signed], doses=doses))
    assert "超过每日次数" in finding.message_zh


def test_outdoor_time_below_two_hours_on_days_a_full_day_class_met() -> None:
    days = [DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)]
    attendance = [present(1, d) for d in days] + [present(2, d, klass=11) for d in days]
    outdoor = [OutdoorRecord(10, DAY, 70), OutdoorRecord(10, DAY, 50), OutdoorRecord(10, days[1], 100)]
    evidence = CareEvidence(outdoor=outdoor, class_care={11: "half_day"},
                            outdoor_exemptions=[OutdoorExemptionRecord(days[2], "暴雨预警")])
    [finding] = run(evidence, attendance=attendance)
    assert finding.rule_id == "care.outdoor_time" and finding.evidence == ("class:10",)
    assert finding.message_zh == "班级「小一班」有 1 天户外活动不足 120 分钟（首日 2025-06-04：100 分钟）。"


def test_without_attendance_the_days_with_outdoor_records_are_judged() -> None:
    [finding] = run(CareEvidence(outdoor=[OutdoorRecord(10, DAY, 30)]))
    assert "30 分钟" in finding.message_zh


def test_rules_not_in_force_give_nothing() -> None:
    done = nap(DAY)
    old = effective_rulebook(None, None, date(2011, 1, 1))
    evidence = CareEvidence(naps=[done], doses=[dose(None, at(DAY, 10))], outdoor=[OutdoorRecord(10, DAY, 0)])
    assert run(evidence, rules=old) == []


def test_records_outside_the_period_are_not_judged() -> None:
    may = date(2025, 5, 31)
    evidence = CareEvidence(naps=[nap(may)], doses=[dose(None, datetime(2025, 5, 31, 15, tzinfo=UTC))])
    assert run(evidence) == []


def test_the_day_in_progress_is_not_judged_for_outdoor_time_until_it_is_over() -> None:
    """At 10:00 a class has not been out yet: that is no finding; the same day read the next morning is."""
    evidence = CareEvidence(outdoor=[OutdoorRecord(10, DAY, 30)])
    morning = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)  # 10:00 in Shanghai
    assert of(run(evidence, attendance=[present(1, DAY)], as_of=morning), "care.outdoor_time") == []
    [finding] = of(run(evidence, attendance=[present(1, DAY)], as_of=morning + timedelta(days=1)), "care.outdoor_time")
    assert "30 分钟" in finding.message_zh


def test_findings_name_the_child_from_the_enrolment_records() -> None:
    from compliance import ChildRecord

    done = nap(DAY)
    inputs = ComplianceInputs(centre=make_centre(), classes=CLASSES, children=(ChildRecord(1, 10, DAY, name="王小明"),),
                              care=CareEvidence(naps=[done], nap_checks=every(done, 30, 60)))
    [finding] = of(evaluate_care(inputs, RULES, JUNE), "care.nap_patrol")
    assert finding.message_zh.startswith("班级「小一班」幼儿王小明 2025-06-03 午睡")
    assert finding.message_en.startswith("Class 小一班: 王小明's nap")
