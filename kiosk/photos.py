"""The photo cache the roster sync fills: the photos of the roster's persons and children, by id."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from devices.files import write_private
from kiosk.roster import Roster

MAX_PHOTO_BYTES = 2 * 1024 * 1024


def image_type(data: bytes) -> str | None:
    """``image/jpeg`` or ``image/png`` from the magic bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


class PhotoCache:
    """Photos of the roster's persons and children by reference id, one owner-only file each."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, photo_id: int) -> Path:
        """Where one photo is kept."""
        return self.directory / f"{int(photo_id)}"

    def has(self, photo_id: int) -> bool:
        """Whether the photo is cached."""
        return self.path(photo_id).is_file()

    def get(self, photo_id: int) -> tuple[bytes, str] | None:
        """``(bytes, mimetype)`` of a cached photo."""
        try:
            data = self.path(photo_id).read_bytes()
        except OSError:
            return None
        kind = image_type(data)
        return (data, kind) if kind else None

    def put(self, photo_id: int, data: bytes) -> None:
        """Store a photo; ``ValueError`` unless it is a JPEG or PNG of reasonable size."""
        if len(data) > MAX_PHOTO_BYTES or image_type(data) is None:
            raise ValueError("not a JPEG/PNG photo of at most 2 MiB")
        write_private(self.path(photo_id), data)

    def ids(self) -> set[int]:
        """Every cached photo id."""
        if not self.directory.is_dir():
            return set()
        return {int(p.name) for p in self.directory.iterdir() if p.name.isdigit()}

    def prune(self, keep: Iterable[int]) -> int:
        """Delete photos the roster no longer references (a child who left); returns how many."""
        stale = self.ids() - set(keep)
        for photo_id in stale:
            self.path(photo_id).unlink(missing_ok=True)
        return len(stale)


def referenced_photos(roster: Roster) -> list[int]:
    """Photo ids the roster references, persons first, without duplicates."""
    ids = [p.photo for p in roster.document.persons] + [c.photo for c in roster.document.children]
    return list(dict.fromkeys(i for i in ids if i is not None))
