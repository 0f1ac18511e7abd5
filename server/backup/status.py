"""The last backup's status, kept beside the backups so the server, `tuoyu upgrade` and the metrics can read it.

Written by the backup command after a backup was taken and verified; read by anyone without a database.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

STATUS_FILE = "status.json"


@dataclass(frozen=True)
class BackupStatus:
    finished_at: datetime
    path: str
    verified: bool
    size_bytes: int


def backups_folder(instance_path: str | Path) -> Path:
    return Path(instance_path) / "backups"


def last_backup(instance_path: str | Path) -> BackupStatus | None:
    """The newest backup recorded, or None if none was ever taken (or its status file is unreadable)."""
    try:
        raw = json.loads((backups_folder(instance_path) / STATUS_FILE).read_text(encoding="utf-8"))
        return BackupStatus(finished_at=datetime.fromisoformat(raw["finished_at"]), path=str(raw["path"]),
                            verified=bool(raw["verified"]), size_bytes=int(raw["size_bytes"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record_backup(instance_path: str | Path, status: BackupStatus) -> None:
    """Atomically replace the status file (a reader never sees half of it)."""
    folder = backups_folder(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (STATUS_FILE + ".tmp")
    data = asdict(status) | {"finished_at": status.finished_at.isoformat()}
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / STATUS_FILE)
