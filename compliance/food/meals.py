"""Evidence of the weekly menus (带量食谱) and the monthly 膳食费 publications / 带量食谱与膳食费公示记录.

Plain records the server streams out of its database; ``compliance.evaluators.meals`` judges them. Every instant is
the moment the record was written (``published_at`` is stamped by the server), so a late publication cannot be
back-dated. Money is in fen (分).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction


def monday_of(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class MenuPublicationRecord:
    """One published version of a week's menu."""

    week_of: date  # the Monday
    version_no: int
    published_at: datetime  # when it was written, not a date the user typed
    dishes: int


@dataclass(frozen=True)
class MealFeeRecord:
    """One published version of a month's meal-fee account."""

    month: date  # the first day of the month
    version_no: int
    income_fen: int
    spending_fen: int
    published_at: datetime

    @property
    def balance_fen(self) -> int:
        """Surplus (positive) or deficit (negative)."""
        return self.income_fen - self.spending_fen


def balance_share(income_fen: int, spending_fen: int) -> Fraction | None:
    """|income − spending| as a percentage of income, exactly (None when there was no income)."""
    if income_fen <= 0:
        return None
    return Fraction(abs(income_fen - spending_fen) * 100, income_fen)


@dataclass(frozen=True)
class MealsEvidence:
    """The centre's published menus and meal-fee accounts, and when it had children to feed.

    ``weeks_with_children`` are the Mondays of the weeks with at least one child enrolled on a weekday;
    ``months_with_children`` the first days of the months with at least one child enrolled.
    """

    menus: tuple[MenuPublicationRecord, ...] = ()
    fees: tuple[MealFeeRecord, ...] = ()
    weeks_with_children: frozenset[date] = field(default_factory=frozenset)
    months_with_children: frozenset[date] = field(default_factory=frozenset)

    def first_menu(self, week_of: date) -> MenuPublicationRecord | None:
        """The week's first published version."""
        found = [m for m in self.menus if m.week_of == week_of]
        return min(found, key=lambda m: (m.published_at, m.version_no)) if found else None

    def latest_fee(self, month: date, as_of: datetime | None = None) -> MealFeeRecord | None:
        """The month's latest version written by `as_of` (any time when None)."""
        found = [f for f in self.fees if f.month == month and (as_of is None or f.published_at <= as_of)]
        return max(found, key=lambda f: (f.version_no, f.published_at)) if found else None

    def first_fee(self, month: date) -> MealFeeRecord | None:
        """The month's first publication."""
        found = [f for f in self.fees if f.month == month]
        return min(found, key=lambda f: (f.published_at, f.version_no)) if found else None
