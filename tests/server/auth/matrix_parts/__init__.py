"""Each domain's part of the route × role × centre policy matrix and of the isolation test (see README.md)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

from tests.server.auth.matrix_parts._base import PartContext

PARTS: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"{__name__}.{m.name}") for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
    if not m.name.startswith("_"))


def merged(name: str) -> dict[Any, Any]:
    """One of the parts' tables (NEEDS, JSON_BODIES, FORMS, QUERIES, ISOLATION_BODIES, ISOLATION_QUERIES), merged."""
    table: dict[Any, Any] = {}
    for part in PARTS:
        for key, value in getattr(part, name, {}).items():
            assert key not in table, f"{key} is declared by two parts"
            table[key] = value
    return table


def last() -> tuple[str, ...]:
    """Endpoints the parts want run late (writes that change what later requests see)."""
    return tuple(e for part in PARTS for e in getattr(part, "LAST", ()))


def objects(ctx: PartContext) -> dict[str, int]:
    """Every part's objects for one family of one centre: placeholder name → id."""
    ids: dict[str, int] = {}
    for part in PARTS:
        build = getattr(part, "objects", None)
        if build is not None:
            for key, value in build(ctx).items():
                assert key not in ids, f"placeholder {key} is built by two parts"
                ids[key] = value
    return ids
