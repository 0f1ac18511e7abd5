"""持证上岗率 by day, month and period against hand-computed figures; training totals and coverage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from staff_factories import CATALOGUE, RULES, certified_set, cred, duty, member, training

from compliance.period import Period
from compliance.staffing import (
    CertifiedShare,
    StaffEvidence,
    certified_share_by_day,
    certified_share_by_month,
    certified_share_for,
    training_summary,
)

D1, D2, D3, D4 = (date(2025, 6, d) for d in (2, 3, 4, 5))
FOUR_DAYS = Period(D1, D4)


def three_people() -> tuple[StaffEvidence, list]:
    """A certified all along; B's health certificate lasts to D2; C has no 保育师/育婴员 certificate.

    A and B are rostered every day, B also checks in at the kiosk on D1 (counted once); C only checks in, D2 and D3.
    """
    creds = (
        certified_set(1)
        + certified_set(2, health_until=D2)
        + [c for c in certified_set(3) if c.type_code != "childcare_worker"]
    )
    duties = [duty(s, d) for s in (1, 2) for d in (D1, D2, D3, D4)]
    check_ins = [duty(2, D1, "kiosk"), duty(3, D2, "kiosk"), duty(3, D3, "kiosk")]
    evidence = StaffEvidence(members=[member(1), member(2), member(3)], credentials=creds, duties=duties)
    return evidence, check_ins


def test_share_by_day_matches_the_hand_count() -> None:
    evidence, check_ins = three_people()
    days = certified_share_by_day(evidence, check_ins, FOUR_DAYS, CATALOGUE, RULES)
    # D1: A B both certified; D2: A B C, C not; D3: A B C, B expired; D4: A B, B expired.
    assert [(d, s.on_duty, s.certified, s.share) for d, s in days] == [
        (D1, 2, 2, Decimal("100.0")),
        (D2, 3, 2, Decimal("66.7")),
        (D3, 3, 1, Decimal("33.3")),
        (D4, 2, 1, Decimal("50.0")),
    ]


def test_share_over_the_period_counts_person_days() -> None:
    evidence, check_ins = three_people()
    total = certified_share_for(evidence, check_ins, FOUR_DAYS, CATALOGUE, RULES)
    assert (total.on_duty, total.certified, total.share) == (10, 6, Decimal("60.0"))


def test_share_by_month_splits_at_the_month_boundary() -> None:
    evidence = StaffEvidence(
        members=[member(1), member(2)], credentials=certified_set(1),
        duties=[duty(1, date(2025, 5, 31)), duty(2, date(2025, 5, 31)), duty(1, date(2025, 6, 1))],
    )
    months = certified_share_by_month(evidence, (), Period(date(2025, 5, 30), date(2025, 6, 1)), CATALOGUE, RULES)
    assert months == [(date(2025, 5, 1), CertifiedShare(2, 1)), (date(2025, 6, 1), CertifiedShare(1, 1))]


def test_nobody_on_duty_has_no_share() -> None:
    evidence, _ = three_people()
    empty = Period(date(2025, 7, 1), date(2025, 7, 3))
    assert certified_share_for(evidence, (), empty, CATALOGUE, RULES) == CertifiedShare(0, 0)
    assert CertifiedShare(0, 0).share is None
    assert [s.share for _, s in certified_share_by_day(evidence, (), empty, CATALOGUE, RULES)] == [None] * 3


def test_someone_on_duty_without_a_staff_record_is_not_certified() -> None:
    evidence = StaffEvidence(members=[member(1)], credentials=certified_set(1), duties=[duty(1, D1), duty(9, D1)])
    assert certified_share_for(evidence, (), Period(D1, D1), CATALOGUE, RULES) == CertifiedShare(2, 1)


def test_share_rounds_half_up_to_one_decimal() -> None:
    assert CertifiedShare(16, 1).share == Decimal("6.3")  # 6.25 → 6.3, not banker's 6.2
    assert CertifiedShare(8, 1).share == Decimal("12.5")
    assert CertifiedShare(6, 1).share == Decimal("16.7")
    assert CertifiedShare(3, 3).share == Decimal("100.0")


@given(st.integers(min_value=1, max_value=10_000).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))))
def test_share_is_a_percentage_with_one_decimal(pair: tuple[int, int]) -> None:
    on_duty, certified = pair
    share = CertifiedShare(on_duty, certified).share
    assert share is not None and Decimal(0) <= share <= Decimal(100)
    assert share.as_tuple().exponent == -1
    assert abs(share - Decimal(certified) * 100 / on_duty) <= Decimal("0.05")


def test_training_summary_totals_hours_and_coverage() -> None:
    quarter = Period(date(2025, 4, 1), date(2025, 6, 30))
    evidence = StaffEvidence(
        members=[member(1), member(2), member(3), member(4, left_on=date(2025, 3, 31))],
        trainings=[
            training(1, date(2025, 4, 3), "emergency", "2"),
            training(1, date(2025, 5, 3), "pre_service", "8"),
            training(1, date(2025, 6, 3), "emergency", "1.5"),
            training(2, date(2025, 6, 30), "law", "3"),
            training(3, date(2025, 3, 31), "skills", "6"),  # before the quarter
            training(4, date(2025, 3, 1), "skills", "6"),  # left before the quarter
        ],
    )
    summary = training_summary(evidence, quarter)
    assert summary.per_person == {
        1: {"pre_service": Decimal("8"), "emergency": Decimal("3.5")},
        2: {"law": Decimal("3")},
    }
    assert summary.totals == {"pre_service": Decimal("8"), "law": Decimal("3"), "emergency": Decimal("3.5")}
    assert list(summary.totals) == ["pre_service", "law", "emergency"]
    assert (summary.total_hours, summary.employed, summary.trained) == (Decimal("14.5"), 3, 2)
    assert summary.coverage == Decimal("66.7")
    assert summary.hours_of(1) == Decimal("11.5") and summary.hours_of(3) == Decimal(0)


def test_training_coverage_without_staff_is_none() -> None:
    assert training_summary(StaffEvidence(), FOUR_DAYS).coverage is None


def test_one_persons_certificates_do_not_certify_another() -> None:
    evidence = StaffEvidence(members=[member(2), member(4)], credentials=certified_set(2), duties=[duty(4, D1)])
    assert certified_share_for(evidence, (), FOUR_DAYS, CATALOGUE, RULES) == CertifiedShare(1, 0)


def test_duty_outside_the_period_is_ignored() -> None:
    evidence = StaffEvidence(members=[member(1)], credentials=[cred(1, "health_certificate", D1)],
                             duties=[duty(1, date(2025, 6, 1)), duty(1, date(2025, 6, 6))])
    assert certified_share_for(evidence, (), FOUR_DAYS, CATALOGUE, RULES) == CertifiedShare(0, 0)
