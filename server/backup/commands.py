"""`tuoyu backup` and `tuoyu restore` (docs/backup.md). Registered by server/cli.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from server.backup import engines
from server.backup.crypto import BackupKeyError, read_key
from server.backup.operations import (
    DEFAULT_KEEP,
    AlertRaiser,
    BackupFailed,
    RestoreReport,
    restore_backup,
    take_backup,
)
from server.backup.status import backups_folder
from server.clock import utcnow

LABELS = {"database": "数据库 / database", "archive": "归档 / archive", "instance": "实例文件 / instance files"}


@contextmanager
def _bars() -> Iterator:
    """progress(stage) -> callback(done, total): one tqdm bar per stage, closed at the end."""
    bars: dict[str, tqdm] = {}

    def progress(stage: str):  # type: ignore[no-untyped-def]
        bar = bars.setdefault(stage, tqdm(desc=LABELS.get(stage, stage), dynamic_ncols=True, leave=True,
                                          unit="B" if stage == "archive" else "it", unit_scale=stage == "archive"))

        def update(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        return update

    try:
        yield progress
    finally:
        for bar in bars.values():
            bar.close()


def _key(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return read_key(path)
    except BackupKeyError as exc:
        raise click.ClickException(str(exc)) from exc


def _database_url() -> str:
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"])


@click.command("backup")
@click.option("--to", "folder", type=click.Path(file_okay=False), default=None,
              help="备份目录 / folder of the backups (default: <instance>/backups)")
@click.option("--keep", type=click.IntRange(min=1), default=DEFAULT_KEEP, show_default=True,
              help="保留最新的份数 / how many of the newest backups to keep")
@click.option("--encrypt-key-file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="AES-256 密钥文件（32 字节）/ key file of 32 random bytes")
@click.option("--no-verify", is_flag=True, help="不在临时数据库上核验 / skip the restore-and-verify check")
@with_appcontext
def backup_command(folder: str | None, keep: int, encrypt_key_file: str | None, no_verify: bool) -> None:
    """在线备份数据库与实例目录并核验 / Back up the database and instance folder online, then verify it."""
    instance = Path(current_app.instance_path)
    target = Path(folder) if folder else backups_folder(instance)
    key = _key(encrypt_key_file)
    try:
        with _bars() as progress:
            result = take_backup(url=_database_url(), instance=instance, folder=target, now=utcnow(), key=key,
                                 keep=keep, verify=not no_verify, progress=progress)
    except BackupFailed as exc:
        raise click.ClickException(str(exc)) from exc
    if result.verification is not None and not result.verification.ok:
        click.echo(f"核验失败 / verification FAILED: {result.path}", err=True)
        for problem in result.verification.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1)
    click.echo(f"已备份 / backed up: {result.path} ({result.size_bytes} bytes)")
    for chain, head in sorted(result.state.heads.items()):
        click.echo(f"  {chain}: #{head['seq']} {head['head_hash'][:16]}…")
    if result.verification is not None:
        entries = sum(result.verification.chains.values())
        click.echo(f"已核验 / verified: {len(result.verification.chains)} 条链 / chains, {entries} 条 / entries")
    else:
        click.echo("未核验 / NOT verified (--no-verify)")
    for path in result.removed:
        click.echo(f"已轮换删除 / rotated out: {path.name}")


def print_report(report: RestoreReport) -> None:
    echo = click.echo
    echo(f"已恢复 / restored: {report.archive}")
    echo(f"备份时间 / backup created at: {report.backup_created_at}")
    if report.safety_copy:
        echo(f"被替换数据库的副本 / copy of the replaced database: {report.safety_copy}")
    echo("审计链 / audit chains (恢复前 → 恢复后 / before → after):")
    for c in report.chains:
        before = f"#{c.before_seq} {c.before_hash[:16]}…" if c.before_seq is not None and c.before_hash else "-"
        after = f"#{c.after_seq} {c.after_hash[:16]}…" if c.after_seq is not None and c.after_hash else "-"
        if c.rolled_back is None:
            rolled = "无法比较 / cannot compare" if c.before_seq is None else "历史不一致 / histories diverged"
        else:
            rolled = f"回滚 {c.rolled_back} 条 / {c.rolled_back} entries rolled back"
        echo(f"  {c.chain}: {before} → {after}  {rolled}")
    echo("设备 / devices (备份中的事件 / events the backup holds):")
    for d in report.devices:
        echo(f"  {d.device_id} {d.name}: {d.backup_events} 条 / events, 最后送达 / last received "
             f"{d.backup_last_received_at or '-'} (设备时间 / device time {d.backup_last_created_at or '-'})")
        if d.rolled_back is None:
            echo("    被替换的数据库无法读取：其后送达的事件无法统计 / the replaced database could not be read: "
                 "events delivered after that cannot be counted")
        elif d.rolled_back:
            first = min(e.created_at or "" for e in d.rolled_back)
            last = max(e.created_at or "" for e in d.rolled_back)
            echo(f"    已确认但回滚 / acknowledged, rolled back: {len(d.rolled_back)} 条 / events ({first} … {last}); "
                 "设备已删除，不会重发 / the device deleted them and will not resend them")
    echo(f"实例文件 / instance files restored: {report.instance_files}")


def make_restore_command(raise_alert: AlertRaiser | None) -> click.Command:
    """The restore command, given the alert function (alerts is a sibling floor of backup: wired by the CLI)."""

    @click.command("restore")
    @click.argument("backup", type=click.Path(dir_okay=False, exists=True))
    @click.option("--yes", is_flag=True, help="替换现有数据库 / replace the existing database")
    @click.option("--decrypt-key-file", type=click.Path(dir_okay=False, exists=True), default=None,
                  help="备份的密钥文件 / the backup's key file")
    @with_appcontext
    def restore_command(backup: str, yes: bool, decrypt_key_file: str | None) -> None:
        """从备份恢复数据库与实例目录（先停止服务）/ Restore the database and instance folder (stop the server first)."""
        url = _database_url()
        if engines.has_schema(url) and not yes:
            raise click.ClickException("数据库已存在，确认替换请加 --yes / a database exists: add --yes to replace it")
        key = _key(decrypt_key_file)
        try:
            with _bars() as progress:
                report = restore_backup(archive=Path(backup), url=url, instance=Path(current_app.instance_path),
                                        now=utcnow(), key=key, raise_alert=raise_alert, progress=progress)
        except BackupFailed as exc:
            raise click.ClickException(str(exc)) from exc
        print_report(report)

    return restore_command
