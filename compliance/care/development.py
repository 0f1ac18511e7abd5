"""The development domains an observation is tagged with / 发展领域 (托育机构保育指导大纲（试行）, 2021).

``development.yaml`` beside this module is the data: each domain's code, Chinese and English names and its
source. The loader checks every entry and refuses once, listing every problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DOMAINS_FILE = Path(__file__).resolve().parent / "development.yaml"
_ENTRY_FIELDS = {"zh", "en", "cite"}
_CITATION_FIELDS = {"document", "article", "confidence"}


@dataclass(frozen=True)
class DomainSource:
    """Where a domain comes from: a document, the clause, and how sure (N national text, S secondary)."""

    document: str
    article: str
    confidence: str


@dataclass(frozen=True)
class DevelopmentDomainInfo:
    """One development domain of the closed list."""

    code: str
    zh: str
    en: str
    source: DomainSource


class DevelopmentDomainsError(ValueError):
    """The domains file is wrong; every problem is listed."""


def load_domains(path: Path = DOMAINS_FILE) -> Mapping[str, DevelopmentDomainInfo]:
    """Read and check a domains file: codes in file order."""
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("kind") != "development_domains":
        raise DevelopmentDomainsError(f"{path.name}: not a list of development domains")
    problems: list[str] = []
    sources: dict[str, DomainSource] = {}
    for key, cite in (data.get("citations") or {}).items():
        if not isinstance(cite, dict) or set(cite) != _CITATION_FIELDS or cite["confidence"] not in ("N", "S"):
            problems.append(f"citation {key}: needs exactly {sorted(_CITATION_FIELDS)}, confidence N or S")
            continue
        sources[key] = DomainSource(str(cite["document"]), str(cite["article"]), str(cite["confidence"]))
    found: dict[str, DevelopmentDomainInfo] = {}
    for code, entry in (data.get("domains") or {}).items():
        if not isinstance(code, str) or not code.isidentifier() or code != code.lower() or len(code) > 40:
            problems.append(f"domain {code!r}: a code is lower-case letters, digits and _ (at most 40)")
        elif not isinstance(entry, dict) or set(entry) != _ENTRY_FIELDS:
            problems.append(f"domain {code}: needs exactly {sorted(_ENTRY_FIELDS)}")
        elif entry["cite"] not in sources:
            problems.append(f"domain {code}: unknown citation {entry['cite']!r}")
        elif not str(entry["zh"]).strip() or not str(entry["en"]).strip():
            problems.append(f"domain {code}: both names are needed")
        else:
            found[code] = DevelopmentDomainInfo(code, str(entry["zh"]), str(entry["en"]), sources[entry["cite"]])
    if not found:
        problems.append("no domains")
    if problems:
        raise DevelopmentDomainsError(f"{path.name}: " + "; ".join(problems))
    return found


@lru_cache(maxsize=1)
def development_domains() -> Mapping[str, DevelopmentDomainInfo]:
    """The domains shipped with the library (read once), in their order."""
    return load_domains()
