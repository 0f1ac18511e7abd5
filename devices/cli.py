"""The `tuoyu-agent` command (the sensor and safety-monitor agent on a Pi)."""

from __future__ import annotations

import click


@click.group()
def main() -> None:
    """设备代理 / Device agent (environment sensors and safety monitors)."""


@main.command("run")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), required=True)
def run_command(config_file: str) -> None:
    """运行设备代理（尚未提供）/ Run the agent (not yet available)."""
    raise click.ClickException("尚未提供：随环境监测议题交付 / not yet: arrives with the environment issue")
