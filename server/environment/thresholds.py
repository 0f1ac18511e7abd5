"""Which rulebook limit applies to a quantity on a day, over which averaging window (all figures from the rulebook)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from compliance import Rulebook

SEASON_RULE = "environment.season"
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


@dataclass(frozen=True)
class Limit:
    """One bound of one rule: the window mean must stay at or below `value` (upper) or at or above it (lower)."""

    rule_id: str
    bound: str  # upper | lower
    value: float
    window: timedelta

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
    return [Limit(rule_id, bound, float(rule.value(bound)), window)
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
