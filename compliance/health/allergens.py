"""The allergen catalogue / 过敏原目录: the closed list a child's allergy is recorded against.

``allergens.yaml`` beside this module is the data: GB 7718-2025's eight food allergen groups, other foods common
in small children, common drug allergens and a few others, each with a code, Chinese and English names, a kind
(food | drug | other) and its source. The loader checks every entry and refuses once, listing every problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_FILE = Path(__file__).resolve().parent / "allergens.yaml"
_ENTRY_FIELDS = {"zh", "en", "kind", "cite"}
_CITATION_FIELDS = {"document", "article", "confidence"}


class AllergenKind(StrEnum):
    """What the allergen is: a food, a drug or something else (mites, pollen, latex…)."""

    FOOD = "food"
    DRUG = "drug"
    OTHER = "other"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return {"food": "食物", "drug": "药物", "other": "其他"}[self.value]


@dataclass(frozen=True)
class AllergenSource:
    """Where an entry comes from: a document, the clause, and how sure (N national text, S secondary)."""

    document: str
    article: str
    confidence: str


@dataclass(frozen=True)
class Allergen:
    """One allergen of the closed list."""

    code: str
    zh: str
    en: str
    kind: AllergenKind
    source: AllergenSource


class AllergenCatalogueError(ValueError):
    """The catalogue file is wrong; every problem is listed."""


def load_catalogue(path: Path = CATALOGUE_FILE) -> Mapping[str, Allergen]:
    """Read and check a catalogue file: codes in file order."""
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems: list[str] = []
    if not isinstance(data, dict) or data.get("kind") != "allergen_catalogue":
        raise AllergenCatalogueError(f"{path.name}: not an allergen catalogue")
    sources: dict[str, AllergenSource] = {}
    for key, cite in (data.get("citations") or {}).items():
        if not isinstance(cite, dict) or set(cite) != _CITATION_FIELDS or cite["confidence"] not in ("N", "S"):
            problems.append(f"citation {key}: needs exactly {sorted(_CITATION_FIELDS)}, confidence N or S")
            continue
        sources[key] = AllergenSource(str(cite["document"]), str(cite["article"]), str(cite["confidence"]))
    found: dict[str, Allergen] = {}
    for code, entry in (data.get("allergens") or {}).items():
        if not isinstance(code, str) or not code.isidentifier() or code != code.lower():
            problems.append(f"allergen {code!r}: a code is lower-case letters, digits and _")
            continue
        if not isinstance(entry, dict) or set(entry) != _ENTRY_FIELDS:
            problems.append(f"allergen {code}: needs exactly {sorted(_ENTRY_FIELDS)}")
            continue
        if entry["kind"] not in {k.value for k in AllergenKind}:
            problems.append(f"allergen {code}: kind {entry['kind']!r} is not food, drug or other")
            continue
        if entry["cite"] not in sources:
            problems.append(f"allergen {code}: unknown citation {entry['cite']!r}")
            continue
        if not str(entry["zh"]).strip() or not str(entry["en"]).strip():
            problems.append(f"allergen {code}: both names are needed")
            continue
        found[code] = Allergen(code, str(entry["zh"]), str(entry["en"]), AllergenKind(entry["kind"]),
                               sources[entry["cite"]])
    if not found:
        problems.append("no allergens")
    if problems:
        raise AllergenCatalogueError(f"{path.name}: " + "; ".join(problems))
    return found


@lru_cache(maxsize=1)
def allergen_catalogue() -> Mapping[str, Allergen]:
    """The catalogue shipped with the library (read once)."""
    return load_catalogue()


def allergen(code: str) -> Allergen | None:
    """One allergen by its code (case and spaces ignored); None for a code not in the list."""
    return allergen_catalogue().get(code.strip().casefold())
