"""Rulebook data model: rules, parameters, citations / 规则库数据模型."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from compliance.sections import InspectionArea, Responsibility


class Direction(StrEnum):
    """Which way a parameter tightens: a lower ``max`` or a higher ``min`` is stricter."""

    MAX = "max"
    MIN = "min"


class Confidence(StrEnum):
    """How well the source was checked (DOMAIN.md marks)."""

    NATIONAL = "N"
    SECONDARY = "S"
    SEED = "seed"


class Scope(StrEnum):
    """Whom a rule binds: the centre, or the region (planning target, information only for a centre)."""

    CENTRE = "centre"
    REGION = "region"


# The closed set of units: (zh, en) display forms. A unit outside this table is a
# typo until proven otherwise, so the loader refuses it.
UNITS: dict[str, tuple[str, str]] = {
    "child": ("名", "children"),
    "child/caregiver": ("名/每名保育人员", "children per caregiver"),
    "check/day": ("次/日", "checks a day"),
    "entry/day": ("次/日", "entries a day"),
    "time/day": ("次/日", "times a day"),
    "time/year": ("次/年", "times a year"),
    "min": ("分钟", "min"),
    "h": ("小时", "h"),
    "h/day": ("小时/日", "h a day"),
    "day": ("天", "days"),
    "month": ("个月", "months"),
    "year": ("周岁", "years"),
    "g": ("克", "g"),
    "°C": ("°C", "°C"),
    "%": ("%", "%"),
    "%RH": ("%RH", "%RH"),
    "ppm": ("ppm", "ppm"),
    "µg/m³": ("µg/m³", "µg/m³"),
    "mg/m³": ("mg/m³", "mg/m³"),
    "place/1000 people": ("个托位/千人", "places per 1,000 people"),
    "SD": ("个标准差", "SD"),  # z-score cut-offs of growth charts (WHO 2006)
    "point": ("分", "points"),  # a rating scale (families.parent_rating)
    "response": ("份", "responses"),  # questionnaires answered
}


@dataclass(frozen=True)
class Text:
    """A text in Chinese and English."""

    zh: str
    en: str


@dataclass(frozen=True)
class AllowedRange:
    """The values a centre or region may choose for a configurable parameter (both ends included)."""

    low: Decimal
    high: Decimal

    def __contains__(self, value: object) -> bool:
        return isinstance(value, Decimal) and self.low <= value <= self.high


@dataclass(frozen=True)
class Parameter:
    """A number with a unit and a direction that says what "stricter" means."""

    name: str
    value: Decimal
    unit: str
    direction: Direction
    allowed: AllowedRange | None = None

    def at_least_as_strict_as(self, other: Parameter) -> bool:
        """True when this value is as strict as ``other``'s or stricter."""
        if self.direction is Direction.MAX:
            return self.value <= other.value
        return self.value >= other.value

    def accepts(self, value: Decimal) -> bool:
        """True when ``value`` may replace this one: not looser, or inside the allowed range."""
        return replace(self, value=value).at_least_as_strict_as(self) or (
            self.allowed is not None and value in self.allowed
        )

    def describe(self) -> str:
        """``≤ 15 名 (children)`` style text."""
        sign = "≤" if self.direction is Direction.MAX else "≥"
        zh, en = UNITS[self.unit]
        unit = zh if zh == en else f"{zh} ({en})"
        text = f"{sign} {format_number(self.value)} {unit}"
        if self.allowed is not None:
            text += f"  可选范围 allowed {format_number(self.allowed.low)}–{format_number(self.allowed.high)}"
        return text

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types; numbers as strings so 0.08 stays 0.08."""
        data: dict[str, Any] = {
            "value": format_number(self.value),
            "unit": self.unit,
            "direction": self.direction.value,
        }
        if self.allowed is not None:
            data["allowed"] = {"min": format_number(self.allowed.low), "max": format_number(self.allowed.high)}
        return data


@dataclass(frozen=True)
class SeedRef:
    """A line of a seed policy file, e.g. ``000_9fc69939026823d0.txt`` line 292."""

    file: str
    line: int


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from: document, article, and how well it was checked."""

    document: str
    article: str
    confidence: Confidence
    seed: SeedRef | None = None
    quote: str | None = None

    def label(self) -> str:
        """Short mark like ``[N]``, ``[S]`` or ``[seed 000 L292]``."""
        if self.seed is not None:
            return f"[seed {self.seed.file[:3]} L{self.seed.line}]"
        return f"[{self.confidence.value}]"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types."""
        data: dict[str, Any] = {
            "document": self.document,
            "article": self.article,
            "confidence": self.confidence.value,
        }
        if self.seed is not None:
            data["seed"] = {"file": self.seed.file, "line": self.seed.line}
        if self.quote is not None:
            data["quote"] = self.quote
        return data


@dataclass(frozen=True)
class Rule:
    """One rule of the book, or of the effective rulebook once overlays and policy are applied."""

    id: str
    title: Text
    parameters: Mapping[str, Parameter]
    citations: tuple[Citation, ...]
    responsibilities: tuple[Responsibility, ...]
    inspection_areas: tuple[InspectionArea, ...]
    effective_from: date
    effective_to: date | None
    configurable: bool
    scope: Scope = Scope.CENTRE
    note: Text | None = None
    # "national", "region:<key>" or "centre": where the values in force come from.
    source: str = "national"

    @property
    def responsibility(self) -> Responsibility:
        """The primary responsibility (first listed), used to file findings."""
        return self.responsibilities[0]

    @property
    def inspection_area(self) -> InspectionArea:
        """The primary inspection area (first listed), used to file findings."""
        return self.inspection_areas[0]

    def value(self, name: str) -> Decimal:
        """The value of parameter ``name``."""
        return self.parameters[name].value

    def is_effective_on(self, day: date) -> bool:
        """True when the rule is in force on ``day``."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def with_values(self, values: Mapping[str, Decimal], *, source: str) -> Rule:
        """A copy with some parameter values replaced."""
        params = {name: replace(p, value=values.get(name, p.value)) for name, p in self.parameters.items()}
        return replace(self, parameters=params, source=source)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {
            "id": self.id,
            "title": {"zh": self.title.zh, "en": self.title.en},
            "parameters": {name: p.to_json() for name, p in self.parameters.items()},
            "citations": [c.to_json() for c in self.citations],
            "responsibilities": [r.value for r in self.responsibilities],
            "inspection_areas": [a.value for a in self.inspection_areas],
            "effective": {
                "from": self.effective_from.isoformat(),
                "to": self.effective_to.isoformat() if self.effective_to else None,
            },
            "configurable": self.configurable,
            "scope": self.scope.value,
            "note": {"zh": self.note.zh, "en": self.note.en} if self.note else None,
            "source": self.source,
        }


