"""The `tuoyu` command: Flask's click group plus the suite's admin commands."""

from __future__ import annotations

import sys
from datetime import timedelta

import click
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from server import create_app
from server.alerts.operations import raise_alert
from server.auth.actor import Actor
from server.auth.models import User
from server.auth.roles import Role
from server.backup.commands import backup_command, make_restore_command
from server.clock import utcnow
from server.database import db
from server.upgrade import (
    SCHEMA_CHECK,
    SchemaMismatch,
    Standing,
    backup_refusal,
    refusal_text,
    refuse_unless_current,
    schema_state,
)


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def main() -> None:
    """托育运营套件管理命令 / Childcare operations suite admin commands."""


@main.command("seed-demo")
@click.option("--centre", "code", default="demo", show_default=True, help="机构代码 / centre code")
@with_appcontext
def seed_demo_command(code: str) -> None:
    """播种演示机构（幂等）/ Seed the demo centre (idempotent)."""
    from server.demo.seed import demo_logins, seed_demo

    created = seed_demo(code=code, now=utcnow())
    db.session.commit()
    click.echo(("已创建演示机构 / Demo centre created: " if created else "演示机构已存在 / Demo centre exists: ") + code)
    for username, password, role in demo_logins(code):
        click.echo(f"  {role:<10} {username:<12} {password}")


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="只准备数据，不启动服务 / prepare only, do not serve")
@click.option("--no-kiosk", is_flag=True, help="不启动模拟签到终端 / do not start the simulated kiosk")
@click.option("--no-agents", is_flag=True, help="不启动模拟环境监测代理 / do not start the simulated sensor agents")
@click.option("--mqtt", "use_mqtt", is_flag=True,
              help="代理经 MQTT 上报（MQTT_HOST:MQTT_PORT）/ agents report over MQTT (MQTT_HOST:MQTT_PORT)")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool, no_kiosk: bool, no_agents: bool, use_mqtt: bool) -> None:
    """演示：迁移数据库、播种演示机构、启动服务与模拟签到终端 / Demo: migrate, seed, serve, run a simulated kiosk."""
    import signal
    from pathlib import Path

    from flask import current_app
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from server.centre import keys
    from server.demo import kiosk as demo_kiosk
    from server.demo.seed import DEMO_LOGINS, DEMO_PIN, seed_demo

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    upgrade()
    seed_demo(code="demo", now=utcnow())
    db.session.commit()
    from server.centre.operations import get_centre

    centre = get_centre("demo", actor=Actor.system(), now=utcnow())
    keys.ensure_keys(centre, utcnow())
    # End this transaction: on SQLite every transaction holds the write lock the server needs.
    db.session.commit()
    url = f"http://{host}:{port}"
    click.echo(f"\n托育运营套件演示 / Childcare suite demo: {url}/")
    click.echo(f"数据库 / database: {app.config['SQLALCHEMY_DATABASE_URI']}")
    click.echo("演示账号 / demo log-ins (username / password / role):")
    for username, password, role in DEMO_LOGINS:
        click.echo(f"  {username:<12} {password:<12} {role}")
    click.echo(f"演示家长的终端 PIN / the demo parent's kiosk PIN: {DEMO_PIN}")
    if no_serve:
        return
    # SIGTERM ends the demo like Ctrl-C, so the kiosk child process is stopped too, never orphaned.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = make_server(host, port, app, threaded=True)
    kiosk_process = None
    children: list = []  # the agents and the MQTT subscriber, stopped with the demo
    if not no_agents:
        import subprocess
        import sys
        import threading

        from server.demo import agents as demo_agents

        threading.Thread(target=server.serve_forever, daemon=True).start()
        mqtt = (app.config["MQTT_HOST"], int(app.config["MQTT_PORT"])) if use_mqtt else None
        if mqtt:
            children.append(subprocess.Popen([str(Path(sys.executable).parent / "tuoyu"), "mqtt-ingest"]))
        children += demo_agents.start_all(centre, Path(app.instance_path) / "agents-demo", url, mqtt=mqtt)
        click.echo(f"模拟环境监测代理 / simulated sensor agents: {len(children) - (1 if mqtt else 0)} "
                   f"({'MQTT' if mqtt else 'HTTP'}) · {url}/centres/demo/environment")
    if not no_kiosk:
        import threading

        if no_agents:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        kiosk_url = f"http://127.0.0.1:{demo_kiosk.KIOSK_UI_PORT}"
        app.config["DEMO_KIOSK_URL"] = kiosk_url
        kiosk_process = demo_kiosk.start(centre, Path(app.instance_path) / "kiosk-demo", url)
        click.echo(f"模拟签到终端 / simulated kiosk: {kiosk_url}/  ·  出示家长卡片 / show a card: {url}/demo/kiosk")
    try:
        if kiosk_process is None and not children:
            server.serve_forever()
        elif kiosk_process is not None:
            kiosk_process.wait()
        else:
            signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        for process in [kiosk_process, *children]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [kiosk_process, *children]:
            if process is not None:
                process.wait(timeout=10)
        server.shutdown()


