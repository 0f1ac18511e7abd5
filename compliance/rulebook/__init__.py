"""Rules as data, with citations and regional overlays / 规则库."""

from compliance.rulebook.effective import CentrePolicy, PolicyError, effective_rulebook
from compliance.rulebook.errors import RulebookError, RuleProblem
from compliance.rulebook.load import BOOK_DIR, default_books, load_books
from compliance.rulebook.model import (
    AllowedRange,
    Books,
    Citation,
    Confidence,
    Direction,
    Parameter,
    PolicyNote,
    Rule,
    Rulebook,
    Scope,
    SeedRef,
    Text,
)
from compliance.rulebook.text import format_rulebook


def rulebook_version() -> str:
    """Content hash of the shipped book files (what packs record as the rulebook version)."""
    return default_books().version


__all__ = [
    "BOOK_DIR",
    "AllowedRange",
    "Books",
    "CentrePolicy",
    "Citation",
    "Confidence",
    "Direction",
    "Parameter",
    "PolicyError",
    "PolicyNote",
    "Rule",
    "RuleProblem",
    "Rulebook",
    "RulebookError",
    "Scope",
    "SeedRef",
    "Text",
    "default_books",
    "effective_rulebook",
    "format_rulebook",
    "load_books",
    "rulebook_version",
]
