"""The shared file store: uploads checked by their content, size-limited, kept outside the database by hash.

Staff credential scans (`staff/operations/documents`) and message attachments (`families`) keep their files
here, each in its own folder with its own limits. A file is judged by its magic bytes (`filetype`), never by the
name or Content-Type the client sent; it is stored once under its SHA-256 (written atomically and durably), and
read back only if its bytes still match that hash. The caller owns the database row that describes the file
(its hash, type, size and the sanitised name people see), the authorisation and the access log.

Core floor: this module imports nothing of the server's domains.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask_babel import lazy_gettext as _l

from server.errors import NotFound, ProblemCollector, Text

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
# What the content may be by default (the magic bytes decide; the client's name and Content-Type are ignored).
DOCUMENT_TYPES = frozenset({PDF, JPEG, PNG})
IMAGE_TYPES = frozenset({JPEG, PNG})
MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w.\- ()（）]+")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sanitise_name(name: str | None, *, fallback: str = "file") -> str:
    """A display name from what the client sent: no folders, no control or odd characters, short."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" ._")
    return base[-MAX_NAME:] or fallback


@dataclass(frozen=True)
class StoredFile:
    """What the store knows of a kept file: its hash (its name on disk), its type by content and its size."""

    sha256: str
    content_type: str
    size: int


@dataclass(frozen=True)
class FileStore:
    """One folder of files named by their SHA-256, with the size and types it accepts."""

    root: Path
    max_bytes: int
    allowed_types: frozenset[str] = DOCUMENT_TYPES

    def path(self, sha256: str) -> Path:
        """Where a file lives: named by its hash (never by the user's name), fanned out by its first two digits."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError("not a SHA-256")
        return self.root / sha256[:2] / sha256

    def check(self, data: bytes, problems: ProblemCollector, *, field: str = "file") -> str | None:
        """The content type of `data` by its magic bytes; a problem on `field` (and None) when it is not accepted.

        Problems: `empty_file`, `file_too_large`, `unsupported_file_type`.
        """
        if not data:
            problems.add("empty_file", _l("The file is empty"), field)
            return None
        if len(data) > self.max_bytes:
            problems.add("file_too_large", _l("The file is larger than %(mb)s MB", mb=self.max_bytes // (1024 * 1024)),
                         field)
            return None
        kind = filetype.guess(data)
        if kind is None or kind.mime not in self.allowed_types:
            problems.add("unsupported_file_type", _types_message(self.allowed_types), field)
            return None
        return str(kind.mime)

    def inspect(self, data: bytes, problems: ProblemCollector, *, field: str = "file") -> StoredFile | None:
        """The hash, type and size of `data` if it is accepted; else a problem on `field` and None."""
        content_type = self.check(data, problems, field=field)
        if content_type is None:
            return None
        return StoredFile(hashlib.sha256(data).hexdigest(), content_type, len(data))

    def describe(self, data: bytes) -> StoredFile:
        """The hash, type and size of `data`, checked (raises `ValidationFailed`); nothing is written."""
        problems = ProblemCollector()
        stored = self.inspect(data, problems)
        problems.raise_if_any()
        assert stored is not None
        return stored

    def keep(self, data: bytes, described: StoredFile | None = None) -> StoredFile:
        """Check `data` and write it once under its hash (a file of the same hash already holds the same bytes)."""
        stored = described or self.describe(data)
        write_once(self.path(stored.sha256), data)
        return stored

    def read(self, sha256: str, *, missing: Text | None = None, corrupt: Text | None = None) -> bytes:
        """A kept file's bytes; 404 `file_missing` when it is gone, `file_corrupt` when it no longer matches its hash."""
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise NotFound(missing or _l("The file is missing"), code="file_missing") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise NotFound(corrupt or _l("The file does not match its hash"), code="file_corrupt")
        return data


def _types_message(types: frozenset[str]) -> Text:
    if types == DOCUMENT_TYPES:
        return _l("Only PDF, JPEG or PNG files")
    if types == IMAGE_TYPES:
        return _l("Only JPEG or PNG images")
    return _l("This type of file is not accepted")


def write_once(path: Path, data: bytes) -> None:
    """Write once, atomically and durably (a same-hash file already there has the same bytes)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")  # two writers never share one
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    """Make the rename itself durable (the directory entry), where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