@main.group("user")
def user_group() -> None:
    """账号管理 / Accounts."""


@user_group.command("create")
@click.argument("username")
@click.option("--name", "display_name", default="", help="显示名称 / display name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--centre", "code", default=None, help="机构代码 / centre code")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=None)
@click.option("--expires-in-days", type=int, default=None, help="授权有效天数 / grant lifetime")
@with_appcontext
def user_create(username: str, display_name: str, password: str, code: str | None, role: str | None,
                expires_in_days: int | None) -> None:
    """创建账号并可授予角色 / Create an account, optionally with a role at a centre."""
    from server.auth.operations import create_user, grant_role
    from server.centre.operations import get_centre

    actor, now = Actor.system(), utcnow()
    user = create_user(username, display_name or username, password, actor=actor, now=now)
    if code and role:
        centre = get_centre(code, actor=actor, now=now)
        expires = now + timedelta(days=expires_in_days) if expires_in_days else None
        grant_role(user, centre.id, Role(role), expires_at=expires, actor=actor, now=now)
    db.session.commit()
    click.echo(f"已创建 / created: {username}")


@main.group("token")
def token_group() -> None:
    """API 令牌 / API tokens."""


@token_group.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
@click.option("--days", type=int, default=90, show_default=True)
@with_appcontext
def token_create(username: str, name: str, days: int) -> None:
    """为账号签发个人令牌（仅显示一次）/ Issue a personal API token (shown once)."""
    from server.auth.operations import create_token

    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"没有该账号 / no such user: {username}")
    now = utcnow()
    plain, _ = create_token(user, name, expires_at=now + timedelta(days=days), actor=Actor.system(), now=now)
    db.session.commit()
    click.echo(plain)


@main.group("audit")
def audit_group() -> None:
    """审计链 / Audit chain."""


@audit_group.command("verify")
@click.option("--centre", "code", default=None, help="机构代码 / centre code (default: every chain)")
@with_appcontext
def audit_verify(code: str | None) -> None:
    """重新计算哈希链并报告第一个断点 / Recompute the hash chain; report the first broken link."""
    from server.audit.models import chain_for
    from server.audit.operations import all_chains, verify_chain
    from server.centre.operations import get_centre

    chains = [chain_for(get_centre(code, actor=Actor.system(), now=utcnow()).id)] if code else all_chains()
    failed = False
    for chain in chains:
        report = verify_chain(chain)
        if report.ok:
            click.echo(f"OK    {chain}: {report.entries} 条 / entries")
        else:
            failed = True
            click.echo(f"BROKEN {chain}: 第 {report.broken_at_seq} 条起 / from entry {report.broken_at_seq}: {report.reason}")
    sys.exit(1 if failed else 0)


@main.group("scheduler")
def scheduler_group() -> None:
    """定时任务 / Scheduled jobs."""


@scheduler_group.command("run")
@with_appcontext
def scheduler_run() -> None:
    """运行唯一的调度进程 / Run the one scheduler process (jobs are claimed in the database)."""
    from flask import current_app

    from server.scheduling.runner import build_scheduler

    _refuse_a_mismatched_schema()

    scheduler = build_scheduler(current_app._get_current_object(), current_app.extensions["tuoyu.jobs"])
    click.echo("调度器已启动 / scheduler started: " + ", ".join(j.id for j in current_app.extensions["tuoyu.jobs"]))
    scheduler.start()


@scheduler_group.command("run-now")
@click.argument("job_id")
@with_appcontext
def scheduler_run_now(job_id: str) -> None:
    """立即运行一个任务（不占用定时槽位）/ Run one job now (outside its scheduled slot)."""
    from flask import current_app

    from server.scheduling.operations import run_once

    jobs = {j.id: j for j in current_app.extensions["tuoyu.jobs"]}
    if job_id not in jobs:
        raise click.ClickException(f"未知任务 / unknown job: {job_id}; known: {', '.join(jobs) or '-'}")
    now = utcnow()
    run_once(jobs[job_id], now=now, slot=f"manual-{now.isoformat()}")
    click.echo(f"完成 / done: {job_id}")


