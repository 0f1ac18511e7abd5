"""Take, verify, rotate and restore backups: one archive = the database copy + the instance folder + a manifest.

The manifest (written last into the tar) holds the SHA-256 of every member, the schema revision, the audit chain
heads and, per device, what the copy holds of its delivered events, read from the very snapshot that was copied.
docs/backup.md tells the story; `tuoyu backup` / `tuoyu restore` (server/backup/commands.py) drive these.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import secrets
import shutil
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from server.audit.operations import all_chains, record_change, verify_chain
from server.backup import engines
from server.backup.crypto import ENCRYPTED_SUFFIX, decrypt_file, encrypt_file
from server.backup.engines import BackupFailed, DatabaseState, DeliveredEvent, Progress
from server.backup.status import BackupStatus, backups_folder, last_backup, record_backup
from server.database import db

FORMAT = 1
MANIFEST = "manifest.json"
INSTANCE_PREFIX = "instance/"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ARCHIVE_PREFIX = "tuoyu-backup-"
ARCHIVE_SUFFIX = ".tar.gz"
DEFAULT_KEEP = 14
# Device state of the demo's simulated kiosk and agents lives in the instance folder but is not the server's.
SKIPPED_INSTANCE_DIRS = frozenset({"backups", "kiosk-demo", "agents-demo"})
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


# -- archives -----------------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def instance_files(instance: Path, skip: set[Path]) -> Iterator[tuple[Path, str]]:
    """(file, name in the archive) of every regular file of the instance folder worth keeping."""
    skip = {p.resolve() for p in skip}
    for root, dirs, files in os.walk(instance):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not (here == instance and d in SKIPPED_INSTANCE_DIRS)
                         and (here / d).resolve() not in skip)
        for name in sorted(files):
            path = here / name
            if path.resolve() in skip or name.endswith(SQLITE_COMPANIONS) or not path.is_file() or path.is_symlink():
                continue
            yield path, INSTANCE_PREFIX + path.relative_to(instance).as_posix()


def archive_name(now: datetime, folder: Path, *, prefix: str = ARCHIVE_PREFIX, encrypted: bool) -> Path:
    stem = prefix + now.strftime("%Y%m%dT%H%M%S") + "Z"
    suffix = ARCHIVE_SUFFIX + (ENCRYPTED_SUFFIX if encrypted else "")
    candidate, n = folder / (stem + suffix), 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate


def write_archive(target: Path, members: list[tuple[Path, str]], manifest: dict[str, Any],
                  progress: Progress | None = None) -> None:
    """The members, then the manifest with each member's SHA-256 and size; fsynced before it is named."""
    total = sum(path.stat().st_size for path, _ in members)
    done = 0
    manifest = {**manifest, "members": {}}
    partial = target.with_name(target.name + ".partial")
    with partial.open("wb") as raw:
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            for path, name in members:
                manifest["members"][name] = {"sha256": _sha256(path), "size": path.stat().st_size}
                tar.add(path, arcname=name, recursive=False)
                done += path.stat().st_size
                if progress is not None:
                    progress(done, total)
            body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(body), 0o600
            tar.addfile(info, io.BytesIO(body))
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(partial, target)


@dataclass
class OpenedArchive:
    """An archive unpacked into a work folder, every member checked against the manifest."""

    folder: Path
    manifest: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.manifest["database_kind"])

    @property
    def database(self) -> Path:
        return self.folder / DATABASE_MEMBER[self.kind]

    @property
    def created_at(self) -> str:
        return str(self.manifest["created_at"])


class ArchiveInvalid(BackupFailed):
    """The archive is not a whole, unaltered tuoyu backup."""


