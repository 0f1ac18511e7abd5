"""Both shipped Caddyfiles (a named site with automatic certificates; a LAN site with Caddy's local CA) validate."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.deploy.processes import require

CADDY = Path(__file__).resolve().parents[2] / "deploy" / "caddy"


@pytest.mark.parametrize("name", ["Caddyfile", "Caddyfile.lan"])
def test_the_caddyfile_validates(tmp_path, name):
    caddy = require("caddy", "caddy")
    # Caddy keeps its state (certificates, the local CA) under $HOME / XDG_DATA_HOME: the test's own.
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "TUOYU_SITE": "tuoyu.lan, 192.168.1.10"}
    result = subprocess.run([caddy, "validate", "--adapter", "caddyfile", "--config", str(CADDY / name)],
                            capture_output=True, text=True, env=env, cwd=CADDY, timeout=60)
    assert (result.returncode, "Valid configuration" in result.stdout + result.stderr) == (0, True), result.stderr


def test_caddy_validate_refuses_a_misspelt_directive(tmp_path):
    caddy = require("caddy", "caddy")
    broken = tmp_path / "Caddyfile"
    broken.write_text((CADDY / "Caddyfile.lan").read_text().replace("import tuoyu.caddy",
                                                                     f"import {CADDY / 'tuoyu.caddy'}\n\treverse_prox x"))
    result = subprocess.run([caddy, "validate", "--adapter", "caddyfile", "--config", str(broken)],
                            capture_output=True, text=True, env={**os.environ, "HOME": str(tmp_path)}, timeout=60)
    assert (result.returncode, "unrecognized directive" in result.stderr) == (1, True), result.stderr
