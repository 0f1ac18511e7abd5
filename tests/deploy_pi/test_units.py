"""The Pi's systemd units parse: `systemd-analyze verify --root` on a root with Debian's units and stub executables.

The binaries the units name (the venv's commands, cage, the browser wrapper) do not exist on this machine, so each
test builds a root holding stubs at exactly those paths and this machine's own unit files (sysinit.target and
friends), installs the unit files under etc/systemd/system, and requires a clean verify: exit 0 and no message
(systemd only warns, exit 0, about many real mistakes such as an unknown value, so any output fails the test).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "deploy" / "pi" / "systemd"
SYSTEM_UNITS = Path("/lib/systemd/system")


def executables(unit_text: str) -> set[str]:
    """The absolute programs of every Exec*= line (systemd's prefixes such as - or + stripped)."""
    return {match.group(1) for match in re.finditer(r"^Exec\w+=[-+!@:]*(/\S+)", unit_text, re.MULTILINE)}


def make_root(tmp_path: Path, units: dict[str, str], *, missing: str | None = None) -> Path:
    root = tmp_path / "root"
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    for name, text in units.items():
        path = root / "etc/systemd/system" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        for program in executables(text) - {missing}:
            stub = root / program.lstrip("/")
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text("#!/bin/sh\n", encoding="utf-8")
            stub.chmod(0o755)
    return root


def verify(root: Path, names: list[str]) -> subprocess.CompletedProcess[str]:
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is needed (Debian package systemd)")
    return subprocess.run(["systemd-analyze", "verify", f"--root={root}",
                           *(f"/etc/systemd/system/{name}" for name in names)],
                          capture_output=True, text=True, timeout=60, check=False, cwd=root)


def unit_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(UNITS.glob("*.service"))}


def test_the_three_pi_units_exist() -> None:
    assert sorted(unit_texts()) == ["tuoyu-agent.service", "tuoyu-kiosk-browser.service", "tuoyu-kiosk.service"]


def test_every_pi_unit_verifies_cleanly(tmp_path: Path) -> None:
    units = unit_texts()
    result = verify(make_root(tmp_path, units), sorted(units))

    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_a_wrong_value_is_caught(tmp_path: Path) -> None:
    units = {"tuoyu-agent.service": unit_texts()["tuoyu-agent.service"].replace("KillMode=mixed", "KillMode=mixd")}
    result = verify(make_root(tmp_path, units), ["tuoyu-agent.service"])

    assert "Failed to parse kill mode" in result.stderr


def test_a_missing_program_is_caught(tmp_path: Path) -> None:
    units = {"tuoyu-kiosk-browser.service": unit_texts()["tuoyu-kiosk-browser.service"]}
    result = verify(make_root(tmp_path, units, missing="/usr/bin/cage"), ["tuoyu-kiosk-browser.service"])

    assert result.returncode != 0 and "/usr/bin/cage is not executable" in result.stderr


def test_the_agent_unit_has_the_watchdog_and_switches_the_lamps_off_after_every_stop() -> None:
    text = unit_texts()["tuoyu-agent.service"]

    assert {"Type=notify", "WatchdogSec=30s", "Restart=always", "StartLimitIntervalSec=0"} <= set(text.splitlines())
    assert "ExecStopPost=/opt/tuoyu/venv/bin/tuoyu-agent lamps-off --config /etc/tuoyu/agent.toml" in text.splitlines()