def open_archive(path: Path, workdir: Path, key: bytes | None) -> OpenedArchive:
    """Decrypt (if .enc), unpack and check every member's SHA-256 and that nothing was added or taken away."""
    plain = path
    if path.name.endswith(ENCRYPTED_SUFFIX):
        if key is None:
            raise ArchiveInvalid(f"{path.name} is encrypted: give its key file")
        plain = workdir / "archive.tar.gz"
        try:
            decrypt_file(path, plain, key)
        except ValueError as exc:
            raise ArchiveInvalid(str(exc)) from exc
    folder = workdir / "unpacked"
    folder.mkdir()
    try:
        with tarfile.open(plain, mode="r:gz") as tar:
            tar.extractall(folder, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArchiveInvalid(f"the archive cannot be read: {exc}") from exc
    finally:
        if plain != path:
            plain.unlink(missing_ok=True)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        members: dict[str, dict[str, Any]] = manifest["members"]
        kind = manifest["database_kind"]
    except (OSError, ValueError, KeyError) as exc:
        raise ArchiveInvalid(f"no readable manifest: {exc}") from exc
    if manifest.get("format") != FORMAT or kind not in DATABASE_MEMBER or DATABASE_MEMBER[kind] not in members:
        raise ArchiveInvalid("the manifest is not of a tuoyu backup this version can read")
    found = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {MANIFEST}
    if found != set(members):
        raise ArchiveInvalid(f"members differ from the manifest: extra {sorted(found - set(members))[:5]}, "
                             f"missing {sorted(set(members) - found)[:5]}")
    for name, meta in members.items():
        if _sha256(folder / name) != meta["sha256"]:
            raise ArchiveInvalid(f"{name} does not match its SHA-256 in the manifest")
    return OpenedArchive(folder, manifest)


@contextmanager
def work_folder(parent: Path) -> Iterator[Path]:
    parent.mkdir(parents=True, exist_ok=True)
    folder = parent / f".work-{secrets.token_hex(6)}"
    folder.mkdir(mode=0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """One backup or restore at a time per folder (a second one is refused, not queued)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BackupFailed(f"another backup or restore is running ({folder / '.lock'})") from exc
        yield


# -- verification -------------------------------------------------------------------------------------------------


@contextmanager
def database_session(url: str | URL) -> Iterator[None]:
    """An app context whose `db.session` is bound to another database (a scratch copy).

    The audit functions run unchanged against it.
    """
    from flask import Flask

    scratch = Flask("tuoyu_backup_check")
    scratch.config["SQLALCHEMY_DATABASE_URI"] = url if isinstance(url, str) else url.render_as_string(False)
    db.init_app(scratch)
    with scratch.app_context():
        try:
            yield
        finally:
            db.session.remove()
            db.engine.dispose()


@dataclass(frozen=True)
class Verification:
    ok: bool
    problems: list[str]
    chains: dict[str, int]  # chain -> entries verified


def _check_restored(url: str, opened: OpenedArchive) -> Verification:
    problems: list[str] = []
    chains: dict[str, int] = {}
    with database_session(url):
        with db.engine.connect() as conn:
            state = engines.read_state(conn)
        if state.heads != opened.manifest["chain_heads"]:
            problems.append("the restored chain heads differ from the manifest's")
        if state.revision != opened.manifest["schema_revision"]:
            problems.append(f"schema revision {state.revision} differs from the manifest's "
                            f"{opened.manifest['schema_revision']}")
        for chain in all_chains():
            report = verify_chain(chain)
            chains[chain] = report.entries
            if not report.ok:
                problems.append(f"audit chain {chain} broken at entry {report.broken_at_seq}: {report.reason}")
    return Verification(not problems, problems, chains)


def verify_opened(opened: OpenedArchive, live_url: str | URL) -> Verification:
    """Restore the copy into a scratch database, run the audit chain verification, compare heads with the manifest."""
    if opened.kind == "sqlite":
        scratch = opened.folder.parent / "scratch.sqlite3"
        shutil.copyfile(opened.database, scratch)
        integrity = engines.sqlite_integrity(scratch)
        if integrity != "ok":
            return Verification(False, [f"SQLite integrity check: {integrity}"], {})
        return _check_restored(f"sqlite:///{scratch}", opened)
    try:
        with engines.scratch_postgres(live_url) as scratch_url:
            try:
                engines.restore_postgres(opened.database, scratch_url, opened.folder.parent)
            except BackupFailed as exc:
                return Verification(False, [f"the dump does not restore: {exc}"], {})
            return _check_restored(scratch_url, opened)
    except BackupFailed as exc:
        return Verification(False, [str(exc)], {})


def verify_archive(path: Path, live_url: str | URL, key: bytes | None) -> Verification:
    with work_folder(path.parent) as work:
        try:
            opened = open_archive(path, work, key)
        except ArchiveInvalid as exc:
            return Verification(False, [str(exc)], {})
        return verify_opened(opened, live_url)


# -- taking a backup ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    state: DatabaseState
    verification: Verification | None
    removed: list[Path] = field(default_factory=list)


def archives_in(folder: Path) -> list[Path]:
    """The backups of a folder, oldest first.

    By their UTC time, then by the counter a second backup in the same second gets (``…Z-2`` after ``…Z``, which
    a plain sort of the names would not give).
    """
    def order(path: Path) -> tuple[str, int]:
        stamp = path.name.removeprefix(ARCHIVE_PREFIX).split("Z", 1)
        counter = stamp[1].split(".", 1)[0].removeprefix("-") if len(stamp) > 1 else ""
        return stamp[0], int(counter) if counter.isdigit() else 1

    return sorted((p for p in folder.glob(ARCHIVE_PREFIX + "*")
                   if p.name.endswith((ARCHIVE_SUFFIX, ARCHIVE_SUFFIX + ENCRYPTED_SUFFIX)) and p.is_file()), key=order)


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; answers what was deleted."""
    if keep < 1:
        raise BackupFailed("--keep must be at least 1")
    old = archives_in(folder)[:-keep]
    for path in old:
        path.unlink()
    return old


def take_backup(*, url: str | URL, instance: Path, folder: Path, now: datetime, key: bytes | None = None,
                keep: int | None = DEFAULT_KEEP, verify: bool = True, prefix: str = ARCHIVE_PREFIX,
                record: bool = True, progress: Callable[[str], Progress] | None = None,
                locked: bool = False) -> BackupResult:
    """Copy the database online, pack it with the instance folder, verify it, rotate, record the status.

    `progress(stage)` gives a callback per stage ("database", "archive"). A failed verification keeps the archive
    aside as ``*.failed`` and records nothing: the last good backup stays the one `tuoyu upgrade` sees.
    """
    kind = engines.kind_of(url)
    folder.mkdir(parents=True, exist_ok=True)
    with (nullcontext() if locked else exclusive(folder)), work_folder(folder) as work:
        copy = work / DATABASE_MEMBER[kind]
        if kind == "sqlite":
            state = engines.dump_sqlite(url, copy, progress("database") if progress else None)
        else:
            state = engines.dump_postgres(url, copy)
        skip = {folder, backups_folder(instance)}
        if kind == "sqlite":
            live = engines.sqlite_path(url)
            # The file and everything named after it (-wal, -shm, -journal, the writers' lock file): a lock file
            # replaced by a restore would no longer be the one running processes hold.
            skip |= {p for p in live.parent.glob(glob_escape(live.name) + "*")} | {live}
        members = [(copy, DATABASE_MEMBER[kind]), *instance_files(instance, skip)]
        manifest = {"format": FORMAT, "created_at": now.isoformat(), "database_kind": kind,
                    **state.as_json()}
        target = archive_name(now, folder, prefix=prefix, encrypted=key is not None)
        plain = work / "archive.tar.gz" if key is not None else target
        write_archive(plain, members, manifest, progress("archive") if progress else None)
        if key is not None:
            encrypt_file(plain, target.with_name(target.name + ".partial"), key)
            os.replace(target.with_name(target.name + ".partial"), target)
            plain.unlink()
    verification = verify_archive(target, url, key) if verify else None
    if verification is not None and not verification.ok:
        failed = target.with_name(target.name + ".failed")
        os.replace(target, failed)
        return BackupResult(failed, failed.stat().st_size, state, verification)
    removed = rotate(folder, keep) if keep else []
    size = target.stat().st_size
    previous = last_backup(instance)
    # An unverified backup (--no-verify) never hides the last verified one, which `tuoyu upgrade` relies on.
    if record and (verification is not None or previous is None or not previous.verified):
        record_backup(instance, BackupStatus(finished_at=now, path=str(target), verified=verification is not None,
                                             size_bytes=size))
    return BackupResult(target, size, state, verification, removed)


# -- restore ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainChange:
    chain: str
    before_seq: int | None
    before_hash: str | None
    after_seq: int | None
    after_hash: str | None
    rolled_back: int | None  # entries the restore took away; None: the histories diverged (or no "before")


@dataclass(frozen=True)
class DeviceChange:
    device_id: str
    name: str
    centre_id: int
    backup_events: int
    backup_last_received_at: str | None
    backup_last_created_at: str | None
    rolled_back: list[DeliveredEvent] | None  # None: the replaced database could not be read


@dataclass(frozen=True)
class RestoreReport:
    archive: str
    backup_created_at: str
    restored_at: str
    database_kind: str
    replaced_readable: bool
    chains: list[ChainChange]
    devices: list[DeviceChange]
    instance_files: int
    safety_copy: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "archive": self.archive, "backup_created_at": self.backup_created_at, "restored_at": self.restored_at,
            "database_kind": self.database_kind, "replaced_database_readable": self.replaced_readable,
            "instance_files": self.instance_files, "safety_copy": self.safety_copy,
            "chains": [c.__dict__ for c in self.chains],
            "devices": [{**{k: v for k, v in d.__dict__.items() if k != "rolled_back"},
                         "rolled_back": None if d.rolled_back is None else [e.__dict__ for e in d.rolled_back]}
                        for d in self.devices],
        }


AlertRaiser = Callable[..., Any]
"""server.alerts.operations.raise_alert, injected by the command wiring (alerts is a sibling of backup)."""


def _chain_changes(before_heads: dict[str, dict[str, Any]] | None, after_heads: dict[str, dict[str, Any]],
                   before_hash_at: Callable[[str, int], str | None]) -> list[ChainChange]:
    changes = []
    for chain in sorted(set(after_heads) | set(before_heads or {})):
        before = (before_heads or {}).get(chain)
        after = after_heads.get(chain)
        rolled: int | None = None
        if before is not None:
            after_seq = after["seq"] if after else 0
            # The backup's head must be an entry of the replaced chain: then exactly the entries after it go.
            if after_seq == 0 or (after_seq <= before["seq"] and before_hash_at(chain, after_seq) == after["head_hash"]):
                rolled = before["seq"] - after_seq
        changes.append(ChainChange(chain, before and before["seq"], before and before["head_hash"],
                                   after and after["seq"], after and after["head_hash"], rolled))
    return changes


def restore_backup(*, archive: Path, url: str | URL, instance: Path, now: datetime, key: bytes | None,
                   raise_alert: AlertRaiser | None, progress: Callable[[str], Progress] | None = None,
                   safety_copy: bool = True) -> RestoreReport:
    """Replace the database and the instance files with the backup's; answer for what the restore took away.

    Before anything is replaced the archive is checked whole and verified on a scratch database, and the replaced
    database is read (its heads and delivered events) and, if readable, kept as a ``pre-restore-`` backup. After the
    restore, each device whose acknowledged events were rolled back gets an urgent alert: it deleted them on the
    acknowledgement and will not send them again, so they are lost to the server unless re-entered.
    """
    kind = engines.kind_of(url)
    folder = backups_folder(instance)
    with exclusive(folder), work_folder(folder) as work:
        opened = open_archive(archive, work, key)
        if opened.kind != kind:
            raise BackupFailed(f"a {opened.kind} backup cannot be restored into a {kind} database")
        verification = verify_opened(opened, url)
        if not verification.ok:
            raise ArchiveInvalid("the backup does not verify: " + "; ".join(verification.problems))
        replaced = engines.read_state_of(url)
        copy_path = None
        if replaced is not None and safety_copy:
            copy_path = take_backup(url=url, instance=instance, folder=folder, now=now, keep=None, verify=False,
                                    prefix="pre-restore-", record=False, locked=True).path
        before_hashes: dict[tuple[str, int], str | None] = {}
        if replaced is not None:
            engine = create_engine(url)
            try:
                with engine.connect() as conn:
                    for chain, head in opened.manifest["chain_heads"].items():
                        if head["seq"]:
                            before_hashes[(chain, head["seq"])] = engines.audit_entry_hash(conn, chain, head["seq"])
            finally:
                engine.dispose()
        db.session.remove()
        db.engine.dispose()
        if kind == "sqlite":
            engines.restore_sqlite(opened.database, url, progress("database") if progress else None)
        else:
            engines.restore_postgres(opened.database, url, work)
        restored_files = _restore_instance(opened, instance, progress("instance") if progress else None)
    chains = _chain_changes(replaced[0].heads if replaced else None, opened.manifest["chain_heads"],
                            lambda chain, seq: before_hashes.get((chain, seq)))
    devices = _device_changes(opened, replaced, url)
    report = RestoreReport(archive.name, opened.created_at, now.isoformat(), kind, replaced is not None, chains,
                           devices, restored_files, copy_path.name if copy_path else None)
    (folder / f"restore-{now.strftime('%Y%m%dT%H%M%S')}Z.json").write_text(
        json.dumps(report.as_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    _answer_for_the_rollback(report, raise_alert, now)
    return report


def _device_changes(opened: OpenedArchive, replaced: tuple[DatabaseState, list[DeliveredEvent]] | None,
                    url: str | URL) -> list[DeviceChange]:
    restored = engines.read_state_of(url)
    held = {(e.device_id, e.key) for e in (restored[1] if restored else [])}
    lost: dict[str, list[DeliveredEvent]] = {}
    names: dict[str, tuple[str, int]] = {}
    if replaced is not None:
        for event in replaced[1]:
            if (event.device_id, event.key) not in held:
                lost.setdefault(event.device_id, []).append(event)
        names = {d.device_id: (d.name, d.centre_id) for d in replaced[0].devices}
    changes = []
    in_backup = {d["device_id"]: d for d in opened.manifest["devices"]}
    for device_id in sorted(set(in_backup) | set(lost)):
        backup = in_backup.get(device_id)
        name, centre_id = (backup["name"], backup["centre_id"]) if backup else names[device_id]
        changes.append(DeviceChange(
            device_id, name, centre_id, backup["events"] if backup else 0,
            backup["last_received_at"] if backup else None, backup["last_created_at"] if backup else None,
            None if replaced is None else lost.get(device_id, [])))
    return changes


def _restore_instance(opened: OpenedArchive, instance: Path, progress: Progress | None) -> int:
    """Put back every instance file of the backup (atomically each); files made since are left in place."""
    members = [name for name in opened.manifest["members"] if name.startswith(INSTANCE_PREFIX)]
    for done, name in enumerate(members, 1):
        source = opened.folder / name
        target = instance / name[len(INSTANCE_PREFIX):]
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        shutil.copy2(source, partial)
        os.replace(partial, target)
        if progress is not None:
            progress(done, len(members))
    return len(members)


def _answer_for_the_rollback(report: RestoreReport, raise_alert: AlertRaiser | None, now: datetime) -> None:
    """Say, in the restored database, what the restore took away.

    An audit entry, and an alert per device whose acknowledged events are gone (or whose losses cannot be counted).
    """
    record_change(centre_id=None, actor_id=None, actor_kind="system", action="backup.restore", object_type="backup",
                  object_id=report.archive[:64],
                  before={c.chain: c.before_seq for c in report.chains},
                  after={"created_at": report.backup_created_at, **{c.chain: c.after_seq for c in report.chains}},
                  now=now)
    if raise_alert is not None:
        stamp = now.strftime("%Y%m%dT%H%M%S")
        # A centre made after the backup is not in the restored database: its devices are in the report only.
        centres = set(db.session.execute(text("SELECT id FROM centre")).scalars())
        for device in report.devices:
            if device.centre_id not in centres:
                continue
            label = f"{device.name}（{device.device_id}）"
            if device.rolled_back is None:
                since = device.backup_last_received_at or report.backup_created_at
                raise_alert(device.centre_id, kind="backup.events_unknown", severity="urgent",
                            dedupe_key=f"restore:{stamp}:{device.device_id}"[:120],
                            message_zh=f"已恢复 {report.backup_created_at} 的备份。设备 {label} 在 {since} 之后送达的事件"
                                       f"可能已丢失：被替换的数据库无法读取，无法统计数量。请核对纸质记录。",
                            message_en=f"Restored the backup of {report.backup_created_at}. Events {device.name} "
                                       f"({device.device_id}) delivered after {since} may be lost: the replaced "
                                       "database could not be read, so they cannot be counted. Check the paper "
                                       "register.",
                            subject={"device_id": device.device_id, "since": since}, now=now)
            elif device.rolled_back:
                n = len(device.rolled_back)
                first = min(e.created_at or "" for e in device.rolled_back)
                last = max(e.created_at or "" for e in device.rolled_back)
                raise_alert(device.centre_id, kind="backup.events_rolled_back", severity="urgent",
                            dedupe_key=f"restore:{stamp}:{device.device_id}"[:120],
                            message_zh=f"已恢复 {report.backup_created_at} 的备份。设备 {label} 在备份之后送达并已确认的 "
                                       f"{n} 条事件（设备时间 {first} 至 {last}）已不在服务器上；设备已将其删除，不会重发。"
                                       "请按纸质记录补录。",
                            message_en=f"Restored the backup of {report.backup_created_at}. {n} events "
                                       f"{device.name} ({device.device_id}) delivered after the backup and had "
                                       f"acknowledged (device time {first} to {last}) are no longer on the server; "
                                       "the device deleted them and will not send them again. Re-enter them from "
                                       "the paper register.",
                            subject={"device_id": device.device_id, "events": n, "first": first, "last": last},
                            now=now)
    db.session.commit()
