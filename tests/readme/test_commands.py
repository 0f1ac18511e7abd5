"""The README's commands work: the console scripts exist and the demo's seeding step runs on a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _run(*args: str, instance: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUOYU_INSTANCE_PATH": str(instance), "TUOYU_DATABASE_URL": ""}
    return subprocess.run([str(BIN / args[0]), *args[1:]], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


def test_demo_preparation_migrates_seeds_prints_the_log_ins_and_seeding_again_changes_nothing(instance):
    """One seeding of the month (the slowest command): `tuoyu demo`, then `seed-demo` again, then the chain."""
    result = _run("tuoyu", "demo", "--no-serve", instance=instance)
    assert result.returncode == 0, result.stderr
    assert "http://127.0.0.1:5000/" in result.stdout and "director" in result.stdout
    assert (instance / "tuoyu.sqlite3").exists()
    again = _run("tuoyu", "seed-demo", instance=instance)
    verify = _run("tuoyu", "audit", "verify", "--centre", "demo", instance=instance)
    assert ("已存在" in again.stdout, verify.returncode) == (True, 0), (again.stdout, verify.stdout)


@pytest.mark.parametrize("script", ["tuoyu-kiosk", "tuoyu-agent"])
def test_device_commands_exist_and_list_their_subcommands(script, instance):
    result = _run(script, "--help", instance=instance)
    assert (result.returncode, "run" in result.stdout) == (0, True)


def test_the_demo_kiosk_page_is_absent_unless_the_demo_runs_a_kiosk(app, client, clock):
    from server.auth.roles import Role
    from tests.factories import make_centre, make_login
    from tests.sessions import log_in

    director = make_login("director", clock.now(), [(make_centre("demo", clock.now()), Role.ADMIN)])
    log_in(client, director.user.username)
    assert client.get("/demo/kiosk").status_code == 404
