"""Headline figures of a benchmark as machine-readable lines, and the one table `make bench` prints from them.

A bench keeps printing its own human output and adds one call per headline figure::

    from figures import figure

    figure("p99 latency", p99_ms, "ms", at_most=50)
    figure("throughput", rps, "req/s", reference=bare_rps)           # reference: measured in the same run
    figure("throughput / bare", 100 * rps / bare_rps, "%", at_least=50)
    figure("audit chain verifies", verified)                         # a bool must be True

Each call prints one line ``@figure {json}`` to stdout; bench/run_all.py collects them and prints the table
(bench, figure, value, reference, target, met/missed). A figure with neither ``at_most`` nor ``at_least`` (nor
``ok``, nor a bool value) has no target and is listed for information only.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PREFIX = "@figure "


def figure(name: str, value: float | int | bool, unit: str = "", *, at_most: float | None = None,
           at_least: float | None = None, reference: float | str | None = None, ok: bool | None = None) -> None:
    """Print one headline figure as an ``@figure`` line (flushed, so run_all sees it as it comes).

    ``at_most`` / ``at_least``: the target (both for an exact one); ``reference``: the same-run reference, a
    number in ``unit`` or a short text; ``ok``: met or not when the target is not a bound on ``value``.
    """
    record = {"bench": Path(sys.argv[0]).name, "name": name, "value": value, "unit": unit, "at_most": at_most,
              "at_least": at_least, "reference": reference, "ok": ok}
    print(PREFIX + json.dumps(record, ensure_ascii=False, allow_nan=True), flush=True)


@dataclass(frozen=True)
class Figure:
    """One figure as run_all received it."""

    name: str
    value: float | int | bool
    unit: str = ""
    at_most: float | None = None
    at_least: float | None = None
    reference: float | str | None = None
    ok: bool | None = None

    @property
    def met(self) -> bool | None:
        """True or False against the target; None when the figure has no target."""
        if self.ok is not None:
            return bool(self.ok)
        if isinstance(self.value, bool):
            return self.value
        if self.at_most is None and self.at_least is None:
            return None
        if not isinstance(self.value, int | float) or math.isnan(self.value):
            return False
        return ((self.at_most is None or self.value <= self.at_most)
                and (self.at_least is None or self.value >= self.at_least))

    def target_text(self) -> str:
        if self.at_most is not None and self.at_least is not None:
            if self.at_most == self.at_least:
                return f"= {_number(self.at_most, self.unit)}"
            return f"{_number(self.at_least, self.unit)} .. {_number(self.at_most, self.unit)}"
        if self.at_most is not None:
            return f"≤ {_number(self.at_most, self.unit)}"
        if self.at_least is not None:
            return f"≥ {_number(self.at_least, self.unit)}"
        if isinstance(self.value, bool) and self.ok is None:
            return "yes"
        return "must hold" if self.ok is not None else ""

    def value_text(self) -> str:
        return _number(self.value, self.unit)

    def reference_text(self) -> str:
        if self.reference is None:
            return ""
        return self.reference if isinstance(self.reference, str) else _number(self.reference, self.unit)


def parse(line: str) -> Figure | None:
    """The figure an ``@figure`` line holds; None for any other line. ValueError if the line is malformed."""
    if not line.startswith(PREFIX):
        return None
    try:
        record = json.loads(line[len(PREFIX):])
        return Figure(name=str(record["name"]), value=record["value"], unit=record.get("unit") or "",
                      at_most=record.get("at_most"), at_least=record.get("at_least"),
                      reference=record.get("reference"), ok=record.get("ok"))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"malformed figure line: {line.strip()!r:.200}") from exc


def _number(value: object, unit: str) -> str:
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            text = str(value)
        elif abs(value) >= 1000:
            text = f"{value:,.0f}"
        elif abs(value) >= 100:
            text = f"{value:.0f}"
        elif abs(value) >= 10:
            text = f"{value:.1f}"
        else:
            text = f"{value:.2f}"
    else:
        text = str(value)
    if not unit or isinstance(value, bool):
        return text
    return f"{text}{unit}" if unit in ("%", "×") else f"{text} {unit}"


@dataclass(frozen=True)
class Row:
    """One table row: a figure of a bench, or a bench that failed (``failure`` says how)."""

    bench: str
    figure: Figure | None = None
    failure: str | None = None

    @property
    def verdict(self) -> str:
        if self.failure is not None:
            return "FAILED"
        assert self.figure is not None
        met = self.figure.met
        return "—" if met is None else "met" if met else "MISSED"

    @property
    def bad(self) -> bool:
        return self.verdict in ("FAILED", "MISSED")


def table(rows: Sequence[Row]) -> str:
    """The one table: bench, figure, value, reference, target, met/missed; and a count line under it."""
    header = ("bench", "figure", "value", "reference", "target", "verdict")
    cells = [header]
    for row in rows:
        if row.figure is None:
            cells.append((row.bench, row.failure or "", "", "", "", row.verdict))
        else:
            f = row.figure
            cells.append((row.bench, f.name, f.value_text(), f.reference_text(), f.target_text(), row.verdict))
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    right = {2, 3}  # numbers line up on the right

    def render(line: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths,
                                                                                                 strict=True))).rstrip()

    lines = [render(header), "  ".join("-" * w for w in widths)]
    lines += [render(line) for line in cells[1:]]
    verdicts = [row.verdict for row in rows]
    lines.append(f"{verdicts.count('met')} met, {verdicts.count('MISSED')} missed, {verdicts.count('—')} without a "
                 f"target, {verdicts.count('FAILED')} failed")
    return "\n".join(lines)
