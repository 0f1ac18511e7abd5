"""Drills and fire checks as they stand after their amendments, for the registers and the evaluator's evidence.

`amended_before`: only the amendments written before that instant apply (the evidence as it stood at a period's
end); None: every amendment (a register shows what the record says now, and lists the corrections).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from server.emergencies.corrections import check_amendments, check_values, drill_amendments, drill_values
from server.emergencies.drills import DrillLine, drill_lines
from server.emergencies.drills_models import DrillAmendment
from server.emergencies.fire_checks import CheckLine, check_lines
from server.emergencies.fire_checks_models import FireCheckAmendment

A = TypeVar("A", DrillAmendment, FireCheckAmendment)


@dataclass(frozen=True)
class AmendedDrill:
    line: DrillLine
    values: dict[str, Any]  # corrections.drill_values
    amendments: list[DrillAmendment]


@dataclass(frozen=True)
class AmendedCheck:
    line: CheckLine
    values: dict[str, Any]  # corrections.check_values
    amendments: list[FireCheckAmendment]

    @property
    def faults(self) -> int:
        return sum(1 for k, v in self.values.items() if k.startswith("items.") and v and not v["is_ok"])


def _written(found: dict[int, list[A]], before: datetime | None) -> dict[int, list[A]]:
    return {k: [a for a in v if before is None or a.amended_at < before] for k, v in found.items()}


def _within(at: datetime, start: datetime | None, end: datetime) -> bool:
    return at < end and (start is None or at >= start)


def _by_time(rows: Iterable[Any], when: Callable[[Any], tuple[datetime, int]]) -> list[Any]:
    return sorted(rows, key=when)


def amended_drills(centre_id: int, start: datetime | None, end: datetime, *,
                   amended_before: datetime | None = None) -> list[AmendedDrill]:
    """Recorded drills held (as amended) in [start, end), oldest first."""
    lines = drill_lines(centre_id)
    found = _written(drill_amendments(line.drill.id for line in lines), amended_before)
    rows = (AmendedDrill(line, drill_values(line.drill, found[line.drill.id]), found[line.drill.id]) for line in lines)
    return _by_time((r for r in rows if _within(r.values["held_at"], start, end)),
                    lambda r: (r.values["held_at"], r.line.drill.id))


def amended_checks(centre_id: int, start: datetime | None, end: datetime, *,
                   amended_before: datetime | None = None) -> list[AmendedCheck]:
    """Monthly checks done (as amended) in [start, end), oldest first."""
    lines = check_lines(centre_id)
    found = _written(check_amendments(line.check.id for line in lines), amended_before)
    rows = (AmendedCheck(line, check_values(line.check, line.items, found[line.check.id]), found[line.check.id])
            for line in lines)
    return _by_time((r for r in rows if _within(r.values["checked_at"], start, end)),
                    lambda r: (r.values["checked_at"], r.line.check.id))
