"""The `tuoyu-kiosk` command and the runtime wiring: enrol, run, stop cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from kiosk_app_factories import FATHER, FRAME, SSL_CONTEXT, card

from hardware.clock import FakeClock
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.fake_server import FakeKioskServer
from kiosk.runtime import KioskRuntime
from kiosk.sync import enroll

BIN = Path(sys.executable).parent


def write_config(tmp_path: Path, server: FakeKioskServer) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'server_url = "{server.base_url}"\ndata_dir = "data"\nlabel = "前门"\n'
                    '[camera]\nkind = "replay"\nsize = [320, 240]\nfps = 10\n'
                    '[ui]\nport = 0\n', encoding="utf-8")
    return path


def test_enroll_command_enrols_and_syncs_the_roster(server: FakeKioskServer, tmp_path: Path) -> None:
    server.add_code("K-42")
    result = CliRunner().invoke(main, ["enroll", "--server", server.base_url, "--code", "K-42",
                                       "--config", str(write_config(tmp_path, server))])
    assert (result.exit_code, "kiosk-01" in result.output, "roster synced: version 1" in result.output) == (
        0, True, True), result.output


def test_enroll_command_reports_the_servers_refusal(server: FakeKioskServer, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["enroll", "--server", server.base_url, "--code", "NOPE",
                                       "--config", str(write_config(tmp_path, server))])
    assert (result.exit_code, "enrolment_code_unknown" in result.output) == (1, True)


def test_run_without_enrolment_says_how_to_enrol(server: FakeKioskServer, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--config", str(write_config(tmp_path, server))])
    assert (result.exit_code, "tuoyu-kiosk enroll" in result.output) == (1, True)


def test_run_with_a_bad_config_lists_the_problems(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("data_dir = 'x'\ncolour = 'red'\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "--config", str(path)])
    assert (result.exit_code, "server_url is required" in result.output, "colour" in result.output) == (1, True, True)


@pytest.fixture
def enrolled_config(server: FakeKioskServer, tmp_path: Path) -> Path:
    path = write_config(tmp_path, server)
    server.add_code("K-1")
    enroll(server.base_url, "K-1", data_dir=load_config(path).data_dir, label="前门", version="test")
    return path


def test_runtime_serves_the_touch_ui_and_verifies_scans(enrolled_config: Path) -> None:
    clock = FakeClock()
    runtime = KioskRuntime.from_config(load_config(enrolled_config), clock=clock, inline_io=True)
    runtime.start(ui=True, loop=False)
    try:
        runtime.kiosk.io_step()  # first roster sync
        with httpx.Client(base_url=runtime.ui_url, verify=SSL_CONTEXT) as ui:
            ui.post("/demo/show", json={"text": card(FATHER)})
            clock.advance(FRAME)
            runtime.kiosk.step()
            state = ui.get("/state").json()
        assert (state["screen"], state["person"]["name"]) == ("accepted", "刘强")
    finally:
        runtime.stop()


def test_runtime_stop_drops_the_door_relay_and_ends_its_threads(enrolled_config: Path) -> None:
    runtime = KioskRuntime.from_config(load_config(enrolled_config), clock=FakeClock(), inline_io=False)
    runtime.start(ui=True, loop=False)
    threads = list(runtime.threads)
    runtime.signals.release_door()
    runtime.stop()
    assert ([t.is_alive() for t in threads], [v for _, v in runtime.signals.history_for("relay")]) == (
        [False, False, False], [1, 0])


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_run_command_stops_cleanly(enrolled_config: Path, stop_signal: signal.Signals) -> None:
    process = subprocess.Popen([str(BIN / "tuoyu-kiosk"), "run", "--config", str(enrolled_config)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        first = process.stdout.readline()  # type: ignore[union-attr]  # printed once everything runs
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert ("kiosk running" in first, process.returncode, "stopped" in out) == (True, 0, True), err


@pytest.fixture
def keep_signal_handlers() -> Iterator[None]:
    """`run` installs SIGINT and SIGTERM handlers; give pytest its own back afterwards."""
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in previous.items():
        signal.signal(number, handler)


def test_run_with_the_ui_port_taken_fails_cleanly(enrolled_config: Path, keep_signal_handlers: None) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        text = enrolled_config.read_text(encoding="utf-8").replace("port = 0", f"port = {taken.getsockname()[1]}")
        enrolled_config.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["run", "--config", str(enrolled_config)])
    assert (result.exit_code, "cannot start" in result.output, "stopped" in result.output) == (1, True, False)
