"""The `tuoyu-agent` command (the sensor and safety-monitor agent on a Pi)."""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from devices.agent.config import AgentConfig


@click.group()
def main() -> None:
    """设备代理 / Device agent (environment sensors and safety monitors)."""


def _load(config_file: str) -> AgentConfig:
    from devices.agent.config import ConfigError, load_config

    try:
        return load_config(config_file)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.command("check")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), required=True)
def check_command(config_file: str) -> None:
    """检查配置文件 / Validate a config file and say what the agent would run."""
    config = _load(config_file)
    click.echo(f"配置有效 / config valid: device {config.device_id}, centre {config.centre}, "
               f"uplink {config.uplink.kind}, {len(config.sensors)} sensors, {len(config.safety_inputs)} safety inputs"
               + (f", fake (seed {config.seed})" if config.fake else ""))


@main.command("run")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), required=True)
def run_command(config_file: str) -> None:
    """运行设备代理 / Run the agent until SIGTERM or Ctrl-C."""
    from devices.agent.build import build_agent
    from devices.outbox import OutboxError
    from hardware.clock import SystemClock
    from hardware.gpio import GPIOUnavailable

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per batch is noise; failures still show
    config = _load(config_file)
    try:
        agent = build_agent(config, clock=SystemClock())
    except (OutboxError, GPIOUnavailable, OSError, ValueError) as exc:
        raise click.ClickException(f"无法启动 / cannot start: {exc}") from None
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    click.echo(f"设备代理运行中 / agent running: {config.device_id} ({len(config.sensors)} sensors, "
               f"{len(config.safety_inputs)} safety inputs, {config.uplink.kind} uplink"
               f"{', fake hardware' if config.fake else ''})")
    sys.stdout.flush()
    try:
        agent.run_forever(stop)
    finally:
        agent.close()
    click.echo("已停止 / stopped")


@main.command("lamps-off")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), required=True)
def lamps_off_command(config_file: str) -> None:
    """关闭全部紫外线灯继电器 / Drive every UV lamp's relay off (the systemd unit runs it after every stop)."""
    from hardware.clock import SystemClock
    from hardware.gpio import GPIOUnavailable, open_pin_factory
    from hardware.relay import Relay, RelaySpec

    config = _load(config_file)
    if not config.uv_lamps or config.gpio_backend == "fake":
        click.echo("没有需要关闭的继电器 / no relay to switch off")
        return
    # A GPIO output keeps its level after the process that drove it died (a watchdog kill, SIGKILL): this is
    # the off that does not depend on the agent starting again (docs/uv-lamp.md, deploy/pi/systemd/).
    try:
        factory = open_pin_factory("pi")
    except GPIOUnavailable as exc:
        raise click.ClickException(f"无法访问 GPIO / cannot open GPIO: {exc}") from None
    failed = []
    try:
        for lamp in config.uv_lamps:
            try:
                with Relay(RelaySpec(lamp.name, lamp.pin, lamp.active_high), factory, SystemClock()) as relay:
                    relay.set(False)
            except Exception as exc:  # noqa: BLE001 - gpiozero's own errors too: try every lamp, report all
                failed.append(f"{lamp.name}: {exc}")
    finally:
        factory.close()
    if failed:
        raise click.ClickException("继电器未能关闭 / relay not off: " + "; ".join(failed))
    click.echo(f"已关闭 / off: {', '.join(lamp.name for lamp in config.uv_lamps)}")


@main.command("enroll")
@click.option("--server", required=True, help="服务器地址 / server URL, e.g. http://192.168.1.10:5000")
@click.option("--code", required=True, help="一次性注册码 / one-time enrolment code")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), required=True,
              help="配置文件（其 data_dir 保存注册信息）/ config file (its data_dir keeps the enrolment)")
@click.option("--name", default=None, help="设备名称 / device name (default: host name)")
@click.option("--replace", is_flag=True, help="覆盖已有注册 / replace an existing enrolment")
def enroll_command(server: str, code: str, config_file: str, name: str | None, replace: bool) -> None:
    """用一次性注册码注册本代理 / Enrol this agent with a one-time code."""
    from devices.agent.core import agent_version
    from devices.agent.enrol import EnrolmentError, enroll

    path = Path(config_file)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise click.ClickException(f"配置文件无法读取 / cannot read the config: {exc}") from None
    data_dir = path.parent / str(raw.get("data_dir", "instance/agent"))
    try:
        enrolment = enroll(server, code, data_dir=data_dir, name=name or socket.gethostname()[:80],
                           version=agent_version(), replace=replace)
    except EnrolmentError as exc:
        raise click.ClickException(f"注册失败 / enrolment failed: {exc}") from None
    click.echo(f"已注册 / enrolled: device {enrolment.device_id}, centre {enrolment.centre_code}, data in {data_dir}")
