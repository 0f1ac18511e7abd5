"""Scans of credentials: checked by content, size-limited, kept outside the database, every read logged.

The file itself is kept by the shared store (`server/files.py`); this module owns the row, the authorisation
and the access log.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server import files
from server.audit.operations import audit_record, log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.errors import NotFound
from server.people.models import Staff
from server.staff.models import StaffDocument
from server.staff.settings import StaffFilesSettings

DOCUMENT_FIELDS = ("staff_id", "sha256", "content_type", "size", "original_name", "uploaded_by_id")
# What the content must be (filetype reads the magic bytes; the client's name and Content-Type are ignored).
ALLOWED_TYPES = files.DOCUMENT_TYPES


def sanitise_name(name: str | None) -> str:
    """A display name from what the client sent: no folders, no control or odd characters, short."""
    return files.sanitise_name(name, fallback="scan")


def _store(settings: StaffFilesSettings) -> files.FileStore:
    return files.FileStore(settings.files_dir, settings.max_bytes, ALLOWED_TYPES)


def stored_path(settings: StaffFilesSettings, sha256: str) -> Path:
    """Where a file lives: named by its hash (never by the user's name), fanned out by its first two digits."""
    return _store(settings).path(sha256)


def upload_document(staff: Staff, data: bytes, original_name: str | None, *, settings: StaffFilesSettings,
                    actor: Actor, now: datetime) -> StaffDocument:
    """Keep a scan of one person's credential; the same bytes uploaded again give back the first row."""
    authorise(actor, Perm.STAFF_FILES_WRITE, staff.centre_id, now)
    store = _store(settings)
    described = store.describe(data)
    existing = db.session.execute(select(StaffDocument).where(
        StaffDocument.staff_id == staff.id, StaffDocument.sha256 == described.sha256)).scalar_one_or_none()
    if existing is not None:
        return existing
    store.keep(data, described)
    row = StaffDocument(centre_id=staff.centre_id, staff_id=staff.id, sha256=described.sha256,
                        content_type=described.content_type, size=described.size, original_name=sanitise_name(original_name), uploaded_at=now,
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
    data = _store(settings).read(row.sha256, missing=_l("The scan's file is missing"),
                                 corrupt=_l("The scan's file does not match its hash"))
    log_access(centre_id=row.centre_id, user_id=actor.user_id, action="read", object_type="staff_document",
               object_id=row.id, now=now)
    return data
