"""The `tuoyu-kiosk` command (runs on the Pi at the door)."""

from __future__ import annotations

import click


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


@main.command("run")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), required=True)
def run_command(config_file: str) -> None:
    """运行签到终端（尚未提供）/ Run the kiosk (not yet available)."""
    raise click.ClickException("尚未提供：签到流程随签到终端议题交付 / not yet: arrives with the kiosk issue")


@main.command("enroll")
@click.option("--server", required=True)
@click.option("--code", required=True)
def enroll_command(server: str, code: str) -> None:
    """用一次性注册码注册本终端（尚未提供）/ Enrol this kiosk with a one-time code (not yet available)."""
    raise click.ClickException("尚未提供：设备注册随签到终端议题交付 / not yet: arrives with the kiosk issue")
