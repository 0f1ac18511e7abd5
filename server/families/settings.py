"""Where message attachments are kept and how big one may be, read from the config by the entry points.

`MESSAGE_FILES_DIR` (default `<instance>/message_files`) and `MESSAGE_FILE_MAX_BYTES` (default 5 MiB), both
settable as `TUOYU_…` environment variables; JPEG, PNG or PDF by content.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from server.files import DOCUMENT_TYPES, FileStore

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
FOLDER = "message_files"


def message_store() -> FileStore:
    """The store of message attachments of this app (its own folder, separate from the staff files)."""
    config = current_app.config
    root = config.get("MESSAGE_FILES_DIR") or str(Path(current_app.instance_path) / FOLDER)
    return FileStore(Path(root), int(config.get("MESSAGE_FILE_MAX_BYTES") or DEFAULT_MAX_BYTES), DOCUMENT_TYPES)


def app_secret() -> str:
    """The app's secret key: the HMAC key of the ratings' respondent keys."""
    return str(current_app.config["SECRET_KEY"])
