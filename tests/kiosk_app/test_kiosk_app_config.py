"""The kiosk's TOML configuration: defaults, validation of every key, every problem reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config

MINIMAL = 'server_url = "http://192.168.1.10:5000"\ndata_dir = "data"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return caught.value.problems


def test_minimal_file_gets_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert (config.camera.kind, config.gpio.backend, config.ui.host, config.ui.port, config.scan.repeat_window_s,
            config.gpio.timings.door_release_ms, config.roster.max_age_hours) == (
        "replay", "fake", "127.0.0.1", 8080, 5.0, 3000, 24.0)


def test_relative_data_dir_is_relative_to_the_file(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, MINIMAL)).outbox_path == tmp_path / "data" / "outbox.sqlite3"


def test_full_file_is_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL + """
label = "后门 / Back door"
[camera]
kind = "opencv"
device = "/dev/video0"
size = [1920, 1080]
[gpio]
backend = "pi"
pins = {relay = 24, relay_active_high = false}
timings = {door_release_ms = 4000}
[scan]
repeat_window_s = 8
[roster]
max_age_hours = 12
[ui]
port = 8090
"""))
    assert (config.label, config.camera.options, config.gpio.pins.relay, config.gpio.pins.relay_active_high,
            config.gpio.timings.door_release_ms, config.scan.repeat_window_s, config.roster.max_age_hours,
            config.ui.port) == ("后门 / Back door", {"device": "/dev/video0", "size": (1920, 1080)}, 24, False, 4000,
                                8.0, 12.0, 8090)


def test_unknown_top_level_key_is_refused_by_name(tmp_path: Path) -> None:
    assert problems(tmp_path, MINIMAL + "sever_url = 'x'\n") == [
        "unknown key(s) in the top level: sever_url (known: camera, data_dir, gpio, label, roster, scan, server_url, "
        "timezone, ui, uplink)"]


def test_unknown_key_in_a_table_is_refused(tmp_path: Path) -> None:
    assert problems(tmp_path, MINIMAL + "[scan]\nrepeat_window = 5\n")[0].startswith(
        "unknown key(s) in [scan]: repeat_window")


def test_option_of_another_camera_backend_is_refused(tmp_path: Path) -> None:
    assert problems(tmp_path, MINIMAL + "[camera]\nkind = 'picamera2'\ndevice = 0\n")[0].startswith(
        "unknown key(s) in [camera] (kind 'picamera2'): device")


def test_unknown_gpio_pin_name_is_refused(tmp_path: Path) -> None:
    assert "unknown KioskPins keys: ['door']" in problems(tmp_path, MINIMAL + "[gpio.pins]\ndoor = 5\n")[0]


def test_door_release_beyond_the_maximum_is_refused(tmp_path: Path) -> None:
    assert "exceeds door_release_max_ms" in problems(tmp_path, MINIMAL + "[gpio.timings]\ndoor_release_ms = 60000\n")[0]


def test_ui_must_listen_on_loopback_only(tmp_path: Path) -> None:
    assert problems(tmp_path, MINIMAL + "[ui]\nhost = '0.0.0.0'\n") == [
        "[ui].host must be a loopback address (the UI has no log-in), got '0.0.0.0'"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, "[gpio]\nbackend = 'arduino'\n[scan]\nconfirm_timeout_s = -1\n")
    assert [p.split(" ")[0] for p in found] == ["server_url", "data_dir", "[gpio].backend", "[scan].confirm_timeout_s"]


def test_file_that_is_not_toml_is_a_config_error(tmp_path: Path) -> None:
    assert problems(tmp_path, "server_url = \n")[0].startswith("not valid TOML")


def test_server_url_must_be_http(tmp_path: Path) -> None:
    assert problems(tmp_path, 'server_url = "ftp://x"\ndata_dir = "d"\n') == [
        "server_url must be an http(s) URL without query, got 'ftp://x'"]
