"""A server refuses to start on a schema behind or ahead of its code; the commands that repair the schema still run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade as migrate_upgrade
from sqlalchemy import create_engine, text

from server import create_app
from server.database import db
from server.upgrade import SchemaMismatch, Standing, schema_state
from tests.conftest import FAST_TEST_CONFIG
from tests.mqtt_broker import free_port
from tests.server.upgrade.conftest import UNKNOWN_REVISION

BIN = Path(sys.executable).parent


def _serving_app(app, **config: object):  # type: ignore[no-untyped-def]
    """A second app on the same database, built as gunicorn builds it: no click command around it."""
    return create_app({**FAST_TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"],
                       "INSTANCE_PATH": app.instance_path, "SCHEMA_CHECK": True, **config})


def test_a_database_at_head_is_current(app, head):
    assert (schema_state(app).standing, schema_state(app).database) == (Standing.CURRENT, (head,))


def test_a_server_on_a_schema_at_head_starts(app, head):
    assert _serving_app(app).name == "server"


def test_a_server_on_a_schema_behind_refuses_naming_both_revisions_and_the_command(app, head, one_behind):
    with pytest.raises(SchemaMismatch) as refused:
        _serving_app(app)
    message = str(refused.value)
    assert (refused.value.state.standing, one_behind in message, head in message, "tuoyu upgrade" in message,
            "BEHIND" in message) == (Standing.BEHIND, True, True, True, True)


def test_a_server_on_a_schema_ahead_of_its_code_refuses(app, head, record_as):
    record_as(UNKNOWN_REVISION)
    with pytest.raises(SchemaMismatch) as refused:
        _serving_app(app)
    assert (refused.value.state.standing, UNKNOWN_REVISION in str(refused.value), "AHEAD" in str(refused.value)) \
        == (Standing.AHEAD, True, True)


def test_a_server_on_a_database_never_migrated_refuses(app, head, record_as):
    record_as(None)
    with pytest.raises(SchemaMismatch) as refused:
        _serving_app(app)
    assert refused.value.state.standing is Standing.EMPTY


def test_the_check_can_be_turned_off(app, head, labelled_behind):
    assert _serving_app(app, SCHEMA_CHECK=False).name == "server"


def test_an_app_built_by_a_cli_command_is_exempt(app, head, labelled_behind):
    """`tuoyu db upgrade`, `flask db ...` and `tuoyu upgrade` build the app inside a click command: they must run."""
    import click

    with click.Context(click.Command("db")):
        built = _serving_app(app, SCHEMA_CHECK=None)
    assert built.name == "server"


def test_tuoyu_db_commands_run_on_a_schema_behind_and_repair_it(app, head, one_behind):
    from server.cli import main

    runner = app.test_cli_runner()
    current = runner.invoke(main, ["db", "current"])
    upgraded = runner.invoke(main, ["db", "upgrade"])
    assert (current.exit_code, upgraded.exit_code, schema_state(app).database) == (0, 0, (head,)), \
        current.output + upgraded.output


def test_the_scheduler_refuses_a_schema_behind(app, head, labelled_behind):
    from server.cli import main

    result = app.test_cli_runner().invoke(main, ["scheduler", "run"])
    assert (result.exit_code, "tuoyu upgrade" in result.output, labelled_behind in result.output) == (1, True, True)


def test_the_mqtt_ingest_refuses_a_schema_ahead(app, head, record_as):
    from server.cli import main

    record_as(UNKNOWN_REVISION)
    result = app.test_cli_runner().invoke(main, ["mqtt-ingest"])
    assert (result.exit_code, UNKNOWN_REVISION in result.output) == (1, True)


@contextmanager
def _labelled(sqlite_url: str, revision: str | None) -> Iterator[str]:
    """The shared SQLite database's label at `revision` (None: the head) for the block; yields the head."""
    engine = create_engine(sqlite_url)
    try:
        with engine.begin() as conn:
            head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            if revision:
                conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
        yield head
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        engine.dispose()


def _gunicorn(sqlite_url: str, tmp_path: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`gunicorn 'server:create_app()'` as docs/serving.md starts it, on a free port, its own control socket."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TUOYU_SCHEMA_CHECK"}
    env.update(TUOYU_DATABASE_URL=sqlite_url, TUOYU_INSTANCE_PATH=str(tmp_path / "instance"))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:server.gunicorn_conf", "-w", "1", "-b", f"127.0.0.1:{port}",
             "--control-socket", str(tmp_path / "gunicorn.ctl"), "server:create_app()"],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, port


def test_gunicorn_on_a_schema_behind_stops_with_the_message_and_serves_nothing(sqlite_url, tmp_path):
    """A real gunicorn: the worker's app refuses, the master stops (exit 3, worker failed to boot), serving nothing."""
    log = tmp_path / "gunicorn.log"
    with _labelled(sqlite_url, "18a100000004") as head:
        process, _ = _gunicorn(sqlite_url, tmp_path, log)
        try:
            # Bounded, generously: the worker imports the app first (seconds when idle, minutes on a loaded machine).
            process.wait(timeout=240)
        finally:
            if process.poll() is None:
                process.terminate()  # gunicorn's graceful stop, its worker with it
                process.wait(timeout=60)
    output = log.read_text()
    assert (process.returncode, "BEHIND" in output, "18a100000004" in output, head in output,
            "tuoyu upgrade" in output) == (3, True, True, True, True), output


def test_upgrading_the_shared_database_again_is_a_no_op(app, head):
    db.session.commit()
    migrate_upgrade()
    assert schema_state(app).database == (head,)
