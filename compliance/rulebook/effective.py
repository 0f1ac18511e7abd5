"""The effective rulebook: national book, regional overlay, centre policy / 生效规则.

What is implemented (docs/rulebook.md has the long form):

* Overlay: an override replaces parameter values of a national rule in force on
  the date; the loader has already refused any override that loosens a
  non-configurable rule or leaves a configurable rule's allowed range. For a
  configurable parameter the regional value becomes the loosest value a centre
  may choose (the allowed range is clipped at it).
* Centre policy, "the stricter of rulebook and policy, taken whole": the policy
  entry for a rule is applied only if *every* value it sets is at least as
  strict as the book's, or (configurable rules only) inside the allowed range.
  Otherwise the book's rule is kept unchanged — never a mix of the two — and a
  ``PolicyNote`` says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from compliance.rulebook.errors import RulebookError, RuleProblem
from compliance.rulebook.load import default_books
from compliance.rulebook.model import (
    AllowedRange,
    Books,
    Direction,
    Overlay,
    Override,
    Parameter,
    PolicyNote,
    Rule,
    Rulebook,
    format_number,
)

CentrePolicy = Mapping[str, Mapping[str, object]]
_POLICY = "centre_policy"


class PolicyError(RulebookError):
    """A centre policy names unknown rules or parameters, or gives values that are not numbers."""


def effective_rulebook(
    region: str | None,
    centre_policy: CentrePolicy | None,
    on: date,
    *,
    books: Books | None = None,
) -> Rulebook:
    """The rules in force on ``on`` for ``region`` (None: national only) after the centre policy."""
    books = books or default_books()
    overlay: Overlay | None = None
    if region is not None:
        overlay = books.overlays.get(region)
        if overlay is None:
            known = ", ".join(sorted(books.overlays))
            raise RulebookError(
                [RuleProblem("", None, "unknown_region", f"未知地区 unknown region {region!r} (known: {known})")]
            )
    rules = {rule_id: rule for rule_id, rule in books.national.items() if rule.is_effective_on(on)}
    if overlay is not None:
        for override in overlay.overrides:
            base = rules.get(override.rule_id)
            if base is not None and override.is_effective_on(on):
                rules[override.rule_id] = _apply_override(base, override, overlay.region)
        for rule in overlay.rules:
            if rule.is_effective_on(on):
                rules[rule.id] = rule
    notes: list[PolicyNote] = []
    if centre_policy:
        known_ids = set(books.national) | ({r.id for r in overlay.rules} if overlay else set())
        rules, notes = _apply_policy(rules, centre_policy, known_ids)
    return Rulebook(
        rules=rules,
        region=region,
        region_name=overlay.name if overlay else None,
        on=on,
        version=books.version,
        policy_notes=tuple(notes),
    )


def _apply_override(base: Rule, override: Override, region: str) -> Rule:
    params = {}
    for name, param in base.parameters.items():
        value = override.values.get(name)
        params[name] = param if value is None else replace(param, value=value, allowed=_clip(param, value))
    return replace(
        base,
        parameters=params,
        citations=override.citations + base.citations,
        note=override.note or base.note,
        source=f"region:{region}",
    )


def _clip(param: Parameter, value: Decimal) -> AllowedRange | None:
    """The allowed range after a region chose ``value``: nothing looser than the region's value."""
    allowed = param.allowed
    if allowed is None:
        return None
    if param.direction is Direction.MAX:
        return AllowedRange(allowed.low, value) if allowed.low <= value else None
    return AllowedRange(value, allowed.high) if value <= allowed.high else None


def _policy_value(raw: object, param: Parameter, rule_id: str, problems: list[RuleProblem]) -> Decimal | None:
    """A policy value: a number, or ``{"value": n, "unit": u}`` whose unit must match the book."""
    where = f"{rule_id}.{param.name}"
    if isinstance(raw, Mapping):
        unit = raw.get("unit")
        if unit is not None and unit != param.unit:
            problems.append(
                RuleProblem(_POLICY, rule_id, "unit_mismatch", f"{where}: 单位不符 unit {unit!r} differs from {param.unit!r}")
            )
            return None
        raw = raw.get("value")
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        problems.append(RuleProblem(_POLICY, rule_id, "bad_value", f"{where}: 不是数值 {raw!r} is not a number"))
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        problems.append(RuleProblem(_POLICY, rule_id, "bad_value", f"{where}: 不是数值 {raw!r} is not a number"))
        return None
    return value


def _apply_policy(
    rules: dict[str, Rule], policy: CentrePolicy, known_ids: set[str]
) -> tuple[dict[str, Rule], list[PolicyNote]]:
    problems: list[RuleProblem] = []
    parsed: dict[str, dict[str, Decimal]] = {}
    for rule_id, entry in policy.items():
        rule = rules.get(rule_id)
        if rule is None:
            if rule_id not in known_ids:
                problems.append(RuleProblem(_POLICY, rule_id, "unknown_rule", "规则库中没有此规则 / no such rule in the rulebook"))
            continue
        if not isinstance(entry, Mapping) or not entry:
            problems.append(RuleProblem(_POLICY, rule_id, "bad_type", "应为参数到数值的映射 / policy entry must map parameters to values"))
            continue
        values: dict[str, Decimal] = {}
        for name, raw in entry.items():
            param = rule.parameters.get(name)
            if param is None:
                problems.append(RuleProblem(_POLICY, rule_id, "unknown_parameter", f"没有此参数 / no parameter {name!r}"))
                continue
            value = _policy_value(raw, param, rule_id, problems)
            if value is not None:
                values[name] = value
        parsed[rule_id] = values
    if problems:
        raise PolicyError(problems)

    notes: list[PolicyNote] = []
    result = dict(rules)
    for rule_id in policy:
        base = rules.get(rule_id)
        if base is None:
            notes.append(
                PolicyNote(rule_id, "该规则在此日期不生效，机构政策未采用。", "Rule not in force on this date; policy not applied.")
            )
            continue
        values = parsed[rule_id]
        looser = [name for name, value in values.items() if not base.parameters[name].accepts(value)]
        if looser:
            detail = ", ".join(
                f"{name}={format_number(values[name])} ({base.parameters[name].describe()})" for name in looser
            )
            notes.append(
                PolicyNote(
                    rule_id,
                    f"机构政策比规则库宽松，整条沿用规则库：{detail}",
                    f"Centre policy is looser than the rulebook; the book's rule is kept whole: {detail}",
                )
            )
            continue
        result[rule_id] = base.with_values(values, source="centre")
    return result, notes
