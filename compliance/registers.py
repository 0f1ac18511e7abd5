"""The one registration point for registers (登记表) that go into a pack / 登记表注册.

A domain of the server describes each register it keeps — the official form
name, its columns, its pack section — and a function that streams the rows of
one centre and period. The pack builder only ever sees ``RegisterSource``
objects, so a new register never needs an edit in the builder.

Two ways to hand registers over:

* pass a list of ``RegisterSource`` to ``build_pack(registers=...)`` (the
  server does this, so each request sees exactly what it wired);
* or add them to the convenience registry ``REGISTERS`` at import time and pass
  ``REGISTERS.sources()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from compliance.period import Period
from compliance.records import CentreRecord
from compliance.sections import InspectionArea, Responsibility

Row = Sequence[object] | Mapping[str, object]
RowsFunction = Callable[[CentreRecord, Period], Iterator[Row]]

MAX_NAME_LENGTH = 80
_FORBIDDEN_IN_NAME = ("/", "\\", "\0", ":", "*", "?", '"', "<", ">", "|")


@dataclass(frozen=True)
class Column:
    """A column: machine key (JSON), Chinese header (CSV), English header (docs and PDF)."""

    key: str
    zh: str
    en: str = ""


@dataclass(frozen=True)
class RegisterSource:
    """A register a domain provides: form name, columns, pack section and a row stream."""

    name: str
    columns: tuple[Column, ...]
    responsibility: Responsibility
    inspection_area: InspectionArea
    rows: RowsFunction
    title_en: str = ""
    # Optional cheap row count (e.g. SELECT COUNT), only used to size the progress bar.
    count: Callable[[CentreRecord, Period], int] | None = None

    def __post_init__(self) -> None:
        check_register_name(self.name)
        if not self.columns:
            raise ValueError(f"register {self.name!r} has no columns")
        keys = [column.key for column in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"register {self.name!r} has duplicate column keys")


def check_register_name(name: str) -> None:
    """Refuse names that cannot be a single safe file name inside the pack."""
    if not name or len(name) > MAX_NAME_LENGTH or name.strip() != name:
        raise ValueError(f"register name {name!r} must be 1–{MAX_NAME_LENGTH} characters without outer spaces")
    if name in {".", ".."} or name.startswith(".") or any(ch in name for ch in _FORBIDDEN_IN_NAME):
        raise ValueError(f"register name {name!r} contains characters not allowed in a file name")
    if any(ord(ch) < 32 for ch in name):
        raise ValueError(f"register name {name!r} contains control characters")


class RegisterRegistry:
    """Registers by name, in registration order; a name can be registered once."""

    def __init__(self) -> None:
        self._sources: dict[str, RegisterSource] = {}

    def add(self, source: RegisterSource) -> RegisterSource:
        """Register ``source``; a second register with the same name is refused."""
        if source.name in self._sources:
            raise ValueError(f"register {source.name!r} is already registered")
        self._sources[source.name] = source
        return source

    def sources(self) -> tuple[RegisterSource, ...]:
        """Every registered register, in registration order."""
        return tuple(self._sources.values())

    def __contains__(self, name: object) -> bool:
        return name in self._sources

    def __len__(self) -> int:
        return len(self._sources)


# Convenience registry: domains may add to it at import time (see module docstring).
REGISTERS = RegisterRegistry()
