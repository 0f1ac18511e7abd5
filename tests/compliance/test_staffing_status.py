"""Credential validity on a day, warning stages, a person's certification and its reasons, number masking."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from staff_factories import CATALOGUE, RULES, cred, without

from compliance.rulebook import BOOK_DIR, effective_rulebook, load_books
from compliance.staffing import (
    CredentialState,
    Requirement,
    add_months,
    credential_state,
    effective_expiry,
    mask_number,
    staff_status,
    warning_stage,
)

DAY = date(2025, 6, 1)


def health(expires_on: date | None, issued_on: date = date(2025, 1, 1), staff_id: int = 1):
    return cred(staff_id, "health_certificate", issued_on, expires_on)


def state(expires_on: date, day: date = DAY) -> CredentialState:
    return credential_state(health(expires_on), day, CATALOGUE, RULES)


def test_expiring_today_is_still_valid_today() -> None:
    assert state(DAY).counts


def test_expired_yesterday_is_not_valid() -> None:
    assert state(DAY - timedelta(days=1)) is CredentialState.EXPIRED


def test_not_valid_before_it_is_issued() -> None:
    assert credential_state(health(None, issued_on=DAY), DAY - timedelta(days=1), CATALOGUE, RULES) is (
        CredentialState.NOT_YET_VALID
    )
    assert credential_state(health(None, issued_on=DAY), DAY, CATALOGUE, RULES).counts


@pytest.mark.parametrize(
    ("days_left", "expected_state", "stage"),
    [
        (61, CredentialState.VALID, None),
        (60, CredentialState.EXPIRING, 60),
        (31, CredentialState.EXPIRING, 60),
        (30, CredentialState.EXPIRING, 30),
        (8, CredentialState.EXPIRING, 30),
        (7, CredentialState.EXPIRING, 7),
        (0, CredentialState.EXPIRING, 7),
        (-1, CredentialState.EXPIRED, 0),
    ],
)
def test_warning_stages_follow_the_rule_figures(days_left: int, expected_state: CredentialState, stage: int | None) -> None:
    # Issued so recently that the 12-month cap is not what decides.
    item = health(DAY + timedelta(days=days_left), issued_on=DAY - timedelta(days=100))
    assert credential_state(item, DAY, CATALOGUE, RULES) is expected_state
    assert warning_stage(item, DAY, CATALOGUE, RULES) == stage


def test_without_the_warning_rule_nothing_is_expiring() -> None:
    rules = without(RULES, "staff.credential_expiry_warning")
    item = health(DAY + timedelta(days=3), issued_on=date(2025, 1, 1))
    assert credential_state(item, DAY, CATALOGUE, rules) is CredentialState.VALID
    assert warning_stage(item, DAY, CATALOGUE, rules) is None


def test_effective_expiry_is_capped_by_the_validity_rule() -> None:
    assert effective_expiry(health(date(2027, 5, 1), issued_on=date(2025, 1, 10)), CATALOGUE, RULES) == date(2026, 1, 9)


def test_earlier_printed_expiry_wins_over_the_cap() -> None:
    assert effective_expiry(health(date(2025, 9, 30), issued_on=date(2025, 1, 10)), CATALOGUE, RULES) == date(2025, 9, 30)


def test_health_certificate_without_printed_expiry_still_lasts_a_year() -> None:
    assert effective_expiry(health(None, issued_on=date(2025, 1, 10)), CATALOGUE, RULES) == date(2026, 1, 9)


def test_credential_without_validity_rule_or_printed_expiry_never_expires() -> None:
    item = cred(1, "criminal_record_check", date(2010, 1, 1))
    assert effective_expiry(item, CATALOGUE, RULES) is None
    assert credential_state(item, date(2040, 1, 1), CATALOGUE, RULES) is CredentialState.VALID


def test_validity_rule_not_in_force_leaves_the_printed_expiry() -> None:
    item = health(date(2027, 5, 1), issued_on=date(2025, 1, 10))
    assert effective_expiry(item, CATALOGUE, without(RULES, "staff.health_certificate")) == date(2027, 5, 1)


def test_food_handler_certificate_is_capped_by_its_own_rule() -> None:
    item = cred(1, "food_handler_health", date(2025, 3, 1), date(2028, 1, 1))
    assert effective_expiry(item, CATALOGUE, RULES) == date(2026, 2, 28)
    assert effective_expiry(item, CATALOGUE, without(RULES, "staff.food_handler_certificate")) == date(2028, 1, 1)


def test_regional_overlay_that_shortens_validity_takes_effect(tmp_path: Path) -> None:
    (tmp_path / "national.yaml").write_bytes((BOOK_DIR / "national.yaml").read_bytes())
    (tmp_path / "test-region.yaml").write_text(
        """\
kind: overlay
region: test-region
name: {zh: 测试地区, en: Test region}
overrides:
  - id: staff.health_certificate
    parameters:
      max_validity: {value: 6, unit: month}
    citations:
      - {document: 测试地方文件, article: 第一条, confidence: S}
    effective: {from: 2024-01-01}
