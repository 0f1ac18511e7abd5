"""The credential catalogue: credential types as data and what each staff role needs / 证件目录.

``credentials.yaml`` beside this module is the data; the loader checks every entry (citations with the
rulebook's own parser, validity rules against the rulebook) and refuses once, listing every problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from compliance.rulebook.errors import RuleProblem
from compliance.rulebook.load import _read_yaml, default_books
from compliance.rulebook.model import Books, Citation, Text
from compliance.rulebook.parse import FileChecker

CATALOGUE_FILE = Path(__file__).resolve().parent / "credentials.yaml"
# The server's StaffRole values (server/people/models.py); the library cannot import them.
STAFF_ROLES = ("director", "caregiver", "health", "kitchen", "security", "teacher")
VALIDITY_PARAMETER = "max_validity"

_TYPE_FIELDS = {"title", "kind", "validity_rule", "levels", "citations", "note"}
_ROLE_FIELDS = {"title", "child_facing", "requires"}


class CredentialKind(StrEnum):
    """证件类别 / what a credential evidences."""

    HEALTH = "health"
    BACKGROUND = "background"
    QUALIFICATION = "qualification"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return _KIND_ZH[self]


_KIND_ZH = {CredentialKind.HEALTH: "健康证明", CredentialKind.BACKGROUND: "背景审查", CredentialKind.QUALIFICATION: "岗位资质"}


@dataclass(frozen=True)
class CredentialType:
    """One kind of certificate: its names, what it evidences, which rule caps its validity, its sources."""

    code: str
    title: Text
    kind: CredentialKind
    validity_rule: str | None
    has_level: bool
    citations: tuple[Citation, ...]
    levels: tuple[str, ...] = ()
    note: Text | None = None


@dataclass(frozen=True)
class Requirement:
    """Any one valid credential of these codes satisfies it (e.g. 保育师 or 育婴员)."""

    codes: tuple[str, ...]


@dataclass(frozen=True)
class CredentialCatalogue:
    """Every credential type and each staff role's requirements."""

    types: Mapping[str, CredentialType]
    roles: Mapping[str, tuple[Requirement, ...]]
    child_facing_roles: frozenset[str]
    role_titles: Mapping[str, Text] = field(default_factory=dict)

    def requirements(self, role: str) -> tuple[Requirement, ...]:
        """What ``role`` needs; KeyError for a role the catalogue does not know."""
        try:
            return self.roles[role]
        except KeyError:
            raise KeyError(f"no credential requirements for staff role {role!r}") from None

    def kind_of(self, requirement: Requirement) -> CredentialKind:
        """What the requirement evidences (the loader makes every code of one requirement the same kind)."""
        return self.types[requirement.codes[0]].kind

    def title_of(self, requirement: Requirement) -> Text:
        """``保育师职业技能等级证书或育婴员职业技能等级证书`` / ``A or B``."""
        titles = [self.types[code].title for code in requirement.codes]
        return Text("或".join(t.zh for t in titles), " or ".join(t.en for t in titles))

    def role_title(self, role: str) -> Text:
        """The role's name; the key itself for a role without a title."""
        return self.role_titles.get(role, Text(role, role))