@dataclass(frozen=True)
class Override:
    """A regional change of a national rule's values (only parameters change, never the rule's shape)."""

    rule_id: str
    values: Mapping[str, Decimal]
    citations: tuple[Citation, ...]
    effective_from: date
    effective_to: date | None
    note: Text | None = None

    def is_effective_on(self, day: date) -> bool:
        """True when the override is in force on ``day``."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True)
class Overlay:
    """A regional book: overrides of national rules and rules of its own."""

    region: str
    name: Text
    file: str
    overrides: tuple[Override, ...]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Books:
    """The national book and every regional overlay, validated, with the content hash."""

    national: Mapping[str, Rule]
    overlays: Mapping[str, Overlay]
    version: str


@dataclass(frozen=True)
class PolicyNote:
    """Why a centre-policy entry did not take effect (it was looser than the book, or not in force)."""

    rule_id: str
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class Rulebook:
    """The effective rules for one region, centre policy and date."""

    rules: Mapping[str, Rule]
    region: str | None
    region_name: Text | None
    on: date
    version: str
    policy_notes: tuple[PolicyNote, ...] = field(default_factory=tuple)

    def __getitem__(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules[k] for k in sorted(self.rules))

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        """The rule, or ``None`` when it is not in force."""
        return self.rules.get(rule_id)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types (this is ``rulebook.json`` in a pack)."""
        return {
            "version": self.version,
            "region": self.region,
            "region_name": {"zh": self.region_name.zh, "en": self.region_name.en} if self.region_name else None,
            "on": self.on.isoformat(),
            "rules": [rule.to_json() for rule in self],
            "policy_notes": [
                {"rule_id": n.rule_id, "message_zh": n.message_zh, "message_en": n.message_en}
                for n in self.policy_notes
            ],
        }


def format_number(value: Decimal) -> str:
    """``Decimal('15')`` → ``15``, ``Decimal('0.080')`` → ``0.08``, never exponent notation."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
