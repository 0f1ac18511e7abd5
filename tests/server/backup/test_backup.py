"""`tuoyu backup`: an online, consistent, verified, rotated and optionally encrypted copy (docs/backup.md)."""

from __future__ import annotations

import json
import tarfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from server.audit.models import AuditHead, chain_for
from server.backup import engines
from server.backup.operations import (
    MANIFEST,
    archives_in,
    open_archive,
    take_backup,
    verify_archive,
    work_folder,
    write_archive,
)
from server.backup.status import last_backup
from server.cli import main
from server.database import db
from server.people.models import Child
from server.people.operations import update_child
from tests.factories import SYSTEM, make_centre, make_child


@pytest.fixture
def centre(app, clock):  # type: ignore[no-untyped-def]
    centre = make_centre("alpha", clock.now())
    for i in range(3):
        make_child(centre, clock.now(), name=f"孩子{i}")
    db.session.commit()
    return centre


@pytest.fixture
def key_file(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("keys") / "backup.key"
    path.write_bytes(bytes(range(32)))
    return path


def url() -> str:
    return str(db.engine.url.render_as_string(hide_password=False))


def heads() -> dict[str, dict]:
    return {h.chain: {"seq": h.seq, "head_hash": h.head_hash} for h in db.session.execute(select(AuditHead)).scalars()}


def backup(app, *args: str):  # type: ignore[no-untyped-def]
    db.session.commit()
    return app.test_cli_runner().invoke(main, ["backup", *args])


def members(path: Path) -> set[str]:
    with tarfile.open(path, "r:gz") as tar:
        return set(tar.getnames())


def manifest(path: Path) -> dict:
    with tarfile.open(path, "r:gz") as tar:
        return json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]


def test_a_backup_is_verified_and_recorded_at_the_apps_time(app, centre, clock):
    result = backup(app)

    status = last_backup(app.instance_path)
    assert result.exit_code == 0, result.output
    assert (status.verified, status.finished_at, Path(status.path).exists(), status.size_bytes) == (
        True, clock.now(), True, Path(status.path).stat().st_size)


def test_the_manifest_holds_the_chain_heads_revision_and_every_members_digest(app, centre, database_url):
    backup(app, "--no-verify")

    found = manifest(Path(last_backup(app.instance_path).path))
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    assert (found["chain_heads"], found["schema_revision"], found["database_kind"]) == (heads(), revision, kind)
    assert all(len(m["sha256"]) == 64 for m in found["members"].values())


def test_the_instance_folder_is_kept_but_not_the_backups_nor_a_live_database(app, centre):
    instance = Path(app.instance_path)
    (instance / "keys").mkdir(exist_ok=True)
    (instance / "keys" / "alpha.pem").write_text("key")
    (instance / "staff_files").mkdir(exist_ok=True)
    (instance / "staff_files" / "scan.pdf").write_bytes(b"%PDF")
    (instance / "tuoyu.sqlite3-wal").write_bytes(b"wal")

    backup(app, "--no-verify")

    names = members(Path(last_backup(instance).path))
    assert {"instance/keys/alpha.pem", "instance/staff_files/scan.pdf"} <= names
    assert not [n for n in names if n.startswith("instance/backups") or n.endswith("-wal")]


def test_a_backup_taken_while_the_server_writes_is_consistent(app, centre, clock, monkeypatch, database_url):
    """A writer commits audited changes all through the backup (SQLite: in steps of 2 pages, so the copy restarts
    and falls back to one step); the copy verifies and its heads are a state the chain really had."""
    monkeypatch.setattr(engines, "SQLITE_STEP_PAGES", 2)
    child_id = db.session.execute(select(Child.id)).scalars().first()
    db.session.commit()
    stop, commits, errors = threading.Event(), [0], []

    def writer() -> None:
        try:
            with app.app_context():
                while not stop.is_set():
                    update_child(db.session.get(Child, child_id), {"allergies": f"v{commits[0]}"}, actor=SYSTEM,
                                 now=clock.now(), today=clock.now().date())
                    db.session.commit()
                    commits[0] += 1
                db.session.remove()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while commits[0] < 5:  # the writer is really running before the backup starts
            stop.wait(0.01)
        before = commits[0]
        result = take_backup(url=url(), instance=Path(app.instance_path), folder=Path(app.instance_path) / "b",
                             now=clock.now())
        during = commits[0] - before
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert during > 0
    assert result.verification is not None and result.verification.ok, result.verification
    chain = chain_for(centre.id)
    assert 0 < result.state.heads[chain]["seq"] < heads()[chain]["seq"]


def test_rotation_keeps_the_newest_n(app, centre, clock):
    folder = Path(app.instance_path) / "rotating"
    names = []
    for _ in range(4):
        backup(app, "--to", str(folder), "--keep", "2", "--no-verify")
        names.append(Path(last_backup(app.instance_path).path).name)
        clock.advance(timedelta(days=1))

    assert [p.name for p in archives_in(folder)] == names[2:]


