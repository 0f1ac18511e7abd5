"""The staff evaluator: one test per finding rule, the boundaries of each, and rules not in force."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest
from compliance_factories import make_centre
from staff_factories import RULES, certified_set, cred, duty, member, training, without

from compliance import EVALUATORS, ComplianceInputs, Finding, Period, Severity, effective_rulebook, evaluate
from compliance.evaluators.staff import evaluate_staff
from compliance.rulebook import Rulebook
from compliance.staffing import DutyRecord, HeldCredential, StaffEvidence, StaffMemberRecord, TrainingRecord

JUNE = Period(date(2025, 6, 1), date(2025, 6, 30))
DRILL = training(1, date(2025, 3, 1))


def run(
    members: Sequence[StaffMemberRecord],
    credentials: Sequence[HeldCredential],
    *,
    duties: Sequence[DutyRecord] = (),
    trainings: Sequence[TrainingRecord] | None = None,
    check_ins: Sequence[DutyRecord] = (),
    as_of: datetime | None = None,
    rules: Rulebook = RULES,
) -> list[Finding]:
    if trainings is None:
        trainings = [training(m.staff_id, date(2025, 3, 1)) for m in members]
    evidence = StaffEvidence(members=members, credentials=credentials, duties=duties, trainings=trainings)
    inputs = ComplianceInputs(centre=make_centre(), staff=evidence, staff_check_ins=check_ins, as_of=as_of)
    return evaluate_staff(inputs, rules, JUNE)


def of(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]


def without_code(creds: list[HeldCredential], code: str) -> list[HeldCredential]:
    return [c for c in creds if c.type_code != code]


def test_evaluator_is_wired_and_silent_without_staff_files() -> None:
    assert evaluate_staff in EVALUATORS
    assert evaluate_staff(ComplianceInputs(centre=make_centre()), RULES, JUNE) == []


def test_certified_staff_give_no_finding() -> None:
    duties = [duty(1, d) for d in JUNE.each_day()]
    assert run([member(1, name="王芳")], certified_set(1), duties=duties) == []


def test_expired_health_certificate_counts_the_days_from_the_day_after() -> None:
    creds = certified_set(1, issued_on=date(2024, 6, 11), health_until=date(2025, 6, 10))
    [finding] = of(run([member(1, name="王芳")], creds), "staff.health_certificate")
    health = next(c for c in creds if c.type_code == "health_certificate")
    assert finding.severity is Severity.VIOLATION
    assert finding.evidence == ("staff:1", f"credential:{health.credential_id}")
    assert finding.message_zh == (
        "王芳（保育人员）有 20 天没有有效的托幼机构工作人员健康合格证"
        "（首日 2025-06-11：托幼机构工作人员健康合格证已于 2025-06-10 过期）。"
    )
    assert finding.message_en == (
        "王芳 (Caregiver) had no valid Childcare staff health certificate on 20 days "
        "(first 2025-06-11: Childcare staff health certificate expired on 2025-06-10)."
    )


def test_health_certificate_expiring_on_the_last_day_is_no_finding() -> None:
    creds = certified_set(1, issued_on=date(2024, 7, 1), health_until=date(2025, 6, 30))
    assert of(run([member(1)], creds), "staff.health_certificate") == []


def test_only_days_of_employment_count() -> None:
    creds = without_code(certified_set(1), "health_certificate")
    [finding] = of(run([member(1, hired_on=date(2025, 6, 21))], creds), "staff.health_certificate")
    assert "有 10 天" in finding.message_zh and "首日 2025-06-21：缺少托幼机构工作人员健康合格证" in finding.message_zh


def test_kitchen_food_handler_certificate_is_a_health_finding() -> None:
    creds = without_code(certified_set(1, "kitchen"), "food_handler_health")
    [finding] = of(run([member(1, "kitchen", name="李强")], creds), "staff.health_certificate")
    assert finding.message_zh.startswith("李强（炊事员）有 30 天没有有效的食品从业人员健康证明")


def test_missing_background_check() -> None:
    creds = without_code(certified_set(1, "security"), "criminal_record_check")
    [finding] = of(run([member(1, "security", name="赵刚")], creds), "staff.background_check")
    assert finding.severity is Severity.VIOLATION and "无犯罪记录证明" in finding.message_zh
    assert "Certificate of no criminal record" in finding.message_en


def test_missing_role_certificate() -> None:
    creds = without_code(certified_set(1, "health"), "health_care_training")
    [finding] = of(run([member(1, "health")], creds), "staff.qualification")
    assert "保健员培训合格证或医师执业证书或护士执业证书" in finding.message_zh


def test_expired_role_certificate() -> None:
    creds = without_code(certified_set(1), "childcare_worker") + [
        cred(1, "childcare_worker", date(2022, 6, 1), date(2025, 6, 15))
    ]
    [finding] = of(run([member(1)], creds), "staff.qualification")
    assert "有 15 天" in finding.message_zh and "保育师职业技能等级证书已于 2025-06-15 过期" in finding.message_zh


def test_uncertified_on_duty_counts_duty_days_with_the_reason() -> None:
    creds = certified_set(1, issued_on=date(2024, 6, 11), health_until=date(2025, 6, 10))
    duties = [duty(1, date(2025, 6, d)) for d in (9, 10, 11, 12)]
    check_ins = [duty(1, date(2025, 6, 12), "kiosk"), duty(1, date(2025, 6, 13), "kiosk")]
    [finding] = of(run([member(1, name="王芳")], creds, duties=duties, check_ins=check_ins), "staff.uncertified_on_duty")
    assert finding.evidence == ("staff:1",)
    assert finding.message_zh == (
        "王芳（保育人员）未持有效证件上岗 3 天（首日 2025-06-11：托幼机构工作人员健康合格证已于 2025-06-10 过期）。"
    )
    assert finding.message_en.startswith("王芳 (Caregiver) was on duty without valid certificates on 3 days")


def test_someone_on_duty_without_a_staff_record() -> None:
    [finding] = of(run([], [], check_ins=[duty(7, date(2025, 6, 3), "kiosk")]), "staff.uncertified_on_duty")
    assert finding.message_zh == "工作人员 7未持有效证件上岗 1 天（首日 2025-06-03：不在工作人员档案中）。"


def ten_person_days(certified: int) -> dict:
    """Ten people on duty on 2 June, ``certified`` of them certified."""
    members = [member(i) for i in range(1, 11)]
    creds = [c for i in range(1, certified + 1) for c in certified_set(i)]
    return {"members": members, "credentials": creds, "duties": [duty(i, date(2025, 6, 2)) for i in range(1, 11)]}


def test_certified_share_below_the_national_figure() -> None:
    [finding] = of(run(**ten_person_days(8)), "staff.certified_share")
    assert finding.severity is Severity.VIOLATION and finding.evidence == ("centre:SY-0001",)
    assert finding.message_zh == (
        "2025-06-01 至 2025-06-30 从业人员持证上岗率 80.0%（持证上岗 8 人日 / 上岗 10 人日），低于 90%。"
    )
    assert "80.0 % (8 of 10 person-days on duty), below 90 %" in finding.message_en


def test_certified_share_at_the_figure_is_no_finding() -> None:
    assert of(run(**ten_person_days(9)), "staff.certified_share") == []


def test_region_figure_of_100_percent_applies() -> None:
    shaoyang = effective_rulebook("hunan-shaoyang", None, date(2025, 6, 1))
    [finding] = of(run(**ten_person_days(9), rules=shaoyang), "staff.certified_share")
    assert "90.0%" in finding.message_zh and "低于 100%" in finding.message_zh


def test_no_duty_no_share_finding() -> None:
    assert of(run([member(1)], []), "staff.certified_share") == []


@pytest.mark.parametrize(
    ("expires_on", "stage", "left"),
    [(date(2025, 8, 29), 60, 60), (date(2025, 7, 31), 60, 31), (date(2025, 7, 30), 30, 30),
     (date(2025, 7, 7), 7, 7), (date(2025, 6, 30), 7, 0)],
)
def test_expiry_warning_names_the_stage(expires_on: date, stage: int, left: int) -> None:
    creds = certified_set(1, issued_on=date(2024, 9, 1), health_until=expires_on)
    [finding] = of(run([member(1, name="王芳")], creds), "staff.credential_expiry_warning")
    assert finding.severity is Severity.WARNING
    assert finding.message_zh == (
        f"王芳（保育人员）的托幼机构工作人员健康合格证将于 {expires_on.isoformat()} 到期"
        f"（截至 2025-06-30 剩 {left} 天，{stage} 天提醒），请及时换证。"
    )
    assert f"{stage}-day warning" in finding.message_en


def test_no_warning_beyond_the_first_figure() -> None:
    creds = certified_set(1, issued_on=date(2024, 9, 1), health_until=date(2025, 8, 30))
    assert of(run([member(1)], creds), "staff.credential_expiry_warning") == []


def test_warning_looks_ahead_from_the_reading_time_within_the_period() -> None:
    creds = certified_set(1, issued_on=date(2024, 9, 1), health_until=date(2025, 8, 19))
    as_of = datetime(2025, 6, 20, 9, 0, tzinfo=UTC)
    [finding] = of(run([member(1)], creds, as_of=as_of), "staff.credential_expiry_warning")
    assert "截至 2025-06-20 剩 60 天" in finding.message_zh
    assert of(run([member(1)], creds, as_of=datetime(2025, 6, 19, tzinfo=UTC)), "staff.credential_expiry_warning") == []


def test_warning_counts_from_the_centres_local_day_not_the_utc_one() -> None:
    creds = certified_set(1, issued_on=date(2024, 9, 1), health_until=date(2025, 8, 19))
    as_of = datetime(2025, 6, 19, 17, 0, tzinfo=UTC)  # 2025-06-20 01:00 in Shanghai
    [finding] = of(run([member(1)], creds, as_of=as_of), "staff.credential_expiry_warning")
    assert "截至 2025-06-20 剩 60 天" in finding.message_zh


def test_renewal_on_file_silences_the_warning() -> None:
    creds = certified_set(1, issued_on=date(2024, 9, 1), health_until=date(2025, 7, 10))
    creds.append(cred(1, "health_certificate", date(2025, 6, 25), date(2026, 6, 25)))
    assert of(run([member(1)], creds), "staff.credential_expiry_warning") == []


def test_no_emergency_training_in_twelve_months() -> None:
    [finding] = of(run([member(1, name="王芳")], certified_set(1), trainings=[]), "staff.emergency_training")
    assert finding.severity is Severity.WARNING
    assert finding.message_zh == "王芳（保育人员）在 2024-07-01 至 2025-06-30 期间参加应急知识培训 0 次，少于每年 1 次。"


@pytest.mark.parametrize(("held_on", "found"), [(date(2024, 7, 1), False), (date(2024, 6, 30), True)])
def test_emergency_training_window_is_twelve_months(held_on: date, found: bool) -> None:
    findings = run([member(1)], certified_set(1), trainings=[training(1, held_on)])
    assert bool(of(findings, "staff.emergency_training")) is found


def test_other_training_categories_do_not_count_as_emergency() -> None:
    findings = run([member(1)], certified_set(1), trainings=[training(1, date(2025, 5, 1), "safety")])
    assert len(of(findings, "staff.emergency_training")) == 1


def test_emergency_training_asked_only_of_child_facing_staff_still_employed() -> None:
    members = [member(1, "kitchen"), member(2, "security"), member(3, left_on=date(2025, 6, 29))]
    creds = certified_set(1, "kitchen") + certified_set(2, "security") + certified_set(3)
    assert of(run(members, creds, trainings=[]), "staff.emergency_training") == []


RULE_CASES = {
    "staff.health_certificate": lambda: without_code(certified_set(1), "health_certificate"),
    "staff.background_check": lambda: without_code(certified_set(1), "criminal_record_check"),
    "staff.qualification": lambda: without_code(certified_set(1), "childcare_worker"),
    "staff.uncertified_on_duty": lambda: without_code(certified_set(1), "childcare_worker"),
    "staff.certified_share": lambda: without_code(certified_set(1), "childcare_worker"),
    "staff.credential_expiry_warning": lambda: certified_set(1, issued_on=date(2024, 9, 1), health_until=date(2025, 7, 1)),
    "staff.emergency_training": lambda: certified_set(1),
}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_not_in_force_gives_no_finding(rule_id: str) -> None:
    creds = RULE_CASES[rule_id]()
    kwargs = {"duties": [duty(1, date(2025, 6, 2))], "trainings": []}
    assert of(run([member(1)], creds, **kwargs), rule_id)
    assert of(run([member(1)], creds, rules=without(RULES, rule_id), **kwargs), rule_id) == []


def test_evaluate_files_staff_findings_with_the_others_most_serious_first() -> None:
    creds = without_code(certified_set(1), "criminal_record_check")
    evidence = StaffEvidence(members=[member(1)], credentials=creds, duties=[duty(1, date(2025, 6, 2))])
    findings = evaluate(ComplianceInputs(centre=make_centre(), staff=evidence), RULES, JUNE)
    staff = [f.rule_id for f in findings if f.rule_id.startswith("staff.")]
    assert staff == [
        "staff.background_check", "staff.certified_share", "staff.uncertified_on_duty", "staff.emergency_training",
    ]
    assert [f.severity for f in findings] == sorted((f.severity for f in findings), key=lambda s: -s.rank)
