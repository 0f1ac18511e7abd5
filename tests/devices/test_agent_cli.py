"""`tuoyu-agent`: a bad config is refused in clear words; `run` on fakes delivers and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

from click.testing import CliRunner

from devices.cli import main
from devices.fake_event_server import DEVICE, TOKEN, FakeEventServer
from devices.wire.protocol import EventKind

AGENT = Path(sys.executable).with_name("tuoyu-agent")


def write_config(folder: Path, server_url: str) -> Path:
    path = folder / "agent.toml"
    path.write_text(f'''
device_id = "{DEVICE}"
centre = "demo"
server_url = "{server_url}"
token = "{TOKEN}"
data_dir = "state"
fake = true
seed = 1

[[sensors]]
id = "fridge-milk"
driver = "ds18b20"
location = "fridge-milk"
path = "28-0316a2791bff"
interval_s = 1

[[safety_inputs]]
name = "front-door"
kind = "door"
pin = 5
location = "room:1"
''', encoding="utf-8")
    return path


def test_check_reports_a_malformed_config_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text('device_id = "a b"\nfake = "yes"\n', encoding="utf-8")

    result = CliRunner().invoke(main, ["check", "--config", str(path)])

    assert result.exit_code == 1
    assert "配置错误 / invalid configuration" in result.output
    assert "device_id: 'a b' must match" in result.output
    assert "fake: 'yes' must be true or false" in result.output


def test_check_summarises_a_valid_config(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--config", str(write_config(tmp_path, "http://127.0.0.1:9"))])

    assert result.exit_code == 0, result.output
    assert f"device {DEVICE}, centre demo, uplink http, 1 sensors, 1 safety inputs, fake (seed 1)" in result.output


def test_run_delivers_readings_and_heartbeats_then_stops_on_sigterm(tmp_path: Path, server: FakeEventServer) -> None:
    config = write_config(tmp_path, server.base_url)
    arrived = threading.Event()

    def watch(number: int, phase: str) -> bool:
        kinds = {event.kind for event in server.stored.values()}
        if {EventKind.HEARTBEAT, EventKind.READING} <= kinds:
            arrived.set()
        return False

    server.hook = watch
    process = subprocess.Popen([str(AGENT), "run", "--config", str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert arrived.wait(30) or {EventKind.HEARTBEAT, EventKind.READING} <= {
            e.kind for e in server.stored.values()}, process.stderr
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, err
    assert "设备代理运行中 / agent running" in out
    assert "已停止 / stopped" in out
    readings = [e for e in server.stored.values() if e.kind is EventKind.READING]
    assert readings and all(e.payload["status"] == "ok" for e in readings)
