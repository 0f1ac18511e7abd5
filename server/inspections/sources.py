"""What the compliance adapter reads, as lists the app factory fills: no record domain is imported here.

Each record domain offers its pack registers, the evidence the evaluators read (one provider per field of
`compliance.ComplianceInputs`) and key figures for the pack's summary; `server/__init__.py` lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from flask import current_app

from compliance import ComplianceInputs, Period, RegisterSource
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.records import centre_record

EvidenceProvider = Callable[[Centre, Period], Any]
KeyFigureProvider = Callable[[Centre, Period], Sequence[tuple[str, str, str]]]
# A restricted register's gate: may this actor's pack or register page hold it? (e.g. safeguarding's)
RegisterGate = Callable[[Centre, Actor, datetime], bool]


class _HasRule(Protocol):
    rule_id: str


F = TypeVar("F", bound=_HasRule)  # a finding as evaluated or as stored


@dataclass(frozen=True)
class ComplianceSources:
    """Registers in the order the pack's summary lists them, evidence by input field, key figures."""

    registers: Sequence[RegisterSource] = ()
    evidence: Mapping[str, EvidenceProvider] = field(default_factory=dict)
    key_figures: Sequence[KeyFigureProvider] = ()
    gates: Mapping[str, RegisterGate] = field(default_factory=dict)  # register name → its gate
    # Rule-id prefix → the gated register whose gate also hides those rules' findings (they would tell that its
    # records exist: a safeguarding finding names a concern by number).
    gated_rules: Mapping[str, str] = field(default_factory=dict)

    def register(self, name: str) -> RegisterSource | None:
        return next((r for r in self.registers if r.name == name), None)

    def registers_for(self, centre: Centre, actor: Actor, now: datetime) -> list[RegisterSource]:
        """The registers this actor's pack and pages may hold: every one but those whose gate says no."""
        return [r for r in self.registers if r.name not in self.gates or self.gates[r.name](centre, actor, now)]

    def findings_for(self, findings: Sequence[F], centre: Centre, actor: Actor, now: datetime) -> list[F]:
        """The findings this actor may see: none of a rule whose register's gate says no."""
        hidden = tuple(prefix for prefix, name in self.gated_rules.items() if not self.gates[name](centre, actor, now))
        return [f for f in findings if not f.rule_id.startswith(hidden)] if hidden else list(findings)


def compliance_inputs(centre: Centre, period: Period, sources: ComplianceSources, now: datetime) -> ComplianceInputs:
    """Everything the evaluators read about one centre for a period, from every domain's provider."""
    return ComplianceInputs(centre=centre_record(centre), as_of=now,
                            **{name: provider(centre, period) for name, provider in sources.evidence.items()})


def app_sources() -> ComplianceSources:
    """The sources the app factory listed (for entry points: views, API, jobs, CLI)."""
    return current_app.extensions["tuoyu.compliance_sources"]
