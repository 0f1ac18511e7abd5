"""deploy/pi/cloud-init: the NoCloud seed parses and runs provision.sh once with a parsed env file.

`cloud-init schema` is not used: Debian's cloud-init package would install boot services on this machine. The
files are checked as YAML, for the keys cloud-init reads, and against what provision.sh accepts.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

SEED = Path(__file__).resolve().parents[2] / "deploy" / "pi" / "cloud-init"
SCRIPT = SEED.parent / "provision.sh"


def load(name: str) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load((SEED / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_user_data_is_cloud_config_that_runs_provision_with_its_env_file() -> None:
    text = (SEED / "user-data").read_text(encoding="utf-8")
    data = load("user-data")

    assert text.startswith("#cloud-config\n")
    [env_file] = [entry for entry in data["write_files"] if entry["path"] == "/etc/tuoyu/provision.env"]
    assert env_file["permissions"] == "0600"
    assert data["runcmd"][0] == ["bash", "/boot/firmware/tuoyu/provision.sh", "--env-file", "/etc/tuoyu/provision.env"]
    assert data["runcmd"][1] == ["rm", "-f", "/etc/tuoyu/provision.env"]  # the one-time code does not stay
    assert data["power_state"]["mode"] == "reboot"
    assert set(data) <= {"hostname", "manage_etc_hosts", "timezone", "locale", "users", "ssh_pwauth",
                         "package_update", "write_files", "runcmd", "power_state"}


def test_the_env_file_holds_only_keys_provision_accepts() -> None:
    [env_file] = [entry for entry in load("user-data")["write_files"] if entry["path"].endswith("provision.env")]
    keys = {line.split("=", 1)[0] for line in env_file["content"].splitlines() if line.strip()}
    cases = re.findall(r"^\s+(TUOYU_\w+(?:\|TUOYU_\w+)*)\)", SCRIPT.read_text(encoding="utf-8"), re.MULTILINE)
    accepted = {key for case in cases for key in case.split("|")}

    assert {"TUOYU_ROLE", "TUOYU_SERVER", "TUOYU_ENROL_CODE"} <= keys <= accepted


def test_meta_data_and_network_config_parse() -> None:
    meta = load("meta-data")
    network = load("network-config")

    assert meta["instance-id"] and meta["local-hostname"] == load("user-data")["hostname"]
    assert network["network"]["version"] == 2
    assert network["network"]["ethernets"]["eth0"]["dhcp4"] is True
