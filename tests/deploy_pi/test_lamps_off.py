"""`tuoyu-agent lamps-off` (the agent unit's ExecStopPost): every UV relay driven off after the agent is gone."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from gpiozero.pins.mock import MockFactory

from devices.cli import main
from hardware import gpio

CONFIG = '''
device_id = "agent-1"
centre = "demo"
server_url = "http://127.0.0.1:9"
token = "t"
data_dir = "state"
{extra}

[[uv_lamps]]
name = "uv-room1"
room_id = 1
pin = 24

[[uv_lamps]]
name = "uv-room2"
room_id = 2
pin = 25
active_high = false
'''


class KeptFactory(MockFactory):
    """A MockFactory whose pins outlive the command's close(), so the test can read where it left them."""

    def close(self) -> None:
        """The command closes its factory; this one keeps its pins for the assertions."""


def test_drives_every_lamp_relay_off_whatever_the_dead_agent_left(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    factory = KeptFactory()
    for number, level in ((24, True), (25, False)):  # relay 1 energised (active high), relay 2 (active low)
        pin = factory.pin(number)
        pin.function = "output"
        pin.state = level
    monkeypatch.setitem(gpio.PIN_FACTORIES, "pi", lambda: factory)
    config = tmp_path / "agent.toml"
    config.write_text(CONFIG.format(extra=""), encoding="utf-8")

    result = CliRunner().invoke(main, ["lamps-off", "--config", str(config)])

    assert result.exit_code == 0, result.output
    assert "已关闭 / off: uv-room1, uv-room2" in result.output
    assert (factory.pin(24).state, factory.pin(25).state) == (False, True)


def test_without_gpio_it_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable() -> None:
        raise gpio.GPIOUnavailable("no /dev/gpiochip0")

    monkeypatch.setitem(gpio.PIN_FACTORIES, "pi", unavailable)
    config = tmp_path / "agent.toml"
    config.write_text(CONFIG.format(extra=""), encoding="utf-8")

    result = CliRunner().invoke(main, ["lamps-off", "--config", str(config)])

    assert result.exit_code == 1
    assert "无法访问 GPIO / cannot open GPIO: no /dev/gpiochip0" in result.output


def test_fake_hardware_has_nothing_to_switch(tmp_path: Path) -> None:
    config = tmp_path / "agent.toml"
    config.write_text(CONFIG.format(extra="fake = true"), encoding="utf-8")

    result = CliRunner().invoke(main, ["lamps-off", "--config", str(config)])

    assert result.exit_code == 0 and "no relay to switch off" in result.output
