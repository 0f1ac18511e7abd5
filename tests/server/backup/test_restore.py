"""`tuoyu restore`: checked before anything is replaced, encrypted archives, and honest when nothing can be counted."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.alerts.models import Alert
from server.backup.status import last_backup
from server.cli import main
from server.database import db
from server.people.models import Child
from tests.factories import make_centre, make_child
from tests.server.attendance.kiosk_helpers import world  # noqa: F401 - the fixture

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # both databases: the drill


@pytest.fixture
def key_file(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("keys") / "backup.key"
    path.write_bytes(bytes(range(32)))
    return path


def children() -> int:
    return db.session.execute(select(func.count(Child.id))).scalar_one()


def run(app, *args: str):  # type: ignore[no-untyped-def]
    db.session.commit()
    return app.test_cli_runner().invoke(main, list(args))


@SQLITE_ONLY
def test_an_encrypted_backup_restores_with_its_key_only(app, clock, key_file):
    centre = make_centre("alpha", clock.now())
    make_child(centre, clock.now())
    run(app, "backup", "--encrypt-key-file", str(key_file), "--no-verify")
    archive = last_backup(app.instance_path).path
    make_child(centre, clock.now(), name="备份之后")
    clock.advance(timedelta(hours=1))

    without_key = run(app, "restore", archive, "--yes")
    assert (without_key.exit_code, children()) == (1, 2)
    assert "give its key file" in without_key.output
    restored = run(app, "restore", archive, "--yes", "--decrypt-key-file", str(key_file))

    assert restored.exit_code == 0, restored.output
    assert children() == 1


@SQLITE_ONLY
def test_a_tampered_archive_is_refused_and_nothing_is_replaced(app, clock):
    centre = make_centre("alpha", clock.now())
    make_child(centre, clock.now())
    run(app, "backup", "--no-verify")
    path = Path(last_backup(app.instance_path).path)
    make_child(centre, clock.now(), name="备份之后")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    result = run(app, "restore", str(path), "--yes")

    assert (result.exit_code, children()) == (1, 2)


@SQLITE_ONLY
def test_when_the_replaced_database_is_lost_each_device_is_alerted_that_its_losses_cannot_be_counted(
        app, world, clock):  # noqa: F811
    run(app, "backup", "--no-verify")
    archive = last_backup(app.instance_path).path
    live = Path(db.engine.url.database)
    db.session.remove()
    db.engine.dispose()
    for path in live.parent.glob(live.name + "*"):
        if path.name in (live.name, live.name + "-wal", live.name + "-shm"):
            path.unlink()  # the disk died
    clock.advance(timedelta(hours=2))

    result = run(app, "restore", archive)  # no database: no --yes needed

    assert result.exit_code == 0, result.output
    assert "cannot be counted" in result.output
    alerts = db.session.execute(select(Alert.kind, Alert.subject)).all()
    assert [(kind, subject["device_id"]) for kind, subject in alerts] == [
        ("backup.events_unknown", world["kiosk"]["device_id"])]
    report = json.loads(next(Path(app.instance_path, "backups").glob("restore-*.json")).read_text())
    assert (report["replaced_database_readable"], report["safety_copy"]) == (False, None)


def test_the_chain_report_counts_entries_only_when_the_backups_head_is_in_the_replaced_chain():
    from server.backup.operations import _chain_changes

    before = {"centre:1": {"seq": 9, "head_hash": "h9"}, "centre:2": {"seq": 5, "head_hash": "x5"},
              "system": {"seq": 2, "head_hash": "s2"}}
    after = {"centre:1": {"seq": 6, "head_hash": "h6"}, "centre:2": {"seq": 4, "head_hash": "h4"},
             "system": {"seq": 2, "head_hash": "s2"}}
    replaced_hashes = {("centre:1", 6): "h6", ("centre:2", 4): "other", ("system", 2): "s2"}

    changes = _chain_changes(before, after, lambda chain, seq: replaced_hashes.get((chain, seq)))

    assert [(c.chain, c.before_seq, c.after_seq, c.rolled_back) for c in changes] == [
        ("centre:1", 9, 6, 3), ("centre:2", 5, 4, None), ("system", 2, 2, 0)]