""",
        encoding="utf-8",
    )
    rules = effective_rulebook("test-region", None, DAY, books=load_books(tmp_path))
    item = health(date(2026, 1, 1), issued_on=date(2025, 1, 1))
    assert effective_expiry(item, CATALOGUE, rules) == date(2025, 6, 30)
    assert credential_state(item, date(2025, 7, 1), CATALOGUE, rules) is CredentialState.EXPIRED
    assert credential_state(item, date(2025, 7, 2), CATALOGUE, RULES).counts


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [(date(2024, 1, 31), 1, date(2024, 2, 29)), (date(2025, 1, 31), 1, date(2025, 2, 28)),
     (date(2025, 12, 15), 1, date(2026, 1, 15)), (date(2025, 3, 31), -12, date(2024, 3, 31)),
     (date(2024, 2, 29), 12, date(2025, 2, 28))],
)
def test_add_months_clamps_to_the_end_of_the_month(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(min_value=-120, max_value=120))
def test_add_months_moves_exactly_that_many_months(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day


def caregiver(*creds, day: date = DAY):
    return staff_status(1, "caregiver", creds, day, CATALOGUE, RULES)


def basics(staff_id: int = 1):
    return [health(date(2026, 1, 1), staff_id=staff_id), cred(staff_id, "criminal_record_check", date(2024, 12, 1))]


def test_caregiver_with_everything_is_certified() -> None:
    status = caregiver(*basics(), cred(1, "childcare_worker", date(2023, 5, 1), level="四级"))
    assert (status.certified, status.missing, status.expired, status.background_ok) == (True, (), (), True)
    assert status.reasons(CATALOGUE) == ()


def test_any_one_alternative_satisfies_a_requirement() -> None:
    assert caregiver(*basics(), cred(1, "infant_carer", date(2023, 5, 1))).certified
    assert not caregiver(*basics(), cred(1, "security_guard", date(2023, 5, 1))).certified


def test_missing_role_certificate_is_named_with_its_alternatives() -> None:
    status = caregiver(*basics())
    assert status.missing == (Requirement(("childcare_worker", "infant_carer")),)
    [reason] = status.reasons(CATALOGUE)
    assert reason.zh == "缺少保育师职业技能等级证书或育婴员职业技能等级证书"
    assert reason.en == "no Childcare worker (保育师) skill certificate or Infant carer (育婴员) skill certificate on file"


def test_expired_health_certificate_gives_the_expiry_date() -> None:
    old = health(date(2025, 5, 31), issued_on=date(2024, 6, 1))
    status = caregiver(old, basics()[1], cred(1, "childcare_worker", date(2023, 5, 1)))
    assert (status.certified, status.expired, status.background_ok) == (False, (old,), True)
    assert [r.zh for r in status.reasons(CATALOGUE)] == ["托幼机构工作人员健康合格证已于 2025-05-31 过期"]
    assert [r.en for r in status.reasons(CATALOGUE)] == ["Childcare staff health certificate expired on 2025-05-31"]


def test_renewal_not_yet_in_force_is_named() -> None:
    renewal = health(date(2026, 6, 2), issued_on=date(2025, 6, 2))
    status = caregiver(renewal, basics()[1], cred(1, "childcare_worker", date(2023, 5, 1)))
    assert status.not_yet_valid == (renewal,)
    assert [r.zh for r in status.reasons(CATALOGUE)] == ["托幼机构工作人员健康合格证自 2025-06-02 起才生效"]


def test_renewal_in_force_covers_an_expired_certificate() -> None:
    old = health(date(2025, 5, 1), issued_on=date(2024, 5, 1))
    renewal = health(date(2026, 4, 20), issued_on=date(2025, 4, 20))
    status = caregiver(old, renewal, basics()[1], cred(1, "childcare_worker", date(2023, 5, 1)))
    assert (status.certified, status.expired, status.expiring) == (True, (), ())


def test_renewal_silences_the_expiry_warning_of_the_old_certificate() -> None:
    soon = health(date(2025, 6, 9), issued_on=date(2024, 6, 10))
    renewal = health(date(2026, 5, 20), issued_on=date(2025, 5, 20))
    alone = caregiver(soon, basics()[1], cred(1, "childcare_worker", date(2023, 5, 1)))
    assert alone.expiring == (soon,) and alone.expiry_of(soon) == date(2025, 6, 9)
    assert caregiver(soon, renewal, basics()[1], cred(1, "childcare_worker", date(2023, 5, 1))).expiring == ()


def test_missing_background_check_is_flagged() -> None:
    status = caregiver(basics()[0], cred(1, "childcare_worker", date(2023, 5, 1)))
    assert (status.certified, status.background_ok) == (False, False)
    assert [r.zh for r in status.reasons(CATALOGUE)] == ["缺少无犯罪记录证明"]


def test_another_persons_credentials_do_not_count() -> None:
    status = caregiver(*basics(staff_id=2), cred(2, "childcare_worker", date(2023, 5, 1)))
    assert len(status.missing) == 3


def test_kitchen_needs_the_food_handler_certificate() -> None:
    status = staff_status(1, "kitchen", basics(), DAY, CATALOGUE, RULES)
    assert status.missing == (Requirement(("food_handler_health",)),)


def test_unknown_role_is_an_error() -> None:
    with pytest.raises(KeyError):
        staff_status(1, "driver", basics(), DAY, CATALOGUE, RULES)


@pytest.mark.parametrize(
    ("number", "masked"),
    [("440102199001011234", "4401**********1234"), ("1234567890", "1234**7890"), ("123456789", "123***789"),
     ("12345", "1***5"), ("1234", "1**4"), ("123", "***"), ("12", "**"), ("1", "*"), ("", ""), (None, ""),
     ("  AB123456789  ", "AB12***6789")],
)
def test_mask_number(number: str | None, masked: str) -> None:
    assert mask_number(number) == masked


@given(st.text(alphabet="0123456789Xx-", max_size=40))
def test_masking_never_shows_more_than_eight_characters(number: str) -> None:
    masked = mask_number(number)
    shown = len(masked) - masked.count("*")
    assert len(masked) == len(number.strip())
    assert shown <= 8
    assert len(masked) < 2 or masked.count("*") >= 2