def _refuse_a_mismatched_schema() -> None:
    """The services run by the CLI (scheduler, MQTT ingest) refuse a schema behind or ahead of the code, as gunicorn."""
    from flask import current_app

    if current_app.config.get(SCHEMA_CHECK, True):
        try:
            refuse_unless_current(current_app)
        except SchemaMismatch as exc:
            raise click.ClickException(str(exc)) from None


@main.command("mqtt-ingest")
@click.option("--metrics-port", type=int, default=0, envvar="TUOYU_INGEST_METRICS_PORT", show_default=True,
              help="在 127.0.0.1 的此端口提供本进程指标（0 不提供）/ serve this process's metrics on 127.0.0.1 (0: off)")
@with_appcontext
def mqtt_ingest_command(metrics_port: int) -> None:
    """运行 MQTT 接收进程直到 SIGTERM / Run the MQTT ingest subscriber until SIGTERM (docs/mqtt.md)."""
    import logging

    from flask import current_app

    from server.fleet.mqtt_ingest import run_until_signalled
    from server.monitoring.metrics import serve_process_metrics

    _refuse_a_mismatched_schema()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if metrics_port:
        serve_process_metrics(metrics_port)
    run_until_signalled(current_app._get_current_object())  # type: ignore[attr-defined]


@main.group("mqtt")
def mqtt_group() -> None:
    """MQTT 代理账号与权限 / Broker password and ACL files (docs/mqtt.md)."""


@mqtt_group.command("passwd-file")
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def mqtt_passwd_file(output: str) -> None:
    """写出代理密码文件（未停用设备 + 接收账号）/ Write Mosquitto's password_file: live devices + the ingest account."""
    from flask import current_app

    from server.fleet import mqtt_auth

    password = str(current_app.config["MQTT_PASSWORD"])
    if not password:
        raise click.ClickException("请设置 TUOYU_MQTT_PASSWORD / set TUOYU_MQTT_PASSWORD (the ingest account's password)")
    devices, skipped = mqtt_auth.broker_accounts()
    server = mqtt_auth.ServerAccount(str(current_app.config["MQTT_USERNAME"]), mqtt_auth.hash_password(password))
    mqtt_auth.write_broker_file(output, mqtt_auth.password_file_text(devices, server))
    click.echo(f"已写入 / written: {output}: {len(devices)} 台设备 / devices + {server.username}")
    if skipped:
        click.echo(f"未含（MQTT 之前注册，需重新注册）/ left out (enrolled before MQTT, re-enrol): {', '.join(skipped)}")


@mqtt_group.command("acl-file")
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def mqtt_acl_file(output: str) -> None:
    """写出代理访问控制文件 / Write Mosquitto's acl_file: each device only its own topics."""
    from flask import current_app

    from server.fleet.mqtt_auth import acl_file_text, broker_accounts, write_broker_file

    devices, _ = broker_accounts()
    write_broker_file(output, acl_file_text(devices, str(current_app.config["MQTT_USERNAME"])))
    click.echo(f"已写入 / written: {output}: {len(devices)} 台设备 / devices")


@main.command("init")
@with_appcontext
def init_command() -> None:
    """初始化实例：密钥目录与各机构签名密钥 / Initialise the instance: signing keys for every centre."""
    from flask import current_app

    from server.centre import keys
    from server.centre.models import Centre

    now = utcnow()
    click.echo(f"实例目录 / instance: {current_app.instance_path}")
    for centre in db.session.execute(select(Centre).order_by(Centre.code)).scalars():
        keyset = keys.ensure_keys(centre, now)
        click.echo(f"  {centre.code}: 签名密钥 / signing key {keyset.current} ({keys.key_dir(centre)})")


@main.group("keys")
def keys_group() -> None:
    """合规包签名密钥 / Pack-signing keys."""


@keys_group.command("rotate")
@click.option("--centre", "code", required=True, help="机构代码 / centre code")
@with_appcontext
def keys_rotate(code: str) -> None:
    """轮换签名密钥；旧公钥保留用于核验旧资料包 / Rotate the signing key (old public keys stay trusted for old packs)."""
    from server.centre import keys
    from server.centre.operations import get_centre

    now = utcnow()
    keyset = keys.rotate(get_centre(code, actor=Actor.system(), now=now), now)
    click.echo(f"新密钥 / new key: {keyset.current}")


@main.group("rules")
def rules_group() -> None:
    """规则库 / Rulebook."""


