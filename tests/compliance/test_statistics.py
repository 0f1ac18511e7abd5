"""出勤率 per 卫生保健工作规范 附件5, checked against hand calculations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from compliance import AttendanceRecord, attendance_by_class_month, attendance_rate


def test_rate_rounds_half_up_not_to_even() -> None:
    # 1 / 16 = 6.25 %: half up gives 6.3 (round() and half-even would give 6.2).
    assert attendance_rate(1, 16) == Decimal("6.3")


def test_rate_keeps_one_decimal() -> None:
    # 19 / 21 = 90.476… %
    assert attendance_rate(19, 21) == Decimal("90.5")


def test_rate_of_two_thirds() -> None:
    assert attendance_rate(2, 3) == Decimal("66.7")


def test_full_attendance_is_one_hundred_point_zero() -> None:
    assert str(attendance_rate(20, 20)) == "100.0"


def test_rate_without_expected_attendance_is_none() -> None:
    assert attendance_rate(0, 0) is None


def test_more_present_than_expected_is_refused() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        attendance_rate(5, 4)


def _records() -> list[AttendanceRecord]:
    records = [
        # Class A, January: 3 expected, 2 present.
        AttendanceRecord("c1", "A", date(2025, 1, 2), present=True),
        AttendanceRecord("c2", "A", date(2025, 1, 2), present=False),
        AttendanceRecord("c1", "A", date(2025, 1, 3), present=True),
        # Came on a day off: counts in neither number.
        AttendanceRecord("c2", "A", date(2025, 1, 4), present=True, expected=False),
        # Class A, February: 1 expected, 1 present.
        AttendanceRecord("c1", "A", date(2025, 2, 3), present=True),
        # Class B, January: 16 expected, 1 present.
    ]
    records += [AttendanceRecord(f"b{i}", "B", date(2025, 1, 6), present=i == 0) for i in range(16)]
    return records


def test_rates_per_class_and_month() -> None:
    rows = [(r.class_id, r.month, r.present, r.expected, r.rate) for r in attendance_by_class_month(_records())]
    assert rows == [
        ("A", "2025-01", 2, 3, Decimal("66.7")),
        ("A", "2025-02", 1, 1, Decimal("100.0")),
        ("B", "2025-01", 1, 16, Decimal("6.3")),
    ]
