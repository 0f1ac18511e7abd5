"""Which rulebook limit applies to a quantity on a day, over which window, with how much data (all from the rulebook)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from compliance import Rulebook

SEASON_RULE = "environment.season"
VALIDITY_RULE = "environment.data_validity"
# Which rules judge a quantity: plain rules, or (summer rule, winter rule) chosen by the season.
PLAIN_RULES: dict[str, str] = {
    "co2_ppm": "environment.co2",
    "pm25_ugm3": "environment.pm25",
    "hcho_mgm3": "environment.formaldehyde",
    "fridge_c": "environment.fridge",
}
SEASONAL_RULES: dict[str, tuple[str, str]] = {
    "temperature_c": ("environment.temperature_summer", "environment.temperature_winter"),
    "humidity_pct": ("environment.humidity_summer", "environment.humidity_winter"),
}
WINDOW_UNITS = {"min": timedelta(minutes=1), "h": timedelta(hours=1), "day": timedelta(days=1)}
DEFAULT_WINDOW = timedelta(hours=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Validity:
    """How much data a window mean needs (GB 3095—2012 表4, rule `environment.data_validity`).

    A window of up to an hour counts minutes with data: ``min_minutes_per_hour`` of 60, in proportion (a 30-min
    window needs 23). A longer window is made of consecutive 1-h means, each valid with ``min_minutes_per_hour``
    minutes, and needs ``min_hours_per_day`` of 24 valid ones, in proportion.
    """

    min_minutes_per_hour: int
    min_hours_per_day: int

    def requirement(self, window: timedelta) -> tuple[int, int]:
        """(minutes needed in the window or in each of its hours, valid hours needed: 0 for a window of minutes)."""
        if window > HOUR and window % HOUR == timedelta(0):
            hours = window // HOUR
            return self.min_minutes_per_hour, math.ceil(hours * self.min_hours_per_day / (DAY // HOUR))
        minutes = window / timedelta(minutes=1)
        return math.ceil(minutes * self.min_minutes_per_hour / 60), 0


def validity_of(rules: Rulebook) -> Validity | None:
    """The validity rule in force (None: nothing can be judged, since no mean is known to be valid)."""
    rule = rules.get(VALIDITY_RULE)
    if rule is None:
        return None
    return Validity(int(rule.value("min_minutes_per_hour")), int(rule.value("min_hours_per_day")))


@dataclass(frozen=True)
class Limit:
    """One bound of one rule: the window mean must stay at or below `value` (upper) or at or above it (lower).

    `min_minutes` and `min_hours` say when the window's mean is valid (`Validity.requirement`); None: never (the
    rulebook has no validity rule), so the limit is never judged.
    """

    rule_id: str
    bound: str  # upper | lower
    value: float
    window: timedelta
    min_minutes: int | None = None
    min_hours: int = 0

    def is_broken_by(self, mean: float) -> bool:
        return mean > self.value if self.bound == "upper" else mean < self.value

    def is_worse(self, mean: float, than: float) -> bool:
        return mean > than if self.bound == "upper" else mean < than

    @property
    def window_minutes(self) -> int:
        return int(self.window / timedelta(minutes=1))


def _window(rule: object) -> timedelta:
    parameters = rule.parameters  # type: ignore[attr-defined]
    window = parameters.get("averaging_window")
    if window is None:
        return DEFAULT_WINDOW
    return WINDOW_UNITS[window.unit] * float(window.value)


def _bounds(rules: Rulebook, rule_id: str, only: str | None = None) -> list[Limit]:
    rule = rules.get(rule_id)
    if rule is None:
        return []
    window = _window(rule)
    validity = validity_of(rules)
    minutes, hours = validity.requirement(window) if validity is not None else (None, 0)
    return [Limit(rule_id, bound, float(rule.value(bound)), window, minutes, hours)
            for bound in ("upper", "lower") if bound in rule.parameters and only in (None, bound)]


def _in_months(month: int, first: int, last: int) -> bool:
    """Whether `month` is in first..last inclusive, wrapping over the new year (11..3)."""
    return first <= month <= last if first <= last else month >= first or month <= last


def season_of(rules: Rulebook, day: date) -> str:
    """summer, winter, or between (the months the rulebook gives neither season)."""
    season = rules.get(SEASON_RULE)
    if season is None:
        return "between"
    if _in_months(day.month, int(season.value("summer_from_month")), int(season.value("summer_to_month"))):
        return "summer"
    if _in_months(day.month, int(season.value("winter_from_month")), int(season.value("winter_to_month"))):
        return "winter"
    return "between"


def limits_for(rules: Rulebook, quantity: str, day: date) -> list[Limit]:
    """The limits judging `quantity` on the centre's local date `day` (empty: no rule, e.g. PM10)."""
    if quantity in PLAIN_RULES:
        return _bounds(rules, PLAIN_RULES[quantity])
    if quantity not in SEASONAL_RULES:
        return []
    summer, winter = SEASONAL_RULES[quantity]
    season = season_of(rules, day)
    if season == "summer":
        return _bounds(rules, summer)
    if season == "winter":
        return _bounds(rules, winter)
    # Between the seasons the envelope applies: too hot by the summer limit, too cold by the winter one.
    return _bounds(rules, summer, only="upper") + _bounds(rules, winter, only="lower")


def band_for(rules: Rulebook, quantity: str, day: date) -> tuple[float | None, float | None]:
    """(lower, upper) drawn as the limit band on charts."""
    limits = limits_for(rules, quantity, day)
    lower = max((lim.value for lim in limits if lim.bound == "lower"), default=None)
    upper = min((lim.value for lim in limits if lim.bound == "upper"), default=None)
    return lower, upper