def test_no_verify_records_an_unverified_backup(app, centre):
    result = backup(app, "--no-verify")

    assert (result.exit_code, last_backup(app.instance_path).verified) == (0, False)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # encryption does not depend on the database
def test_an_encrypted_backup_round_trips_and_holds_nothing_in_clear(app, centre, key_file):
    result = backup(app, "--encrypt-key-file", str(key_file))

    path = Path(last_backup(app.instance_path).path)
    assert result.exit_code == 0, result.output
    assert path.name.endswith(".tar.gz.enc") and not path.read_bytes().startswith(b"\x1f\x8b")
    assert verify_archive(path, url(), key_file.read_bytes()).ok


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # decryption does not depend on the database
@pytest.mark.parametrize("harm", ["flip", "truncate", "wrong_key", "no_key"])
def test_a_tampered_or_unreadable_encrypted_archive_is_refused(app, centre, key_file, harm):
    backup(app, "--encrypt-key-file", str(key_file), "--no-verify")
    path = Path(last_backup(app.instance_path).path)
    data = bytearray(path.read_bytes())
    key: bytes | None = key_file.read_bytes()
    if harm == "flip":
        data[len(data) // 2] ^= 0x01
    elif harm == "truncate":
        data = data[: len(data) - 40]
    elif harm == "wrong_key":
        key = bytes(32)
    else:
        key = None
    path.write_bytes(bytes(data))

    verification = verify_archive(path, url(), key)

    assert not verification.ok
    assert any(w in verification.problems[0] for w in ("altered", "truncated", "encrypted", "wrong key"))


def test_a_key_file_of_the_wrong_length_is_refused(app, centre, tmp_path):
    bad = tmp_path / "short.key"
    bad.write_bytes(b"x" * 16)

    result = backup(app, "--encrypt-key-file", str(bad))

    assert result.exit_code != 0 and "32" in result.output


def test_a_member_changed_after_the_backup_is_caught_by_its_digest(app, centre):
    backup(app, "--no-verify")
    path = Path(last_backup(app.instance_path).path)
    with work_folder(path.parent) as work:
        opened = open_archive(path, work, None)
        data = bytearray(opened.database.read_bytes())
        data[200] ^= 0xFF
        opened.database.write_bytes(bytes(data))
        with tarfile.open(path, "w:gz") as tar:  # the manifest as it was, beside the changed copy
            for member in sorted(opened.folder.rglob("*")):
                if member.is_file():
                    tar.add(member, arcname=member.relative_to(opened.folder).as_posix())

    verification = verify_archive(path, url(), None)

    assert (verification.ok, verification.problems) == (
        False, [f"{opened.database.name} does not match its SHA-256 in the manifest"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_verification_catches_an_audit_chain_broken_inside_the_backup(app, centre):
    """The archive is whole (digests recomputed), but an audit entry was edited in the copy: only the audit
    verification on the scratch database can tell, and the backup is not recorded as good."""
    backup(app, "--no-verify")
    path = Path(last_backup(app.instance_path).path)
    with work_folder(path.parent) as work:
        opened = open_archive(path, work, None)
        conn = engines.sqlite3.connect(opened.database)
        with conn:
            conn.execute("UPDATE audit_entry SET action = 'child.delete' WHERE seq = 2")
        conn.close()  # checkpoints the WAL into the file that is packed
        write_archive(path, [(opened.database, opened.database.name)],
                      {k: v for k, v in opened.manifest.items() if k != "members"})

    verification = verify_archive(path, url(), None)

    assert not verification.ok
    assert any("broken at entry 2" in p for p in verification.problems), verification.problems


def test_a_backup_that_fails_verification_is_set_aside_and_not_recorded(app, centre, monkeypatch, clock):
    backup(app, "--no-verify")
    good = last_backup(app.instance_path)
    clock.advance(timedelta(hours=1))
    monkeypatch.setattr(engines, "sqlite_integrity", lambda _path: "*** page 3: corrupt")
    monkeypatch.setattr(engines, "restore_postgres", _refuse_restore)

    result = backup(app)

    assert result.exit_code == 1
    assert last_backup(app.instance_path) == good
    assert list(Path(app.instance_path, "backups").glob("*.failed"))


def _refuse_restore(*_args, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    raise engines.BackupFailed("pg_restore: corrupt")


def test_a_second_backup_in_the_same_second_counts_as_the_newer(tmp_path):
    """`…Z-2` sorts after `…Z` for rotation, which a plain sort of the names would not give."""
    from server.backup.operations import archive_name, archives_in

    at = datetime(2026, 12, 8, 2, 30, tzinfo=UTC)
    first = archive_name(at, tmp_path, encrypted=False)
    first.write_bytes(b"x")
    second = archive_name(at, tmp_path, encrypted=False)
    second.write_bytes(b"y")
    later = archive_name(at.replace(second=1), tmp_path, encrypted=False)
    later.write_bytes(b"z")
    assert archives_in(tmp_path) == [first, second, later]
