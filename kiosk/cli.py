"""The `tuoyu-kiosk` command (runs on the Pi at the door)."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

import click

DEFAULT_DATA_DIR = Path("instance/kiosk")


def kiosk_version() -> str:
    """The version of the kiosk software (sent at enrolment)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tuoyu")
    except PackageNotFoundError:
        return "0.0.0"


@click.group()
def main() -> None:
    """签到终端 / Check-in kiosk."""


@main.command("decode")
@click.argument("images", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def decode_command(images: tuple[str, ...]) -> None:
    """识别图片中的二维码：每张一行「文件名<TAB>内容」/ Decode QR codes: one line per image, name<TAB>text."""
    from hardware.qr import decode_files

    for name, texts in decode_files(images):
        click.echo(f"{name}\t{texts[0] if texts else ''}")


def _load(config_file: str):  # type: ignore[no-untyped-def]
    from kiosk.config import ConfigError, load_config

    try:
        return load_config(config_file)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.command("run")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), required=True,
              help="TOML 配置文件 / TOML configuration file (docs/kiosk.md)")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
def run_command(config_file: str, log_level: str) -> None:
    """运行签到终端：扫码循环、事件上传、名单同步、触摸界面 / Run the kiosk: scan loop, uplink, roster sync, touch UI."""
    from devices.outbox import OutboxError
    from hardware.camera import CameraError
    from hardware.gpio import GPIOUnavailable
    from kiosk.runtime import KioskRuntime
    from kiosk.sync import NotEnrolled

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = _load(config_file)
    hardware_errors = (CameraError, GPIOUnavailable, OutboxError, OSError)
    try:
        runtime = KioskRuntime.from_config(config)
    except (NotEnrolled, *hardware_errors) as exc:
        raise click.ClickException(str(exc)) from None
    # Ctrl-C and systemd's SIGTERM end the loops cleanly (the door relay drops, the outbox closes). The
    # handler only sets a flag; a second Ctrl-C interrupts at once if something hangs.
    def stop(signum: int, frame: object) -> None:
        runtime.request_stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        try:
            runtime.start(ui=True)
        except hardware_errors as exc:  # camera unplugged, UI port taken
            raise click.ClickException(f"无法启动 / cannot start: {exc}") from None
        click.echo(f"签到终端运行中 / kiosk running: {runtime.enrolment.device_id}, touch UI {runtime.ui_url}/ "
                   "(Ctrl-C 停止 / to stop)")
        sys.stdout.flush()
        runtime.run_loop()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.stop()
    click.echo("已停止 / stopped")


@main.command("enroll")
@click.option("--server", required=True, help="服务器地址 / server URL, e.g. http://192.168.1.10:5000")
@click.option("--code", required=True, help="一次性注册码 / one-time enrolment code")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="配置文件（数据目录与名称）/ config file (data directory and label)")
@click.option("--replace", is_flag=True, help="覆盖已有注册 / replace an existing enrolment")
def enroll_command(server: str, code: str, config_file: str | None, replace: bool) -> None:
    """用一次性注册码注册本终端 / Enrol this kiosk with a one-time code."""
    import httpx

    from hardware.clock import SystemClock
    from kiosk.config import PHOTO_DIR, ROSTER_DIR, KioskConfig
    from kiosk.roster import RosterCache
    from kiosk.sync import EnrolmentError, PhotoCache, RosterSync, SyncOutcome, enroll

    if config_file:
        config = _load(config_file)
        data_dir, label = config.data_dir, config.label
    else:
        data_dir, label = DEFAULT_DATA_DIR.resolve(), KioskConfig.label
    try:
        enrolment = enroll(server, code, data_dir=data_dir, label=label, version=kiosk_version(), replace=replace)
    except EnrolmentError as exc:
        raise click.ClickException(f"注册失败 / enrolment failed: {exc}") from None
    click.echo(f"已注册 / enrolled: device {enrolment.device_id}, centre {enrolment.centre_code} "
               f"(#{enrolment.centre_id}), data in {data_dir}")
    # A first roster now, so the kiosk can verify people as soon as it runs (best effort).
    with httpx.Client(timeout=15.0) as client:
        cache = RosterCache(data_dir / ROSTER_DIR, enrolment.public_keys(), enrolment.centre_id)
        sync = RosterSync(server, enrolment.token, cache, PhotoCache(data_dir / PHOTO_DIR), SystemClock(), client)
        outcome = sync.sync_now()
    if outcome is SyncOutcome.INSTALLED and cache.current is not None:
        click.echo(f"名单已同步 / roster synced: version {cache.current.version}, "
                   f"{len(cache.current.persons)} persons, {len(cache.current.children)} children")
    else:
        status = sync.status()
        click.echo(f"名单未同步 / roster not synced yet ({outcome.value}) {status.message_zh} {status.message_en}")
