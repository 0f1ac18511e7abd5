"""The kiosk's quick health screen at check-in, and the health facts the roster carries for the door (issue #15).

A check-in event (``attendance.check_in``) may carry ``screens``: one entry per child checked in whose parent
answered the kiosk's two questions (temperature, or "skipped" where the centre allows it; 手口眼 yes/no)::

    {"person_id": "c1", "children": [101], "method": "card", "credential_id": 1001,
     "screens": [{"child_id": 101, "temperature": 36.6, "skipped": false, "hands_mouth_eyes_ok": true}]}

``screens`` is optional: a check-in without it (an older kiosk, a roster without a screen, a screen that
timed out) is as valid as ever. Both sides call :func:`check_in_screens`: the kiosk before writing to its
outbox, the server before recording.

The roster may carry ``health_screen`` (the centre's settings: is "skip" offered, from which temperature a
reading is a fever; null when the centre's rulebook has no fever figure, and then the kiosk judges none) and ``exclusions`` (children excluded today until a return certificate; never the disease):
see :class:`RosterHealthScreen`, :class:`RosterExclusion` and docs/roster.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, model_validator

TEMPERATURE_MIN: Final = 34.0
"""The lowest reading a check-in thermometer gives for a living child; below it the reading is a misread.

The one figure of the door and the server (the 保健员's checks import it): never typed again elsewhere."""
TEMPERATURE_MAX: Final = 43.0
"""The highest; above it the reading is a misread."""
MAX_SCREENS: Final = 20
"""As many as the children one check-in may name."""


class ScreenError(ValueError):
    """A ``screens`` entry of a check-in that breaks the wire rules (``problem`` names the first)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


class QuickScreen(BaseModel):
    """One child's answers on the kiosk: temperature (°C, 0.1 steps) or skipped, and 手口眼 fine or not."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    child_id: StrictInt = Field(ge=1, le=2**53)
    temperature: float | None = Field(default=None, strict=True)
    skipped: StrictBool = False
    hands_mouth_eyes_ok: StrictBool

    @model_validator(mode="after")
    def _temperature_or_skipped(self) -> QuickScreen:
        t = self.temperature
        if t is None:
            if not self.skipped:
                raise ValueError("a screen has a temperature unless it was skipped")
            return self
        if self.skipped:
            raise ValueError("a skipped screen has no temperature")
        if not math.isfinite(t) or not TEMPERATURE_MIN <= t <= TEMPERATURE_MAX:
            raise ValueError(f"temperature must be {TEMPERATURE_MIN}–{TEMPERATURE_MAX} °C")
        if abs(round(t, 1) - t) > 1e-9:
            raise ValueError("temperature is given to 0.1 °C")
        return self

    @property
    def celsius(self) -> Decimal | None:
        """The temperature as the exact decimal the thermometer showed (36.6, never 36.600000000000001)."""
        return None if self.temperature is None else Decimal(f"{self.temperature:.1f}")

    def fever(self, fever_from: Decimal | None) -> bool:
        """Whether the reading is at or above the centre's fever figure (no figure: never judged a fever)."""
        celsius = self.celsius
        return celsius is not None and fever_from is not None and celsius >= fever_from

    def needs_health_room(self, fever_from: Decimal | None) -> bool:
        """A fever or a "no" for 手口眼: the child goes to the 保健室 (the check-in still counts).

        Without a fever figure (``None``: the centre's rulebook has none) only 手口眼 sends the child: the door
        never judges a fever the server would not.
        """
        return self.fever(fever_from) or not self.hands_mouth_eyes_ok

    def as_json(self) -> dict[str, Any]:
        """The entry as it goes on the wire."""
        return {"child_id": self.child_id, "temperature": self.temperature, "skipped": self.skipped,
                "hands_mouth_eyes_ok": self.hands_mouth_eyes_ok}


def check_in_screens(payload: Mapping[str, Any]) -> tuple[QuickScreen, ...]:
    """The screens of a check-in payload (``()`` when it carries none); raises :class:`ScreenError`.

    Each entry must validate, name a child of ``payload["children"]``, and name it once.
    """
    raw = payload.get("screens")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ScreenError("screens is not a list")
    if len(raw) > MAX_SCREENS:
        raise ScreenError(f"more than {MAX_SCREENS} screens")
    children = payload.get("children")
    named = set(children) if isinstance(children, list) else set()
    screens: list[QuickScreen] = []
    for index, item in enumerate(raw):
        try:
            screen = QuickScreen.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ScreenError(f"screens[{index}]{'.' + where if where else ''}: {first['msg']}") from None
        if screen.child_id not in named:
            raise ScreenError(f"screens[{index}]: child {screen.child_id} is not checked in by this event")
        if any(s.child_id == screen.child_id for s in screens):
            raise ScreenError(f"screens[{index}]: child {screen.child_id} is screened twice")
        screens.append(screen)
    return tuple(screens)


# -- what the roster carries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterHealthScreen:
    """The centre's quick-screen settings: whether the parent may skip the temperature, and the fever figure.

    ``fever_from`` is the rulebook's figure (``health.morning_check.fever_c``, the one the 保健员's 晨检 judges
    by); None when the rulebook has none: the kiosk then flags no fever (only a "no" for 手口眼), as the server
    judges none. There is no default figure on this side.
    """

    skip_allowed: bool = True
    fever_from: Decimal | None = None

    def as_json(self) -> dict[str, Any]:
        """For the roster document (``fever_from`` as a number, canonical in RFC 8785, or null)."""
        return {"skip_allowed": self.skip_allowed,
                "fever_from": None if self.fever_from is None else float(self.fever_from)}

    def problems(self) -> list[str]:
        """Broken rules of the settings."""
        problems = []
        if not isinstance(self.skip_allowed, bool):
            problems.append("health_screen.skip_allowed is not a boolean")
        if self.fever_from is not None and (not isinstance(self.fever_from, Decimal) or not (
                Decimal(str(TEMPERATURE_MIN)) <= self.fever_from <= Decimal(str(TEMPERATURE_MAX)))):
            problems.append("health_screen.fever_from is not a temperature")
        return problems


@dataclass(frozen=True)
class RosterExclusion:
    """A child excluded from the centre (表4) from ``since`` until a return certificate is recorded.

    No health data travels: not the disease nor anything else of the case (docs/roster.md, Privacy), only that
    the child is excluded and when. ``expected_until`` is only the doctor's expectation: it does not end the
    exclusion. A roster from a server that still sent a ``disease`` field reads as if it had none.
    """

    child: int
    since: date
    expected_until: date | None = None

    def as_json(self) -> dict[str, Any]:
        """For the roster document."""
        return {"child": self.child, "since": self.since.isoformat(),
                "expected_until": self.expected_until.isoformat() if self.expected_until else None}

    def applies_on(self, day: date) -> bool:
        """Whether the kiosk refuses the child on ``day`` (the roster lists only exclusions without a certificate)."""
        return self.since <= day


def exclusion_problems(exclusions: tuple[RosterExclusion, ...], child_ids: set[int]) -> list[str]:
    """Broken rules of the roster's exclusions: known children, once each, dates that are dates."""
    problems = []
    seen: set[int] = set()
    for exclusion in exclusions:
        where = f"exclusion of child {exclusion.child!r}"
        if exclusion.child not in child_ids:
            problems.append(f"{where}: the child is not in the roster")
        if exclusion.child in seen:
            problems.append(f"{where} appears twice")
        seen.add(exclusion.child)
        if not isinstance(exclusion.since, date) or (
                exclusion.expected_until is not None and not isinstance(exclusion.expected_until, date)):
            problems.append(f"{where}: a date is not a date")
    return problems


Getter = Callable[..., Any]
"""The roster reader's typed getter: ``get(obj, name, where, types, optional=False)``."""


def read_health_screen(obj: Mapping[str, Any], get: Getter) -> RosterHealthScreen | None:
    """The roster's ``health_screen`` object, or None when absent (a roster without a screen)."""
    screen = get(obj, "health_screen", "", (dict,), optional=True)
    if screen is None:
        return None
    skip = get(screen, "skip_allowed", "health_screen", (bool,))
    fever = get(screen, "fever_from", "health_screen", (int, float), optional=True)  # null: no figure
    if skip is None or (fever is not None and not math.isfinite(fever)):
        return None
    return RosterHealthScreen(skip, None if fever is None else Decimal(f"{fever:.1f}"))


def read_exclusions(obj: Mapping[str, Any], get: Getter, read_date: Callable[[Any, str], date | None],
                    problems: list[str]) -> tuple[RosterExclusion, ...]:
    """The roster's ``exclusions`` list (``()`` when absent); each problem is added to ``problems``.

    Fields the kiosk does not use (an older server's ``disease``) are ignored and never kept.
    """
    items = get(obj, "exclusions", "", (list,), optional=True) or []
    out = []
    for index, item in enumerate(items):
        where = f"exclusions[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where} is not an object")
            continue
        since = read_date(get(item, "since", where, (str,)), f"{where}.since")
        expected = read_date(get(item, "expected_until", where, (str,), optional=True), f"{where}.expected_until")
        child = get(item, "child", where, (int,))
        if since is not None and child is not None:
            out.append(RosterExclusion(child, since, expected))
    return tuple(out)