@rules_group.command("show")
@click.option("--region", default=None, help="地区规则叠加 / regional overlay, e.g. chongqing")
@click.option("--on", "on_date", type=click.DateTime(["%Y-%m-%d"]), default=None, help="生效日期 / effective on")
def rules_show(region: str | None, on_date: object) -> None:
    """打印生效规则（含出处）/ Print the effective rulebook with citations."""
    from datetime import date

    from compliance import RulebookError, effective_rulebook, format_rulebook

    day = on_date.date() if on_date else date.today()  # type: ignore[attr-defined]
    try:
        click.echo(format_rulebook(effective_rulebook(region, None, day)))
    except RulebookError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group("findings")
def findings_group() -> None:
    """合规发现 / Findings."""


@findings_group.command("evaluate")
@click.option("--centre", "code", required=True, help="机构代码 / centre code")
@with_appcontext
def findings_evaluate(code: str) -> None:
    """立即重新评估 / Re-evaluate a centre now."""
    from server.centre.operations import get_centre
    from server.inspections.operations import evaluate_centre
    from server.inspections.sources import app_sources

    now = utcnow()
    run = evaluate_centre(get_centre(code, actor=Actor.system(), now=now), sources=app_sources(), trigger="manual",
                         actor=Actor.system(), now=now)
    db.session.commit()
    click.echo(f"发现 / findings: {run.findings} (规则库 / rulebook {run.rulebook_version})")


@main.group("pack")
def pack_group() -> None:
    """合规资料包 / Compliance packs."""


@pack_group.command("build")
@click.option("--centre", "code", required=True, help="机构代码 / centre code")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def pack_build(code: str, start: object, end: object, output: str) -> None:
    """生成签名合规资料包 / Build a signed compliance pack."""
    from tqdm import tqdm

    from server.centre.operations import get_centre
    from server.errors import ApiError
    from server.inspections.operations import check_period, write_pack
    from server.inspections.sources import app_sources

    now = utcnow()
    try:
        period = check_period(start.date(), end.date())  # type: ignore[attr-defined]
    except ApiError as exc:
        raise click.ClickException(exc.message) from exc
    centre = get_centre(code, actor=Actor.system(), now=now)
    with tqdm(desc="资料包 / pack", unit="row", dynamic_ncols=True) as bar, open(output, "wb") as fh:
        def progress(done: int, total: int | None, label: str) -> None:
            bar.total = total
            bar.set_postfix_str(label[-30:])
            bar.update(done - bar.n)

        result = write_pack(centre, period, fh, sources=app_sources(), actor=Actor.system(), now=now,
                            progress=progress)
    db.session.commit()
    click.echo(f"已生成 / written: {output} (manifest sha256 {result.manifest_sha256[:16]}…)")


@pack_group.command("verify", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def pack_verify(args: tuple[str, ...]) -> None:
    """离线核验资料包：FILE.zip [--key PUBKEY] / Verify a pack offline."""
    from compliance.pack.verify import main as verify_main

    sys.exit(verify_main(list(args)))


@main.command("upgrade")
@click.option("--max-backup-age-hours", type=click.FloatRange(min=0), default=24.0, show_default=True,
              help="最近一次已验证备份的最长时效（小时）/ the last verified backup may be at most this old (hours)")
@click.option("--skip-backup-check", is_flag=True,
              help="不检查备份（自行承担风险）/ do not check the backup (at your own risk)")
@with_appcontext
def upgrade_command(max_backup_age_hours: float, skip_backup_check: bool) -> None:
    """升级数据库结构：先确认有新近的已验证备份 / Upgrade the database schema, once a fresh verified backup exists."""
    from flask import current_app
    from flask_migrate import upgrade

    from server.backup.status import last_backup

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    before = schema_state(app)
    if before.standing is Standing.AHEAD:
        raise click.ClickException(refusal_text(before))
    if before.standing is Standing.CURRENT:
        click.echo(f"数据库已是最新 / already at head: {before.code_text}")
        return
    if skip_backup_check:
        click.echo("已跳过备份检查 / backup check skipped (--skip-backup-check)")
    elif before.has_tables:
        refusal = backup_refusal(last_backup(app.instance_path), now=utcnow(),
                                 max_age=timedelta(hours=max_backup_age_hours))
        if refusal:
            raise click.ClickException(refusal)
    else:
        click.echo("新数据库，无需备份 / a new, empty database: nothing to back up")
    upgrade()
    after = schema_state(app)
    if after.standing is not Standing.CURRENT:
        raise click.ClickException(refusal_text(after))
    click.echo(f"已升级 / upgraded: from {before.database_text} to {after.database_text}")


# Backups (docs/backup.md): the restore command is given the alert function here (alerts and backup are siblings).
main.add_command(backup_command)
main.add_command(make_restore_command(raise_alert))
