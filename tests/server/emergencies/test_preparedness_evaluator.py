"""The preparedness evaluator on plain records: plans read, drills held, actions done, fire checks, the certificate,
the isolation room and supplies — each rule due, missed and fine, judged at injected instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from compliance import CentreRecord, ComplianceInputs, FilingStatus, LegalForm, Period
from compliance.evaluators.emergency_preparedness import (
    DrillActionRecord,
    DrillRecord,
    FireCertificateRecord,
    FireCheckRecord,
    IsolationRecord,
    PlanVersionRecord,
    PreparednessEvidence,
    SupplyLevelRecord,
    evaluate_emergency_preparedness,
)
from compliance.period import add_months
from compliance.rulebook import effective_rulebook
from compliance.staffing.records import StaffMemberRecord

CENTRE = CentreRecord("A-1", "阳光托育", LegalForm.FOR_PROFIT, "市场监管局", FilingStatus.FILED, date(2024, 1, 1),
                      40, 20)
RULES = effective_rulebook(None, None, date(2026, 9, 1))
CHONGQING = effective_rulebook("chongqing", None, date(2026, 9, 1))
SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))
STAFF = (StaffMemberRecord(1, "张老师", "caregiver", date(2025, 1, 1)),
         StaffMemberRecord(2, "李老师", "caregiver", date(2025, 1, 1)))
FINE = dict(isolation=IsolationRecord(True, "一楼隔离室", date(2026, 9, 1)),
            certificates=(FireCertificateRecord(1, date(2026, 3, 1), date(2027, 2, 28), "消防救援大队"),),
            fire_checks=(FireCheckRecord(1, date(2026, 9, 5)),),
            drills=(DrillRecord(1, date(2026, 8, 20), "fire"),),
            # a centre in order has a plan its staff have read (with none at all, plans_read says so)
            plan_versions=(PlanVersionRecord(99, "fire", "火灾", 1, datetime(2026, 1, 5, 1, tzinfo=UTC),
                                             reads=((1, datetime(2026, 1, 6, 1, tzinfo=UTC)),
                                                    (2, datetime(2026, 1, 6, 1, tzinfo=UTC)))),))


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 8, tzinfo=UTC)  # centre-local hour in Shanghai


def test_a_centre_with_no_plan_at_all_is_told_so():
    assert [f.evidence for f in run(plan_versions=())] == [("plan_version:none",)]


def run(rules=RULES, period: Period = SEPTEMBER, as_of: datetime | None = None, **evidence):  # type: ignore[no-untyped-def]
    inputs = ComplianceInputs(centre=CENTRE, as_of=as_of,
                              preparedness=PreparednessEvidence(**{"staff": STAFF, **FINE, **evidence}))
    return evaluate_emergency_preparedness(inputs, rules, period)


def ids(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.rule_id for f in findings]


def test_a_centre_that_keeps_everything_has_no_finding():
    assert run() == []


def test_no_preparedness_records_kept_here_means_no_judgement():
    assert evaluate_emergency_preparedness(ComplianceInputs(centre=CENTRE), RULES, SEPTEMBER) == []


def test_a_plan_unread_past_the_window_names_who_has_not_confirmed():
    version = PlanVersionRecord(7, "fire", "火灾", 2, at(date(2026, 9, 1)), reads=((1, at(date(2026, 9, 3))),))
    findings = run(plan_versions=(version,))
    assert ids(findings) == ["emergency.plans_read"]
    assert findings[0].evidence == ("plan_version:7", "staff:2") and "李老师" in findings[0].message_zh


def test_a_plan_still_within_its_window_is_not_yet_a_finding():
    version = PlanVersionRecord(7, "fire", "火灾", 2, at(date(2026, 9, 25)))
    assert run(plan_versions=(version,)) == []


def test_a_plan_everyone_read_in_time_is_fine():
    version = PlanVersionRecord(7, "fire", "火灾", 1, at(date(2026, 9, 1)),
                                reads=((1, at(date(2026, 9, 2))), (2, at(date(2026, 9, 14)))))
    assert run(plan_versions=(version,)) == []


def test_a_version_superseded_before_its_deadline_asks_nothing_more():
    old = PlanVersionRecord(7, "fire", "火灾", 1, at(date(2026, 9, 1)), superseded_at=at(date(2026, 9, 10)))
    assert run(plan_versions=(old,), as_of=at(date(2026, 9, 20))) == []


def test_no_drill_within_the_interval_is_a_finding():
    findings = run(drills=(DrillRecord(1, date(2026, 6, 2), "fire"),))
    assert ids(findings) == ["emergency.drills"] and "2026-09-02" in findings[0].message_zh


def test_a_drill_held_late_is_reported_with_its_date():
    findings = run(drills=(DrillRecord(1, date(2026, 6, 2), "fire"), DrillRecord(2, date(2026, 9, 10), "earthquake")))
    assert ids(findings) == ["emergency.drills"] and "2026-09-10" in findings[0].message_zh


def test_a_drill_overdue_since_an_earlier_period_is_a_finding_of_every_period_until_one_is_held():
    months = [Period(date(2026, m, 1), add_months(date(2026, m, 1), 1) - timedelta(days=1)) for m in (9, 10, 11)]
    drills = (DrillRecord(1, date(2026, 4, 2), "fire"), DrillRecord(2, date(2026, 11, 20), "earthquake"))
    def drill_findings(period: Period) -> list[str]:
        return [i for i in ids(run(period=period, as_of=at(date(2026, 12, 7)), drills=drills)) if i == "emergency.drills"]

    assert [drill_findings(p) for p in months] == [["emergency.drills"]] * 3
    assert drill_findings(Period(date(2026, 12, 1), date(2026, 12, 6))) == []


def test_a_drill_due_later_than_the_period_is_not_yet_a_finding():
    assert run(drills=(DrillRecord(1, date(2026, 7, 15), "fire"),)) == []


def test_a_corrective_action_past_due_is_a_finding_and_one_done_in_time_is_not():
    open_action = DrillActionRecord(1, 1, "疏散通道清理", date(2026, 9, 10))
    done = DrillActionRecord(2, 1, "更换应急灯", date(2026, 9, 10), date(2026, 9, 9))
    findings = run(actions=(open_action, done))
    assert ids(findings) == ["emergency.drills"] and findings[0].evidence == ("drill:1", "drill_action:1")


def test_an_action_not_yet_due_is_not_a_finding():
    assert run(actions=(DrillActionRecord(1, 1, "疏散通道清理", date(2026, 10, 10)),)) == []


def test_a_month_without_a_fire_check_is_a_finding():
    findings = run(fire_checks=(FireCheckRecord(1, date(2026, 8, 5)),),
                   period=Period(date(2026, 8, 1), date(2026, 9, 30)))
    assert [f.evidence for f in findings] == [("fire_check_month:2026-09",)]


def test_the_current_month_is_not_judged_before_it_ends():
    assert run(fire_checks=(), as_of=at(date(2026, 9, 20))) == []


def test_no_valid_certificate_is_a_finding():
    expired = FireCertificateRecord(1, date(2025, 9, 1), date(2026, 8, 31), "消防救援大队")
    findings = run(certificates=(expired,))
    assert ids(findings) == ["fire.safety_inspection"] and "2026-08-31" in findings[0].message_zh


def test_a_certificate_claiming_more_than_twelve_months_is_a_warning():
    long = FireCertificateRecord(1, date(2026, 1, 1), date(2027, 6, 30), "消防救援大队")
    assert [f.severity.value for f in run(certificates=(long,))] == ["warning"]


def test_no_isolation_room_is_a_finding():
    assert ids(run(isolation=None)) == ["health.isolation_supplies"]


def test_a_supply_below_minimum_too_long_is_a_finding_and_briefly_below_is_not():
    long = SupplyLevelRecord("masks", "口罩", "Masks", 200, 50, at(date(2026, 9, 1)))
    brief = SupplyLevelRecord("gloves", "一次性手套", "Gloves", 100, 20, at(date(2026, 9, 28)))
    findings = run(supplies=(long, brief))
    assert [f.evidence for f in findings] == [("supply:masks",)]


def test_in_chongqing_a_scenario_without_a_plan_is_a_finding():
    version = PlanVersionRecord(7, "fire", "火灾", 1, at(date(2026, 8, 1)), reads=((1, at(date(2026, 8, 2))),
                                                                                   (2, at(date(2026, 8, 2)))))
    findings = run(CHONGQING, plan_versions=(version,), scenarios=(("fire", "火灾"), ("earthquake", "地震")))
    assert [f.evidence for f in findings] == [("plan_scenario:earthquake",)]
    assert run(plan_versions=(version,), scenarios=(("fire", "火灾"), ("earthquake", "地震"))) == []
