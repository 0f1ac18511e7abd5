"""Each machine installs what it runs: every role's real imports are declared by its extra in setup.cfg.

The imports are read from the source (ast, including imports inside functions and ``importlib.import_module``
with a literal name), followed through our own packages from each role's entry points, and mapped to
distributions with ``importlib.metadata.packages_distributions()`` of this venv (which has every extra).
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
from collections.abc import Iterable
from functools import cache
from importlib.metadata import packages_distributions, requires
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OURS = ("server", "kiosk", "devices", "hardware", "compliance")
NOT_FROM_PYPI = {
    # import name: why no extra declares it
    "picamera2": "Raspberry Pi OS's apt package python3-picamera2 (deploy/pi/provision.sh), seen through the venv's "
                 "system site packages; imported only by the picamera2 camera backend",
}
ROLE_ROOTS = {
    # role: the modules it runs (their import closure is followed)
    "server": ["server", "compliance"],
    "kiosk": ["kiosk"],
    "agent": ["devices.cli", "devices.agent"],
}
COMES_WITH = {
    # a distribution our code imports directly whose version its parent pins: declaring it would only repeat that
    "pydantic-core": "pydantic",
    "werkzeug": "flask",
    "markupsafe": "flask",
    "wtforms": "flask-wtf",
}
AGENT_MUST_NOT_REACH = {"cv2", "numpy", "flask", "werkzeug", "sqlalchemy"}
CAMERA_STACK = {"opencv-python-headless", "opencv-python", "zxing-cpp", "pyzbar", "picamera2"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def setup_cfg() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO / "setup.cfg", encoding="utf-8")
    return parser


def requirement_names(block: str) -> list[str]:
    """Distribution names of a setup.cfg requirement list (comments skipped); ``tuoyu[a,b]`` kept whole."""
    names = []
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?", line)
            assert match, line
            names.append(match.group(0))
    return names


@cache
def declared(extra: str | None) -> frozenset[str]:
    """What ``pip install 'tuoyu[extra]'`` asks for (install_requires, plus the extra, self-references followed)."""
    config = setup_cfg()
    names = set(requirement_names(config["options"]["install_requires"]))
    pending = [extra] if extra else []
    seen: set[str] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for name in requirement_names(config["options.extras_require"][current]):
            if name.startswith("tuoyu["):
                pending += [part.strip() for part in name[6:-1].split(",")]
            else:
                names.add(re.sub(r"\[.*\]", "", name))
    return frozenset(normalise(name) for name in names)


# -- the import graph ----------------------------------------------------------------------------------------------


def module_files(base: Path, packages: Iterable[str]) -> dict[str, Path]:
    files = {}
    for package in packages:
        for path in sorted((base / package).rglob("*.py")):
            parts = path.relative_to(base).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            files[name] = path
    return files


LITERAL_IMPORT_MODULE = re.compile(r"""import_module\(\s*["']([\w.]+)["']""")


IMPORT_STATEMENT = re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\([^)]*\)|.*)|import[ \t]+.*)$",
                              re.MULTILINE)


def statements(source: str) -> Iterable[ast.stmt]:
    """The file's import statements at any depth, without parsing the whole file (~10 times faster).

    A line in a docstring that happens to read like an import counts too: the check errs on the strict side.
    """
    for match in IMPORT_STATEMENT.finditer(source):
        try:
            yield from ast.parse(match.group(0).strip()).body
        except SyntaxError:  # prose such as "import them all" in a docstring
            continue