class CatalogueError(ValueError):
    """The catalogue is refused; ``problems`` lists every reason."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"证件目录无效 / credential catalogue refused ({len(self.problems)} problem(s)):\n{lines}")


def _known_rules(books: Books) -> dict[str, Any]:
    rules: dict[str, Any] = dict(books.national)
    for overlay in books.overlays.values():
        rules.update({rule.id: rule for rule in overlay.rules})
    return rules


def _parse_type(check: FileChecker, code: object, data: object, rules: Mapping[str, Any]) -> CredentialType | None:
    if not isinstance(code, str) or not code.isidentifier() or not code.islower():
        check.problem(str(code), "bad_code", f"type code {code!r} must be lower_snake_case")
        return None
    fields = check.mapping(data, f"types.{code}", code, allowed=_TYPE_FIELDS, required={"title", "kind", "citations"})
    if fields is None:
        return None
    before = len(check.problems)
    title = check.text(fields.get("title"), "title", code) if "title" in fields else None
    kind = None
    try:
        kind = CredentialKind(fields.get("kind"))
    except ValueError:
        check.problem(code, "bad_kind", f"kind must be one of {', '.join(k.value for k in CredentialKind)}")
    rule_id = fields.get("validity_rule")
    if rule_id is not None:
        rule = rules.get(rule_id) if isinstance(rule_id, str) else None
        if rule is None:
            check.problem(code, "unknown_rule", f"validity_rule {rule_id!r} is not a rule id of the rulebook")
        elif VALIDITY_PARAMETER not in rule.parameters or rule.parameters[VALIDITY_PARAMETER].unit != "month":
            check.problem(code, "bad_validity_rule", f"rule {rule_id} has no parameter {VALIDITY_PARAMETER} in months")
    levels = fields.get("levels", [])
    if not (isinstance(levels, list) and all(isinstance(level, str) and level for level in levels)):
        check.problem(code, "bad_type", "levels must be a list of level names")
        levels = []
    citations = check.citations(fields.get("citations"), code)
    note = check.text(fields["note"], "note", code) if "note" in fields else None
    if len(check.problems) != before or title is None or kind is None or citations is None:
        return None
    return CredentialType(code, title, kind, rule_id, bool(levels), citations, tuple(levels), note)


def _parse_role(
    check: FileChecker, role: object, data: object, types: Mapping[str, CredentialType], all_codes: set[str]
) -> tuple[tuple[Requirement, ...], Text | None, bool] | None:
    if role not in STAFF_ROLES:
        check.problem(str(role), "unknown_role", f"{role!r} is not a staff role ({', '.join(STAFF_ROLES)})")
        return None
    fields = check.mapping(data, f"roles.{role}", str(role), allowed=_ROLE_FIELDS, required={"child_facing", "requires"})
    if fields is None:
        return None
    before = len(check.problems)
    title = check.text(fields["title"], "title", str(role)) if "title" in fields else None
    child_facing = fields.get("child_facing")
    if "child_facing" in fields and not isinstance(child_facing, bool):
        check.problem(str(role), "bad_type", "child_facing must be true or false")
    requirements: list[Requirement] = []
    raw = fields.get("requires")
    if not isinstance(raw, list):
        check.problem(str(role), "bad_type", "requires must be a list of lists of type codes")
        raw = []
    for item in raw:
        if not (isinstance(item, list) and item):
            check.problem(str(role), "bad_type", f"requirement {item!r} must be a non-empty list of type codes")
            continue
        unknown = [code for code in item if code not in all_codes]
        for code in unknown:
            check.problem(str(role), "unknown_type", f"requirement names unknown credential type {code!r}")
        kinds = {types[code].kind for code in item if code in types}
        if len(kinds) > 1:
            check.problem(str(role), "mixed_kinds", f"requirement {item} mixes credential kinds")
        if not unknown:
            requirements.append(Requirement(tuple(item)))
    if len(check.problems) != before:
        return None
    return tuple(requirements), title, child_facing is True


def load_catalogue(path: Path | None = None, *, books: Books | None = None) -> CredentialCatalogue:
    """Load and check the catalogue at ``path`` against the rulebook; raise CatalogueError listing every problem."""
    path = path or CATALOGUE_FILE
    problems: list[RuleProblem] = []
    _, data = _read_yaml(path, problems)
    check = FileChecker(path.name, problems)
    top = check.mapping(data, "catalogue", None, allowed={"kind", "types", "roles"}, required={"kind", "types", "roles"})
    if top is None:
        raise CatalogueError(problems)
    if top.get("kind") != "credential_catalogue":
        check.problem(None, "bad_kind", "kind must be 'credential_catalogue'")
    raw_types, raw_roles = top.get("types"), top.get("roles")
    if not isinstance(raw_types, dict):
        check.problem(None, "bad_type", "types must be a mapping of code to type")
        raw_types = {}
    if not isinstance(raw_roles, dict):
        check.problem(None, "bad_type", "roles must be a mapping of staff role to requirements")
        raw_roles = {}
    rules = _known_rules(books or default_books())
    types: dict[str, CredentialType] = {}
    for code, spec in raw_types.items():
        parsed = _parse_type(check, code, spec, rules)
        if parsed is not None:
            types[parsed.code] = parsed
    roles: dict[str, tuple[Requirement, ...]] = {}
    titles: dict[str, Text] = {}
    child_facing: set[str] = set()
    for role, spec in raw_roles.items():
        parsed_role = _parse_role(check, role, spec, types, set(raw_types))
        if parsed_role is None:
            continue
        roles[role], title, facing = parsed_role
        if title is not None:
            titles[role] = title
        if facing:
            child_facing.add(role)
    for role in STAFF_ROLES:
        if role not in raw_roles:
            check.problem(role, "missing_role", f"staff role {role!r} has no entry: each role must name what it needs")
    if problems:
        raise CatalogueError(problems)
    return CredentialCatalogue(types, roles, frozenset(child_facing), titles)


@lru_cache(maxsize=1)
def default_catalogue() -> CredentialCatalogue:
    """The shipped catalogue, loaded once per process."""
    return load_catalogue(CATALOGUE_FILE)
