"""Where plan PDFs and certificate scans are kept and how big one may be, read from the config by the entry points.

`EMERGENCY_FILES_DIR` (default `<instance>/emergency_files`) and `EMERGENCY_FILE_MAX_BYTES` (default 10 MiB), both
settable as `TUOYU_…` environment variables; JPEG, PNG or PDF by content.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from server.files import DOCUMENT_TYPES, FileStore

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
FOLDER = "emergency_files"


def preparedness_store() -> FileStore:
    """The store of emergency plans' PDFs and fire certificates' scans (its own folder)."""
    config = current_app.config
    root = config.get("EMERGENCY_FILES_DIR") or str(Path(current_app.instance_path) / FOLDER)
    return FileStore(Path(root), int(config.get("EMERGENCY_FILE_MAX_BYTES") or DEFAULT_MAX_BYTES), DOCUMENT_TYPES)
