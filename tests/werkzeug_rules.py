"""Build each URL rule's builder once per test run, not once per app.

Every test builds its own app, and werkzeug compiles two Python functions for each of the ~300 URL rules of
every app (`Rule._compile_builder`: an AST, then `compile()`): about 0.3–0.7 s a test, most of an app's making.
The function it makes depends only on the rule's text, its trace and its defaults (it reaches its converters
through the `self` it is bound to later), so one made for an equal rule is the same function: remember it.
A rule whose default feeds a converter is built as before (the constant is that converter's output).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing.rules import Rule

_built: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}


def remember_rule_builders() -> None:
    """Wrap `Rule._compile_builder` with the memo (idempotent)."""
    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "remembers", False):
        return

    def remembered(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        defaults = self.defaults or {}
        if any(dynamic and data in defaults for dynamic, data in self._trace):
            return compile_builder(self, append_unknown)
        key = (append_unknown, self.rule, tuple(self._trace), tuple(sorted((str(k), repr(v))
                                                                            for k, v in defaults.items())))
        if key not in _built:
            _built[key] = compile_builder(self, append_unknown)
        return _built[key]

    remembered.remembers = True  # type: ignore[attr-defined]
    Rule._compile_builder = remembered  # type: ignore[method-assign]
