"""Parse one book file's structures into rules, recording problems / 规则条目的解析与校验.

Nothing here stops at the first problem: each check records what is wrong
(file, rule, code, message) and parsing goes on, so one run lists them all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from compliance.rulebook.errors import RuleProblem
from compliance.rulebook.model import (
    UNITS,
    AllowedRange,
    Citation,
    Confidence,
    Direction,
    Override,
    Parameter,
    Rule,
    Scope,
    SeedRef,
    Text,
)
from compliance.sections import InspectionArea, Responsibility

RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
PARAMETER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
SEED_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")

_RULE_FIELDS = {
    "id", "title", "parameters", "citations", "responsibilities", "inspection_areas",
    "effective", "configurable", "scope", "note",
}
_RULE_REQUIRED = {"id", "title", "parameters", "responsibilities", "inspection_areas", "effective", "configurable"}
_OVERRIDE_FIELDS = {"id", "parameters", "citations", "effective", "note"}
_OVERRIDE_REQUIRED = {"id", "parameters", "effective"}


class FileChecker:
    """Parses one file's structures, recording problems instead of stopping at the first."""

    def __init__(self, file: str, problems: list[RuleProblem]) -> None:
        self.file = file
        self.problems = problems

    def problem(self, rule_id: str | None, code: str, message: str) -> None:
        self.problems.append(RuleProblem(self.file, rule_id, code, message))

    def mapping(
        self, data: object, where: str, rule_id: str | None, *, allowed: set[str], required: set[str]
    ) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            self.problem(rule_id, "bad_type", f"{where} must be a mapping (应为映射)")
            return None
        for key in sorted(str(k) for k in data if k not in allowed):
            self.problem(rule_id, "unknown_field", f"unknown field '{where}.{key}' (未知字段)")
        for key in sorted(required - data.keys()):
            self.problem(rule_id, "missing_field", f"missing field '{where}.{key}' (缺少字段)")
        return data

    def text(self, data: object, where: str, rule_id: str | None) -> Text | None:
        fields = self.mapping(data, where, rule_id, allowed={"zh", "en"}, required={"zh", "en"})
        if fields is None or "zh" not in fields or "en" not in fields:
            return None
        zh, en = fields["zh"], fields["en"]
        if not (isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip()):
            self.problem(rule_id, "bad_text", f"{where}.zh and {where}.en must be non-empty text")
            return None
        return Text(zh.strip(), en.strip())

    def number(self, value: object, where: str, rule_id: str | None) -> Decimal | None:
        # bool is an int in Python; "yes" as a limit is always a mistake.
        if isinstance(value, bool) or not isinstance(value, int | float) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            self.problem(rule_id, "bad_value", f"{where} must be a finite number, got {value!r}")
            return None
        return Decimal(str(value))

    def day(self, value: object, where: str, rule_id: str | None) -> date | None:
        if isinstance(value, datetime):
            self.problem(rule_id, "bad_date", f"{where} must be a date, not a timestamp: {value!r}")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(rule_id, "bad_date", f"{where} is not a date (YYYY-MM-DD): {value!r}")
        return None

    def effective(self, data: object, rule_id: str | None) -> tuple[date, date | None] | None:
        fields = self.mapping(data, "effective", rule_id, allowed={"from", "to"}, required={"from"})
        if fields is None or "from" not in fields:
            return None
        start = self.day(fields["from"], "effective.from", rule_id)
        end = None
        if fields.get("to") is not None:
            end = self.day(fields["to"], "effective.to", rule_id)
            if end is None:
                return None
        if start is None:
            return None
        if end is not None and end < start:
            self.problem(rule_id, "bad_date", f"effective.to {end} is before effective.from {start}")
            return None
        return start, end

    def citations(self, data: object, rule_id: str | None) -> tuple[Citation, ...] | None:
        if data is None or data == []:
            self.problem(rule_id, "missing_citation", "rule has no citation (缺少依据)")
            return None
        if not isinstance(data, list):
            self.problem(rule_id, "bad_type", "citations must be a list")
            return None
        parsed = [self.citation(item, f"citations[{i}]", rule_id) for i, item in enumerate(data)]
        if any(c is None for c in parsed):
            return None
        return tuple(c for c in parsed if c is not None)

    def citation(self, data: object, where: str, rule_id: str | None) -> Citation | None:
        fields = self.mapping(
            data, where, rule_id, allowed={"document", "article", "confidence", "seed", "quote"}, required=set()
        )
        if fields is None:
            return None
        ok = True
        for part in ("document", "article", "confidence"):
            value = fields.get(part)
            if not (isinstance(value, str) and value.strip()):
                self.problem(rule_id, "citation_incomplete", f"{where}.{part} is missing or empty (依据不完整)")
                ok = False
        confidence = None
        if isinstance(fields.get("confidence"), str):
            try:
                confidence = Confidence(fields["confidence"])
            except ValueError:
                self.problem(rule_id, "bad_confidence", f"{where}.confidence must be N, S or seed")
                ok = False
        seed = None
        if confidence is Confidence.SEED:
            seed = self.seed(fields.get("seed"), f"{where}.seed", rule_id)
            ok = ok and seed is not None
        elif "seed" in fields:
            self.problem(rule_id, "bad_citation", f"{where}.seed is only for confidence 'seed'")
            ok = False
        quote = fields.get("quote")
        if quote is not None and not isinstance(quote, str):
            self.problem(rule_id, "bad_citation", f"{where}.quote must be text")
            ok = False
        if not ok or confidence is None:
            return None
        return Citation(fields["document"].strip(), fields["article"].strip(), confidence, seed, quote)

    def seed(self, data: object, where: str, rule_id: str | None) -> SeedRef | None:
        if data is None:
            self.problem(rule_id, "citation_incomplete", f"{where} is missing: a seed citation needs file and line")
            return None
        fields = self.mapping(data, where, rule_id, allowed={"file", "line"}, required=set())
        if fields is None:
            return None
        file, line = fields.get("file"), fields.get("line")
        if not (isinstance(file, str) and SEED_FILE.match(file)):
            self.problem(rule_id, "citation_incomplete", f"{where}.file must name a seed file like 000_<16 hex>.txt")
            return None
        if isinstance(line, bool) or not isinstance(line, int) or line < 1:
            self.problem(rule_id, "citation_incomplete", f"{where}.line must be a line number ≥ 1")
            return None
        return SeedRef(file, line)

    def parameter(self, name: object, data: object, rule_id: str | None, configurable: bool) -> Parameter | None:
        if not (isinstance(name, str) and PARAMETER_NAME.match(name)):
            self.problem(rule_id, "bad_parameter_name", f"parameter name {name!r} must be lower_snake_case")
            return None
        where = f"parameters.{name}"
        fields = self.mapping(
            data, where, rule_id, allowed={"value", "unit", "direction", "allowed"},
            required={"value", "unit", "direction"},
        )
        if fields is None or not {"value", "unit", "direction"} <= fields.keys():
            return None
        value = self.number(fields["value"], f"{where}.value", rule_id)
        unit = fields["unit"]
        if unit not in UNITS:
            self.problem(rule_id, "unknown_unit", f"{where}.unit {unit!r} is not a known unit ({', '.join(UNITS)})")
            unit = None
        try:
            direction: Direction | None = Direction(fields["direction"])
        except ValueError:
            self.problem(rule_id, "bad_direction", f"{where}.direction must be 'max' or 'min'")
            direction = None
        allowed = None
        if "allowed" in fields:
            allowed = self.allowed(fields["allowed"], f"{where}.allowed", rule_id)
            if not configurable:
                self.problem(
                    rule_id, "allowed_without_configurable",
                    f"{where}.allowed is given but the rule is not configurable",
                )
            elif allowed is not None and value is not None and value not in allowed:
                self.problem(rule_id, "value_outside_allowed", f"{where}.value {value} is outside its allowed range")
        if value is None or unit is None or direction is None:
            return None
        return Parameter(name, value, unit, direction, allowed)

    def allowed(self, data: object, where: str, rule_id: str | None) -> AllowedRange | None:
        fields = self.mapping(data, where, rule_id, allowed={"min", "max"}, required={"min", "max"})
        if fields is None or not {"min", "max"} <= fields.keys():
            return None
        low = self.number(fields["min"], f"{where}.min", rule_id)
        high = self.number(fields["max"], f"{where}.max", rule_id)
        if low is None or high is None:
            return None
        if low > high:
            self.problem(rule_id, "bad_range", f"{where}.min {low} is above {where}.max {high}")
            return None
        return AllowedRange(low, high)

    def enum_list(self, data: object, where: str, rule_id: str | None, enum: type[Any]) -> tuple[Any, ...] | None:
        if not isinstance(data, list) or not data:
            self.problem(rule_id, "bad_section", f"{where} must be a non-empty list")
            return None
        values = []
        for item in data:
            try:
                values.append(enum(item))
            except ValueError:
                known = ", ".join(member.value for member in enum)
                self.problem(rule_id, "bad_section", f"{where}: unknown value {item!r} (known: {known})")
                return None
        return tuple(values)

    def rule(self, data: object, source: str) -> Rule | None:
        raw_id = data.get("id") if isinstance(data, dict) else None
        rule_id = raw_id if isinstance(raw_id, str) else None
        fields = self.mapping(data, "rule", rule_id, allowed=_RULE_FIELDS, required=_RULE_REQUIRED)
        if fields is None:
            return None
        before = len(self.problems)
        if rule_id is None or not RULE_ID.match(rule_id):
            self.problem(rule_id, "bad_id", f"rule id {raw_id!r} must be dotted lower-case, e.g. ratio.tuoxiaoban")
        title = self.text(fields.get("title"), "title", rule_id) if "title" in fields else None
        configurable = fields.get("configurable")
        if "configurable" in fields and not isinstance(configurable, bool):
            self.problem(rule_id, "bad_type", "configurable must be true or false")
        is_configurable = configurable is True
        params: dict[str, Parameter] = {}
        raw_params = fields.get("parameters")
        if "parameters" in fields:
            if isinstance(raw_params, dict):
                for name, spec in raw_params.items():
                    param = self.parameter(name, spec, rule_id, is_configurable)
                    if param is not None:
                        params[param.name] = param
            else:
                self.problem(rule_id, "bad_type", "parameters must be a mapping (may be empty: {})")
        complete = isinstance(raw_params, dict) and len(params) == len(raw_params)
        if is_configurable and complete and not any(p.allowed is not None for p in params.values()):
            self.problem(
                rule_id, "configurable_without_range",
                "a configurable rule must state an allowed range on at least one parameter",
            )
        citations = self.citations(fields.get("citations"), rule_id)
        responsibilities = None
        if "responsibilities" in fields:
            responsibilities = self.enum_list(fields["responsibilities"], "responsibilities", rule_id, Responsibility)
        areas = None
        if "inspection_areas" in fields:
            areas = self.enum_list(fields["inspection_areas"], "inspection_areas", rule_id, InspectionArea)
        effective = self.effective(fields["effective"], rule_id) if "effective" in fields else None
        scope = Scope.CENTRE
        if "scope" in fields:
            try:
                scope = Scope(fields["scope"])
            except ValueError:
                self.problem(rule_id, "bad_type", "scope must be 'centre' or 'region'")
        note = self.text(fields["note"], "note", rule_id) if "note" in fields else None
        if len(self.problems) != before:
            return None
        assert rule_id and title and citations and responsibilities and areas and effective
        return Rule(
            id=rule_id, title=title, parameters=params, citations=citations,
            responsibilities=responsibilities, inspection_areas=areas,
            effective_from=effective[0], effective_to=effective[1],
            configurable=is_configurable, scope=scope, note=note, source=source,
        )

    def override(self, data: object, national: Mapping[str, Rule]) -> Override | None:
        raw_id = data.get("id") if isinstance(data, dict) else None
        rule_id = raw_id if isinstance(raw_id, str) else None
        fields = self.mapping(data, "override", rule_id, allowed=_OVERRIDE_FIELDS, required=_OVERRIDE_REQUIRED)
        if fields is None:
            return None
        before = len(self.problems)
        base = national.get(rule_id) if rule_id else None
        if base is None:
            self.problem(rule_id, "unknown_rule", f"override of {raw_id!r}, which is not a national rule")
        values = self.override_values(fields.get("parameters"), base, rule_id)
        citations = self.citations(fields.get("citations"), rule_id)
        effective = self.effective(fields["effective"], rule_id) if "effective" in fields else None
        note = self.text(fields["note"], "note", rule_id) if "note" in fields else None
        if len(self.problems) != before:
            return None
        assert rule_id and values is not None and citations and effective
        return Override(rule_id, values, citations, effective[0], effective[1], note)

    def override_values(self, data: object, base: Rule | None, rule_id: str | None) -> dict[str, Decimal] | None:
        if not isinstance(data, dict) or not data:
            self.problem(rule_id, "empty_override", "override.parameters must name at least one parameter")
            return None
        values: dict[str, Decimal] = {}
        for name, spec in data.items():
            where = f"parameters.{name}"
            fields = self.mapping(spec, where, rule_id, allowed={"value", "unit", "direction"}, required={"value", "unit"})
            if fields is None or not {"value", "unit"} <= fields.keys():
                continue
            value = self.number(fields["value"], f"{where}.value", rule_id)
            if base is None or value is None:
                continue
            national = base.parameters.get(str(name))
            if national is None:
                known = ", ".join(base.parameters) or "none"
                self.problem(rule_id, "unknown_parameter", f"{where}: the national rule has no such parameter ({known})")
                continue
            if fields["unit"] != national.unit:
                self.problem(
                    rule_id, "unit_mismatch",
                    f"{where}.unit {fields['unit']!r} differs from the national unit {national.unit!r}",
                )
                continue
            if "direction" in fields and fields["direction"] != national.direction.value:
                self.problem(rule_id, "direction_mismatch", f"{where}.direction differs from the national rule")
                continue
            if not national.accepts(value):
                if base.configurable:
                    self.problem(
                        rule_id, "outside_allowed_range",
                        f"{where}.value {value} loosens the national {national.value} beyond the allowed range",
                    )
                else:
                    self.problem(
                        rule_id, "loosens_rule",
                        f"{where}.value {value} is looser than the national {national.value} "
                        "and the rule is not configurable (地方规则只能从严)",
                    )
                continue
            values[str(name)] = value
        return values
