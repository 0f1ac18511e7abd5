"""deploy/pi/provision.sh against a fake root, with apt-get, systemctl, raspi-config, pip and friends faked.

The shims on PATH record their arguments (one line per call) and keep the state a second run looks at (which
packages are installed, which units enabled), so the test can assert what is installed and enabled, and that a
second run changes no file and installs nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "pi" / "provision.sh"

SHIM = r'''#!/usr/bin/env bash
# Records "<name> <args>" and plays the part of the real command on the fake root's state.
set -euo pipefail
name="$(basename "$0")"
echo "$name $*" >> "$SHIM_LOG"
state="$SHIM_STATE"
case "$name" in
  dpkg-query) pkg="${@: -1}"; grep -qxF "$pkg" "$state/installed" 2>/dev/null && echo "install ok installed" || exit 1 ;;
  apt-get) if [[ "$1" == install ]]; then for a in "$@"; do [[ "$a" == -* || "$a" == install ]] || echo "$a" >> "$state/installed"; done; fi ;;
  id) grep -qxF "${@: -1}" "$state/users" 2>/dev/null || exit 1 ;;
  useradd) echo "${@: -1}" >> "$state/users" ;;
  systemctl)
    case "$1" in
      is-enabled) grep -qxF "${@: -1}" "$state/enabled" 2>/dev/null || exit 1 ;;
      enable) echo "$2" >> "$state/enabled" ;;
      is-active) grep -qxF "${@: -1}" "$state/active" 2>/dev/null || exit 1 ;;
      start|restart) echo "$2" >> "$state/active" ;;
      get-default) cat "$state/default" 2>/dev/null || echo multi-user.target ;;
      set-default) echo "$2" > "$state/default" ;;
    esac ;;
  raspi-config) [[ "$2" == get_overlay_conf ]] && { cat "$state/overlay" 2>/dev/null || echo 1; }
                [[ "$2" == enable_overlayfs ]] && echo 0 > "$state/overlay"; true ;;
  mountpoint) [[ -f "$state/mounted" ]] ;;
  python3) # python3 -m venv --system-site-packages DIR: a venv whose pip and tuoyu commands are shims too
    dir="${@: -1}"; mkdir -p "$dir/bin"
    for tool in python pip tuoyu-agent tuoyu-kiosk; do ln -sf "$SHIM_DIR/venv-tool" "$dir/bin/$tool"; done ;;
  venv-tool) ;;
  runuser) shift 3; program="$1"; shift; exec "$PROVISION_ROOT$program" "$@" ;;  # the fake root's venv
esac
'''

VENV_TOOL = r'''#!/usr/bin/env bash
set -euo pipefail
echo "$(basename "$0") $*" >> "$SHIM_LOG"
if [[ "$1" == enroll ]]; then  # what enrolment leaves behind: the data directory's enrolment.json
  role="${0##*tuoyu-}"; mkdir -p "$PROVISION_ROOT/var/lib/tuoyu-$role"; echo '{}' > "$PROVISION_ROOT/var/lib/tuoyu-$role/enrolment.json"
fi
'''

SHIMMED = ["apt-get", "dpkg-query", "systemctl", "raspi-config", "python3", "useradd", "id", "chown", "runuser",
           "mountpoint"]


class Pi:
    """A fake root, its shims and their log."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "root"
        self.shims = tmp_path / "shims"
        self.state = tmp_path / "state"
        self.log = tmp_path / "calls.log"
        for folder in (self.root, self.shims, self.state):
            folder.mkdir()
        self.wheel = tmp_path / "tuoyu-0.1.0-py3-none-any.whl"
        self.wheel.write_bytes(b"a wheel")
        (self.root / "boot" / "firmware").mkdir(parents=True)
        (self.root / "boot" / "firmware" / "config.txt").write_text("[all]\narm_64bit=1\n", encoding="utf-8")
        (self.shims / "shim").write_text(SHIM, encoding="utf-8")
        (self.shims / "venv-tool").write_text(VENV_TOOL, encoding="utf-8")
        for name in ("shim", "venv-tool"):
            (self.shims / name).chmod(0o755)
        for name in SHIMMED:
            (self.shims / name).symlink_to(self.shims / "shim")

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        self.log.write_text("", encoding="utf-8")
        environ = {
            "PATH": f"{self.shims}:{os.environ['PATH']}", "PROVISION_ROOT": str(self.root), "SHIM_LOG": str(self.log),
            "SHIM_STATE": str(self.state), "SHIM_DIR": str(self.shims), "TUOYU_PACKAGE": str(self.wheel),
            "HOME": str(self.state), **env,
        }
        return subprocess.run(["bash", str(SCRIPT), *args], env=environ, capture_output=True, text=True, timeout=60,
                              check=False)

    def calls(self, name: str) -> list[str]:
        return [line[len(name) + 1:] for line in self.log.read_text(encoding="utf-8").splitlines()
                if line.startswith(name + " ")]

    def tree(self) -> dict[str, tuple[str, int]]:
        """Every file and link under the fake root: (content digest or link target, mode)."""
        found = {}
        for path in sorted(self.root.rglob("*")):
            stat = path.lstat()
            if path.is_symlink():
                found[str(path.relative_to(self.root))] = (os.readlink(path), stat.st_mode)
            elif path.is_file():
                found[str(path.relative_to(self.root))] = (hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mode)
            else:
                found[str(path.relative_to(self.root)) + "/"] = ("", stat.st_mode)
        return found

    def read(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")

    def state_lines(self, name: str) -> list[str]:
        path = self.state / name
        return path.read_text(encoding="utf-8").split() if path.exists() else []


@pytest.fixture
def pi(tmp_path: Path) -> Pi:
    if shutil.which("bash") is None:
        pytest.fail("bash is needed")
    return Pi(tmp_path)


ENROL = {"TUOYU_SERVER": "https://tuoyu.example.cn", "TUOYU_ENROL_CODE": "ABCD-1234", "TUOYU_NAME": "room1"}


def test_agent_installs_its_extra_units_and_watchdog_and_enrols(pi: Pi) -> None:
    result = pi.run("agent", **ENROL)

    assert result.returncode == 0, result.stderr
    assert pi.state_lines("installed") == ["python3-venv", "python3-lgpio"]
    assert pi.calls("python3") == [f"-m venv --system-site-packages {pi.root}/opt/tuoyu/venv"]
    [pip] = pi.calls("pip")
    assert pip.endswith(f"'tuoyu[agent,pi] @ file://{pi.wheel}'".strip("'")) and "-c" in pip
    assert pi.calls("tuoyu-agent") == ["enroll --server https://tuoyu.example.cn --code ABCD-1234 "
                                       "--config /etc/tuoyu/agent.toml --name room1"]
    assert pi.state_lines("enabled") == ["tuoyu-agent.service"]
    assert pi.state_lines("active") == ["tuoyu-agent.service"]
    assert pi.read("etc/systemd/system/tuoyu-agent.service") == (REPO / "deploy/pi/systemd/tuoyu-agent.service").read_text(
        encoding="utf-8")
    assert not (pi.root / "etc/systemd/system/tuoyu-kiosk.service").exists()
    assert "dtparam=watchdog=on" in pi.read("boot/firmware/config.txt").splitlines()
    assert "RuntimeWatchdogSec=14s" in pi.read("etc/systemd/system.conf.d/tuoyu-watchdog.conf")
    assert "Storage=volatile" in pi.read("etc/systemd/journald.conf.d/tuoyu.conf")
    assert pi.state_lines("users") == ["tuoyu"]
    assert "reboot needed" in result.stdout


def test_kiosk_installs_the_camera_browser_and_compositor_and_both_units(pi: Pi) -> None:
    result = pi.run("kiosk", **ENROL)

    assert result.returncode == 0, result.stderr
    assert {"python3-picamera2", "python3-lgpio", "chromium-browser", "cage", "libzbar0"} <= set(
        pi.state_lines("installed"))
    assert "tuoyu[kiosk,pi] @" in pi.calls("pip")[0]
    assert pi.calls("tuoyu-kiosk") == ["enroll --server https://tuoyu.example.cn --code ABCD-1234 "
                                       "--config /etc/tuoyu/kiosk.toml"]
    assert pi.state_lines("enabled") == ["tuoyu-kiosk.service", "tuoyu-kiosk-browser.service"]
    assert pi.state_lines("default") == ["graphical.target"]
    assert os.access(pi.root / "usr/local/bin/tuoyu-kiosk-browser", os.X_OK)
    assert pi.state_lines("users") == ["tuoyu", "tuoyu-ui"]
    assert 'kind = "picamera2"' in pi.read("etc/tuoyu/kiosk.toml")


@pytest.mark.parametrize("role", ["agent", "kiosk"])
def test_a_second_run_changes_nothing(pi: Pi, role: str) -> None:
    assert pi.run(role, **ENROL).returncode == 0
    before = pi.tree()

    again = pi.run(role, **ENROL)

    assert again.returncode == 0, again.stderr
    assert pi.tree() == before
    assert pi.calls("apt-get") == []
    assert pi.calls("useradd") == [] and pi.calls("python3") == []
    assert pi.calls(f"tuoyu-{role}") == []  # enrolled already: a spent code is never used again
    assert [call for call in pi.calls("systemctl") if call.split()[0] in ("enable", "restart", "daemon-reload")] == []
    assert "wrote" not in again.stdout


def test_the_sites_config_is_never_overwritten(pi: Pi) -> None:
    config = pi.root / "etc/tuoyu/agent.toml"
    config.parent.mkdir(parents=True)
    config.write_text('data_dir = "/var/lib/tuoyu-agent"\n# the site\'s own\n', encoding="utf-8")

    assert pi.run("agent").returncode == 0

    assert config.read_text(encoding="utf-8").endswith("# the site's own\n")


def test_without_a_code_it_installs_but_neither_enrols_nor_starts(pi: Pi) -> None:
    result = pi.run("agent")

    assert result.returncode == 0, result.stderr
    assert "not enrolled yet" in result.stdout
    assert pi.state_lines("enabled") == ["tuoyu-agent.service"] and pi.state_lines("active") == []


def test_a_new_wheel_restarts_the_service(pi: Pi) -> None:
    assert pi.run("agent", **ENROL).returncode == 0
    pi.wheel.write_bytes(b"a newer wheel")

    assert pi.run("agent", **ENROL).returncode == 0

    assert "restart tuoyu-agent.service" in pi.calls("systemctl")


def test_overlay_mode_refuses_a_data_directory_on_the_root(pi: Pi) -> None:
    result = pi.run("agent", TUOYU_ROOT_MODE="overlay")

    assert result.returncode == 3
    assert "needs /var/lib/tuoyu-agent on its own partition" in result.stderr
    assert pi.calls("raspi-config") == []


def test_overlay_mode_enables_the_overlay_once(pi: Pi) -> None:
    (pi.state / "mounted").touch()

    assert pi.run("agent", TUOYU_ROOT_MODE="overlay").returncode == 0
    first = pi.calls("raspi-config")
    assert pi.run("agent", TUOYU_ROOT_MODE="overlay").returncode == 0

    assert first == ["nonint get_overlay_conf", "nonint enable_overlayfs"]
    assert pi.calls("raspi-config") == ["nonint get_overlay_conf"]


def test_an_env_file_is_parsed_not_executed(pi: Pi, tmp_path: Path) -> None:
    env_file = tmp_path / "provision.env"
    env_file.write_text("TUOYU_ROLE=agent\nTUOYU_SERVER=https://s\nTUOYU_ENROL_CODE=$(touch /tmp/x)\n", encoding="utf-8")

    proc = pi.run("--env-file", str(env_file))

    assert proc.returncode == 0, proc.stderr
    assert pi.calls("tuoyu-agent") == ["enroll --server https://s --code $(touch /tmp/x) --config /etc/tuoyu/agent.toml "
                                       f"--name {os.uname().nodename}"]


def test_an_unknown_role_is_refused(pi: Pi) -> None:
    result = pi.run("server")

    assert result.returncode == 2 and "usage" in result.stderr
