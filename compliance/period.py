"""A closed date interval, the unit of every report / 报告期间."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    """Dates from ``start`` to ``end``, both included (报告期间，含首尾两日)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends before it starts: {self.start} > {self.end}")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        """Number of calendar days in the period."""
        return (self.end - self.start).days + 1

    def each_day(self) -> Iterator[date]:
        """Every date of the period, in order."""
        for offset in range(self.days):
            yield self.start + timedelta(days=offset)

    def months(self) -> Iterator[Period]:
        """The period cut at month ends: each calendar month it touches, clipped to the period (monthly summaries)."""
        first = self.start.replace(day=1)
        while first <= self.end:
            following = (first + timedelta(days=32)).replace(day=1)
            yield Period(max(first, self.start), min(following - timedelta(days=1), self.end))
            first = following

    def to_json(self) -> dict[str, str]:
        """The period as ``{"from": ISO date, "to": ISO date}``."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def label(self) -> str:
        """Human label, e.g. ``2025-01-01 至 2025-03-31``."""
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (2024-01-31 + 1 → 2024-02-29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
