"""Load the rulebook YAML files / 规则库文件的加载.

The loader collects every problem in every file, then refuses once, naming the
file and the rule of each problem: a book that is half right must not be used.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from compliance.rulebook.errors import RulebookError, RuleProblem
from compliance.rulebook.model import Books, Overlay, Override, Rule
from compliance.rulebook.parse import FileChecker

BOOK_DIR = Path(__file__).resolve().parent.parent / "rules"
NATIONAL_FILE = "national.yaml"
REGION_KEY = re.compile(r"^[a-z]+(-[a-z]+)*$")

class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (重复的键)", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


def _construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode) -> str:
    # Keep dates as text: PyYAML would raise a bare ValueError on 2019-13-45, losing file and rule.
    return str(loader.construct_scalar(node))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _read_yaml(path: Path, problems: list[RuleProblem]) -> tuple[bytes, Any]:
    """The file's bytes and its parsed YAML; None (and a problem) when it is unreadable or empty."""
    raw = path.read_bytes()
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_StrictLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(RuleProblem(path.name, None, "yaml_error", f"cannot parse YAML: {exc}"))
        return raw, None
    if data is None:
        problems.append(RuleProblem(path.name, None, "yaml_error", "the file is empty (文件为空)"))
    return raw, data


def _load_national(path: Path, data: Any, problems: list[RuleProblem]) -> dict[str, Rule]:
    check = FileChecker(path.name, problems)
    top = check.mapping(data, "national book", None, allowed={"kind", "name", "rules"}, required={"kind", "rules"})
    if top is None:
        return {}
    if top.get("kind") != "national":
        check.problem(None, "bad_kind", "kind must be 'national'")
    if "name" in top:
        check.text(top["name"], "name", None)
    rules: dict[str, Rule] = {}
    raw_rules = top.get("rules")
    if not isinstance(raw_rules, list):
        check.problem(None, "bad_type", "rules must be a list")
        return rules
    for item in raw_rules:
        rule = check.rule(item, "national")
        if rule is None:
            continue
        if rule.id in rules:
            check.problem(rule.id, "duplicate_id", "rule id appears more than once (规则编号重复)")
            continue
        rules[rule.id] = rule
    return rules


def _load_overlay(path: Path, data: Any, national: Mapping[str, Rule], problems: list[RuleProblem]) -> Overlay | None:
    check = FileChecker(path.name, problems)
    top = check.mapping(
        data, "overlay", None, allowed={"kind", "region", "name", "overrides", "rules"},
        required={"kind", "region", "name"},
    )
    if top is None:
        return None
    before = len(problems)
    if top.get("kind") != "overlay":
        check.problem(None, "bad_kind", "kind must be 'overlay'")
    region = top.get("region")
    if not (isinstance(region, str) and REGION_KEY.match(region)):
        check.problem(None, "bad_region", f"region {region!r} must be a key like 'hunan-shaoyang'")
    elif region != path.stem:
        check.problem(None, "region_mismatch", f"region {region!r} does not match the file name {path.name!r}")
    name = check.text(top.get("name"), "name", None) if "name" in top else None
    overrides: list[Override] = []
    seen_overrides: set[str] = set()
    for item in _list(check, top, "overrides"):
        override = check.override(item, national)
        if override is None:
            continue
        if override.rule_id in seen_overrides:
            check.problem(override.rule_id, "duplicate_id", "rule is overridden more than once in this overlay")
            continue
        seen_overrides.add(override.rule_id)
        overrides.append(override)
    rules: list[Rule] = []
    seen_rules: set[str] = set()
    for item in _list(check, top, "rules"):
        rule = check.rule(item, f"region:{region}")
        if rule is None:
            continue
        if rule.id in national or rule.id in seen_rules:
            check.problem(
                rule.id, "duplicate_id",
                "rule id already exists; use 'overrides' to change a national rule (规则编号重复)",
            )
            continue
        seen_rules.add(rule.id)
        rules.append(rule)
    if len(problems) != before or name is None or not isinstance(region, str):
        return None
    return Overlay(region, name, path.name, tuple(overrides), tuple(rules))


def _list(check: FileChecker, top: dict[str, Any], key: str) -> list[Any]:
    value = top.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        check.problem(None, "bad_type", f"{key} must be a list")
        return []
    return value


def book_version(files: Mapping[str, bytes]) -> str:
    """Content hash of the book files: ``sha256:`` and the first 16 hex digits."""
    digest = hashlib.sha256()
    for name in sorted(files):
        body = files[name]
        # Length-prefix each part so that moving bytes between files changes the hash.
        digest.update(f"{name}\0{len(body)}\0".encode())
        digest.update(body)
    return "sha256:" + digest.hexdigest()[:16]


def load_books(directory: Path | None = None) -> Books:
    """Load and validate the national book and all overlays in ``directory``; raise RulebookError on any problem."""
    directory = directory or BOOK_DIR
    problems: list[RuleProblem] = []
    national_path = directory / NATIONAL_FILE
    files: dict[str, bytes] = {}
    if not national_path.is_file():
        raise RulebookError([RuleProblem(NATIONAL_FILE, None, "missing_national", f"no {NATIONAL_FILE} in {directory}")])
    raw, data = _read_yaml(national_path, problems)
    files[national_path.name] = raw
    national = _load_national(national_path, data, problems) if data is not None else {}
    overlays: dict[str, Overlay] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == NATIONAL_FILE:
            continue
        raw, data = _read_yaml(path, problems)
        files[path.name] = raw
        if data is None:
            continue
        overlay = _load_overlay(path, data, national, problems)
        if overlay is not None:
            overlays[overlay.region] = overlay
    if problems:
        raise RulebookError(problems)
    return Books(national=national, overlays=overlays, version=book_version(files))


@lru_cache(maxsize=1)
def default_books() -> Books:
    """The books shipped in ``compliance/rules`` (loaded once per process; they are immutable)."""
    return load_books(BOOK_DIR)
