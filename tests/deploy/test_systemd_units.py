"""The units of deploy/systemd: every one passes `systemd-analyze verify`, and they say what docs/deploy.md promises.

`verify` runs with `--root` on a tree of the test's own: the machine's unit directory (for the targets the units name),
our units in /etc/systemd/system, and the executables their Exec lines name. Those under the production venv
(/opt/tuoyu/venv/bin) are stubs, made only for the commands our own venv really has (the package's `tuoyu` and
`gunicorn`): a unit naming a command the install does not provide still fails. `verify` exits 0 on an unknown
directive or a value it cannot parse (it only warns), so any output on stderr fails the test too.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.processes import require

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "deploy" / "systemd"
ENV_EXAMPLE = UNITS / "tuoyu.env.example"
VENV = "/opt/tuoyu/venv"
DEV_BIN = Path(sys.executable).parent
UNIT_FILES = sorted(p.name for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))
SERVICES = [name for name in UNIT_FILES if name.endswith(".service")]
EXEC_KEYS = ("ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost")
SERVER_COMMAND = ("/opt/tuoyu/venv/bin/gunicorn -c python:server.gunicorn_conf -w 2 -b 127.0.0.1:8000 "
                  "--control-socket /run/tuoyu/gunicorn.ctl 'server:create_app()'")


def _unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file as {section: {key: [values in order]}} (systemd allows a key more than once)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def _executables(names: list[str]) -> set[str]:
    found = set()
    for name in names:
        for key in EXEC_KEYS:
            for value in _unit(name).get("Service", {}).get(key, []):
                found.add(shlex.split(value.lstrip("-@:+!"))[0])
    return found


def _root(tmp_path: Path, units: dict[str, str]) -> Path:
    """A file system tree for `systemd-analyze verify --root`, holding `units` (name: text)."""
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "usr/bin").mkdir(parents=True)
    (root / "bin").symlink_to("usr/bin")  # Debian 12 is merged-/usr
    for executable in _executables(list(units)):
        real = DEV_BIN / Path(executable).name if executable.startswith(VENV + "/bin/") else Path(executable)
        if os.access(real, os.X_OK):
            stub = root / executable.lstrip("/")
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text("#!/bin/sh\nexit 0\n")
            stub.chmod(0o755)
    folder = root / "etc/systemd/system"
    folder.mkdir(parents=True)
    for name, text in units.items():
        (folder / name).write_text(text)
    return root


def _verify(root: Path, names: list[str]) -> subprocess.CompletedProcess[str]:
    require("systemd-analyze", "systemd")
    return subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}",
                           *(str(root / "etc/systemd/system" / name) for name in names)],
                          capture_output=True, text=True, timeout=60)


def _all_units() -> dict[str, str]:
    return {name: (UNITS / name).read_text() for name in UNIT_FILES}


@pytest.mark.parametrize("name", UNIT_FILES)
def test_the_unit_passes_systemd_analyze_verify_without_a_warning(tmp_path, name):
    result = _verify(_root(tmp_path, _all_units()), [name])
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(("change", "complaint"), [
    (("PrivateTmp=true", "PrivateTmpp=true"), "Unknown key"),
    (("Restart=on-failure", "Restart=sometimes"), "Failed to parse"),
    (("/opt/tuoyu/venv/bin/gunicorn", "/opt/tuoyu/venv/bin/gunicorm"), "is not executable"),
])
def test_verify_as_run_here_fails_on_a_broken_unit(tmp_path, change, complaint):
    units = _all_units()
    units["tuoyu-server.service"] = units["tuoyu-server.service"].replace(*change)
    result = _verify(_root(tmp_path, units), ["tuoyu-server.service"])
    assert complaint in result.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_the_services_exposure_stays_low(tmp_path, name):
    # `systemd-analyze security` scores a unit from 0 (confined) to 10; ours score 1.7 ("OK"). The threshold fails
    # the test if a change loosens the hardening past 2.0.
    root = _root(tmp_path, _all_units())
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=20", f"--root={root}",
                             str(root / "etc/systemd/system" / name)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout[-2000:]


def test_the_server_runs_the_documented_gunicorn_line_from_the_venv():
    # The worker class lives in server/gunicorn_conf.py (the load issue's), never on the command line.
    assert _unit("tuoyu-server.service")["Service"]["ExecStart"] == [SERVER_COMMAND]


def test_each_timer_starts_a_unit_of_ours_and_catches_up_after_downtime():
    timers = [name for name in UNIT_FILES if name.endswith(".timer")]
    started = {name: _unit(name)["Timer"].get("Unit", [name.replace(".timer", ".service")])[0] for name in timers}
    persistent = {name: _unit(name)["Timer"].get("Persistent") for name in timers}
    assert (started, persistent) == ({"tuoyu-backup.timer": "tuoyu-backup.service"},
                                     {"tuoyu-backup.timer": ["true"]})


@pytest.mark.parametrize("name", SERVICES)
def test_the_service_runs_as_tuoyu_confined_to_the_instance_folder(name):
    service = _unit(name)["Service"]
    instance = _example_env()["TUOYU_INSTANCE_PATH"]
    writable = " ".join(service.get("ReadWritePaths", [])).split()
    hardening = {key: service.get(key) for key in ("User", "ProtectSystem", "ProtectHome", "PrivateTmp",
                                                      "NoNewPrivileges", "EnvironmentFile", "StateDirectory")}
    assert hardening == {"User": ["tuoyu"], "ProtectSystem": ["strict"], "ProtectHome": ["true"],
                         "PrivateTmp": ["true"], "NoNewPrivileges": ["true"],
                         "EnvironmentFile": ["/etc/tuoyu/tuoyu.env"], "StateDirectory": ["tuoyu"]}
    assert any(Path(instance).is_relative_to(path) for path in writable), (instance, writable)


def _example_env(include_commented: bool = False) -> dict[str, str]:
    pattern = re.compile(r"^(?:#\s*)?(TUOYU_[A-Z0-9_]+)=(.*)$" if include_commented else r"^(TUOYU_[A-Z0-9_]+)=(.*)$")
    return {m.group(1): m.group(2) for line in ENV_EXAMPLE.read_text().splitlines() if (m := pattern.match(line))}


def test_the_example_environment_names_only_settings_the_server_reads():
    from server.config import DEFAULTS

    known = {f"TUOYU_{key}" for key in DEFAULTS} | {"TUOYU_INSTANCE_PATH"}
    named = set(_example_env(include_commented=True))
    assert (named - known, {"TUOYU_DATABASE_URL", "TUOYU_INSTANCE_PATH", "TUOYU_PROXY_FIX"} <= named) == (set(), True)


def test_the_example_environment_is_what_systemd_reads():
    # systemd's EnvironmentFile= syntax is close to, not the same as, a shell's: parse it as a shell would and
    # compare, so a value needing quotes is caught.
    shell = subprocess.run(["bash", "-c", f"set -a; . {shlex.quote(str(ENV_EXAMPLE))}; env -0"],
                           capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, check=True)
    exported = dict(item.split("=", 1) for item in shell.stdout.split("\0") if item.startswith("TUOYU_"))
    assert exported == _example_env()
