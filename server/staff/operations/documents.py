"""Scans of credentials: checked by content, size-limited, kept outside the database, every read logged."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from datetime import datetime
from pathlib import Path

import filetype
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.audit.operations import audit_record, log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.errors import NotFound, ProblemCollector
from server.people.models import Staff
from server.staff.models import StaffDocument
from server.staff.settings import StaffFilesSettings

DOCUMENT_FIELDS = ("staff_id", "sha256", "content_type", "size", "original_name", "uploaded_by_id")
# What the content must be (filetype reads the magic bytes; the client's name and Content-Type are ignored).
ALLOWED_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w.\- ()（）]+")


def sanitise_name(name: str | None) -> str:
    """A display name from what the client sent: no folders, no control or odd characters, short."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" ._")
    return base[-MAX_NAME:] or "scan"


def stored_path(settings: StaffFilesSettings, sha256: str) -> Path:
    """Where a file lives: named by its hash (never by the user's name), fanned out by its first two digits."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a SHA-256")
    return settings.files_dir / sha256[:2] / sha256


def _write(path: Path, data: bytes) -> None:
    """Write once, atomically and durably (a same-hash file already there has the same bytes)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def upload_document(staff: Staff, data: bytes, original_name: str | None, *, settings: StaffFilesSettings,
                    actor: Actor, now: datetime) -> StaffDocument:
    """Keep a scan of one person's credential; the same bytes uploaded again give back the first row."""
    authorise(actor, Perm.STAFF_FILES_WRITE, staff.centre_id, now)
    problems = ProblemCollector()
    kind = filetype.guess(data) if data else None
    if not data:
        problems.add("empty_file", _l("The file is empty"), "file")
    elif len(data) > settings.max_bytes:
        problems.add("file_too_large", _l("The file is larger than %(mb)s MB", mb=settings.max_bytes // (1024 * 1024)),
                     "file")
    elif kind is None or kind.mime not in ALLOWED_TYPES:
        problems.add("unsupported_file_type", _l("Only PDF, JPEG or PNG files"), "file")
    problems.raise_if_any()
    assert kind is not None
    sha256 = hashlib.sha256(data).hexdigest()
    existing = db.session.execute(select(StaffDocument).where(StaffDocument.staff_id == staff.id,
                                                              StaffDocument.sha256 == sha256)).scalar_one_or_none()
    if existing is not None:
        return existing
    _write(stored_path(settings, sha256), data)
    row = StaffDocument(centre_id=staff.centre_id, staff_id=staff.id, sha256=sha256, content_type=kind.mime,
                        size=len(data), original_name=sanitise_name(original_name), uploaded_at=now,
                        uploaded_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "staff_document.upload", None, DOCUMENT_FIELDS, actor=actor, now=now)
    return row


def get_document(document_id: int, *, actor: Actor, now: datetime) -> StaffDocument:
    """A scan's description (not its bytes): for whoever may read staff files."""
    row = db.session.get(StaffDocument, document_id)
    if row is None:
        raise NotFound()
    authorise(actor, Perm.STAFF_FILES_READ, row.centre_id, now)
    return row


def read_document(row: StaffDocument, *, settings: StaffFilesSettings, actor: Actor, now: datetime) -> bytes:
    """A scan's bytes, for the director only; every view is logged, a file changed on disk is refused."""
    authorise(actor, Perm.STAFF_DOCUMENTS_READ, row.centre_id, now)
    path = stored_path(settings, row.sha256)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(_l("The scan's file is missing"), code="file_missing") from None
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise NotFound(_l("The scan's file does not match its hash"), code="file_corrupt")
    log_access(centre_id=row.centre_id, user_id=actor.user_id, action="read", object_type="staff_document",
               object_id=row.id, now=now)
    return data