def imports_of(name: str, path: Path) -> set[str]:
    """Every module name ``path`` imports, at any depth of the file (lazy imports in functions count)."""
    is_package = path.name == "__init__.py"
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:  # another session's scratch file, gone since the folder was listed
        return set()
    found: set[str] = set(LITERAL_IMPORT_MODULE.findall(source))  # importlib.import_module("zxingcpp")
    for node in statements(source):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = name.split(".")
                package = package if is_package else package[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


@cache
def graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(our module → our modules it imports, our module → third-party top-level names it imports)."""
    files = module_files(REPO, OURS)
    ours: dict[str, set[str]] = {}
    external: dict[str, set[str]] = {}
    for name, path in files.items():
        ours[name], external[name] = set(), set()
        for imported in imports_of(name, path):
            top = imported.split(".")[0]
            if top in OURS:
                while imported not in files and "." in imported:  # `from pkg import Class`: the module is pkg
                    imported = imported.rsplit(".", 1)[0]
                if imported in files:
                    ours[name].add(imported)
            elif top and top not in sys.stdlib_module_names and top != "__future__":
                external[name].add(top)
    return ours, external


def closure(roots: Iterable[str]) -> set[str]:
    """Our modules a role runs: the roots (a package means all its modules), what they import, their parents."""
    ours, _ = graph()
    pending = [name for name in ours if any(name == root or name.startswith(root + ".") for root in roots)]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or name not in ours:  # a folder without __init__.py (migrations/versions) runs nothing
            continue
        seen.add(name)
        parts = name.split(".")
        pending += [".".join(parts[:i]) for i in range(1, len(parts))]  # importing a.b runs a/__init__.py
        pending += ours[name]
    return seen


def third_party(modules: Iterable[str]) -> dict[str, set[str]]:
    """Third-party top-level import name → our modules importing it."""
    _, external = graph()
    found: dict[str, set[str]] = {}
    for module in modules:
        for top in external[module]:
            found.setdefault(top, set()).add(module)
    return found


@cache
def import_names() -> dict[str, list[str]]:
    return packages_distributions()


@cache
def requires_of(dist: str) -> frozenset[str]:
    return frozenset(normalise(re.match(r"[A-Za-z0-9._-]+", line).group(0))  # type: ignore[union-attr]
                     for line in requires(dist) or [] if "extra ==" not in line)


def distributions_of(top: str) -> set[str]:
    return {normalise(dist) for dist in import_names().get(top, [])}


def covered(dists: set[str], wanted: frozenset[str]) -> bool:
    """Declared, or pinned by a declared parent that really requires it (COMES_WITH)."""
    return bool(dists & wanted) or any(
        COMES_WITH.get(dist) in wanted and dist in requires_of(COMES_WITH[dist]) for dist in dists)


# -- the tests --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLE_ROOTS))
def test_every_third_party_import_of_a_role_is_declared_by_its_extra(role: str) -> None:
    wanted = declared(role)
    problems = []
    for top, users in sorted(third_party(closure(ROLE_ROOTS[role])).items()):
        if top in NOT_FROM_PYPI:
            continue
        dists = distributions_of(top)
        if not dists:
            problems.append(f"{top}: no installed distribution provides it (imported by {sorted(users)[:3]})")
        elif not covered(dists, wanted):
            problems.append(f"{top} ({', '.join(sorted(dists))}) not in tuoyu[{role}] (imported by {sorted(users)[:3]})")
    assert problems == []


def test_the_agent_reaches_neither_opencv_nor_the_flask_stack() -> None:
    reached = set(third_party(closure(ROLE_ROOTS["agent"])))

    assert reached & AGENT_MUST_NOT_REACH == set()
    assert {normalise(name) for name in ("opencv-python-headless", "flask", "numpy")} & declared("agent") == set()


def test_the_agent_runs_only_devices_and_hardware() -> None:
    packages = {module.split(".")[0] for module in closure(ROLE_ROOTS["agent"])}

    assert packages == {"devices", "hardware"}


def test_the_server_pulls_no_camera_stack() -> None:
    assert {normalise(name) for name in CAMERA_STACK} & declared("server") == set()


def test_install_requires_holds_only_what_every_role_imports() -> None:
    per_role = []
    for roots in ROLE_ROOTS.values():
        names = set()
        for top in third_party(closure(roots)):
            names |= distributions_of(top)
        per_role.append(names)
    common = set.intersection(*per_role)

    assert declared(None) <= common, f"install_requires has more than every role needs: {declared(None) - common}"


def test_dev_installs_every_role_and_what_the_tests_import() -> None:
    dev = declared("dev") | declared("postgres")
    for role in ROLE_ROOTS:
        assert declared(role) <= dev, role
    files = module_files(REPO, ["tests", "bench"])
    local = {part for path in files.values() for part in path.relative_to(REPO).with_suffix("").parts}
    problems = []
    for name, path in files.items():
        for imported in imports_of(name, path):
            top = imported.split(".")[0]
            if not top or top in OURS or top in local or top in sys.stdlib_module_names:
                continue
            if top == "__future__" or top in NOT_FROM_PYPI:
                continue
            dists = distributions_of(top)
            if not covered(dists, dev):
                problems.append(f"{name}: {top} ({', '.join(sorted(dists)) or 'not installed'}) not in tuoyu[dev]")
    assert problems == []


def test_the_walk_sees_lazy_and_literal_dynamic_imports() -> None:
    kiosk = third_party(closure(ROLE_ROOTS["kiosk"]))

    assert {"zxingcpp", "pyzbar", "cv2", "flask"} <= set(kiosk)  # hardware.qr loads the decoders by name
