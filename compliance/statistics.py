"""Statistics the 卫生保健工作规范 asks for / 统计指标.

出勤率 (附件5): 实际出勤人次 / 应出勤人次 × 100 %, one decimal. Rounding is half
up (四舍五入) with Decimal, because binary floats and Python's round() (half to
even) both disagree with a hand calculation on cases like 6.25 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from compliance.records import AttendanceRecord, RecordId

ONE_DECIMAL = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    """``part / whole × 100`` with one decimal, rounded half up (四舍五入); None when ``whole`` is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def attendance_rate(present: int, expected: int) -> Decimal | None:
    """出勤率 in percent with one decimal, rounded half up; None when nobody was expected."""
    if expected < 0 or present < 0:
        raise ValueError("counts cannot be negative")
    if present > expected:
        raise ValueError(f"present ({present}) exceeds expected ({expected})")
    return percent(present, expected)


@dataclass(frozen=True)
class ClassMonthAttendance:
    """出勤率 of one class in one month."""

    class_id: RecordId
    month: str  # "YYYY-MM"
    expected: int  # 应出勤人次
    present: int  # 实际出勤人次

    @property
    def rate(self) -> Decimal | None:
        """出勤率 in percent, one decimal."""
        return attendance_rate(self.present, self.expected)


def attendance_by_class_month(records: Iterable[AttendanceRecord]) -> list[ClassMonthAttendance]:
    """出勤率 per class and month from attendance lines, in one streaming pass.

    Only days on which the child was expected count: a child who came on a day
    they were not expected adds to neither count, so the rate stays ≤ 100 %.
    """
    counts: dict[tuple[RecordId, str], list[int]] = {}
    for record in records:
        if not record.expected:
            continue
        tally = counts.setdefault((record.class_id, f"{record.on.year:04d}-{record.on.month:02d}"), [0, 0])
        tally[0] += 1
        tally[1] += 1 if record.present else 0
    return [
        ClassMonthAttendance(class_id=class_id, month=month, expected=tally[0], present=tally[1])
        for (class_id, month), tally in sorted(counts.items(), key=lambda item: (str(item[0][0]), item[0][1]))
    ]
