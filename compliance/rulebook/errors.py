"""Rulebook problems and the error that carries them / 规则库错误."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleProblem:
    """One thing wrong with a book file: where, which rule, a machine code and a message."""

    file: str
    rule_id: str | None
    code: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.rule_id is None else f"{self.file}: rule {self.rule_id}"
        return f"{where}: {self.message} [{self.code}]"


class RulebookError(ValueError):
    """The rulebook (or a centre policy) is refused; ``problems`` lists every reason."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"规则库无效 / rulebook refused ({len(self.problems)} problem(s)):\n{lines}")
