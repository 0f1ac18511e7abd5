"""The escalation steps as data (escalation.yaml): what each step needs, which are reports, which closes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from server.safeguarding.models import Agency, StepKind

STEPS_FILE = Path(__file__).with_name("escalation.yaml")


@dataclass(frozen=True)
class StepRule:
    """One kind of step: its place in the list, the fields it needs, whether it reports or closes."""

    kind: StepKind
    order: int
    needs: frozenset[str]
    reports: bool = False
    agency: Agency | None = None  # the agency a step of this kind always goes to
    ends: bool = False


@cache
def step_rules() -> dict[StepKind, StepRule]:
    """Every kind of step by kind, in order."""
    raw = yaml.safe_load(STEPS_FILE.read_text(encoding="utf-8"))["steps"]
    rules = [StepRule(kind=StepKind(s["kind"]), order=int(s["order"]), needs=frozenset(s.get("needs", ())),
                      reports=bool(s.get("reports", False)),
                      agency=Agency(s["agency"]) if s.get("agency") else None, ends=bool(s.get("ends", False)))
             for s in raw]
    missing = set(StepKind) - {r.kind for r in rules}
    if missing:
        raise ValueError(f"escalation.yaml lacks steps {sorted(missing)}")
    return {r.kind: r for r in sorted(rules, key=lambda r: r.order)}
