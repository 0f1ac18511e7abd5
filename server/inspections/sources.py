"""What the compliance adapter reads, as lists the app factory fills: no record domain is imported here.

Each record domain offers its pack registers, the evidence the evaluators read (one provider per field of
`compliance.ComplianceInputs`) and key figures for the pack's summary; `server/__init__.py` lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app

from compliance import ComplianceInputs, Period, RegisterSource
from server.centre.models import Centre
from server.centre.records import centre_record

EvidenceProvider = Callable[[Centre, Period], Any]
KeyFigureProvider = Callable[[Centre, Period], Sequence[tuple[str, str, str]]]


@dataclass(frozen=True)
class ComplianceSources:
    """Registers in the order the pack's summary lists them, evidence by input field, key figures."""

    registers: Sequence[RegisterSource] = ()
    evidence: Mapping[str, EvidenceProvider] = field(default_factory=dict)
    key_figures: Sequence[KeyFigureProvider] = ()

    def register(self, name: str) -> RegisterSource | None:
        return next((r for r in self.registers if r.name == name), None)


def compliance_inputs(centre: Centre, period: Period, sources: ComplianceSources, now: datetime) -> ComplianceInputs:
    """Everything the evaluators read about one centre for a period, from every domain's provider."""
    return ComplianceInputs(centre=centre_record(centre), as_of=now,
                            **{name: provider(centre, period) for name, provider in sources.evidence.items()})


def app_sources() -> ComplianceSources:
    """The sources the app factory listed (for entry points: views, API, jobs, CLI)."""
    return current_app.extensions["tuoyu.compliance_sources"]
