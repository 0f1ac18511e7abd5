"""Where scans of staff credentials are kept and how big one may be, read from the config by the entry points."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class StaffFilesSettings:
    files_dir: Path  # outside the database; each file named by its SHA-256
    max_bytes: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> StaffFilesSettings:
        return cls(Path(config["STAFF_FILES_DIR"]), int(config["STAFF_FILE_MAX_BYTES"]))


def app_settings() -> StaffFilesSettings:
    return StaffFilesSettings.from_config(current_app.config)
