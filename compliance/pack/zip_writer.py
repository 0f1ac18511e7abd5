"""The pack's ZIP stream: fixed timestamps, and the size and SHA-256 of every entry / 压缩包写入.

The manifest lists every file with its hash, so each entry is hashed while it is
written instead of being read back; nothing is held in memory, whatever its size.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, Any

Progress = Callable[[int, int | None, str], None]

COPY_CHUNK = 1 << 20


class HashingSink(io.RawIOBase):
    """Raw writer into a ZIP entry that hashes and counts every byte on the way."""

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self._target.write(view)
        self.sha256.update(view)
        self.size += len(view)
        return len(view)


class PackZipWriter:
    """Writes entries with fixed timestamps and records path, size and SHA-256 of each."""

    def __init__(self, zf: zipfile.ZipFile, when: datetime, progress: Progress | None, total: int | None) -> None:
        self.zf = zf
        # ZIP stores local wall-clock time with 2-second resolution and no zone.
        self.date_time = when.timetuple()[:6]
        self.files: list[dict[str, Any]] = []
        self.progress = progress
        self.total = total
        self.done = 0

    def tick(self, count: int, label: str) -> None:
        """Count ``count`` more units of work done and tell the progress callback."""
        self.done += count
        if self.progress is not None:
            self.progress(self.done, self.total, label)

    @contextmanager
    def entry(self, path: str) -> Iterator[HashingSink]:
        """Open ``path`` for writing; its size and hash are recorded when the block ends."""
        info = zipfile.ZipInfo(path, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        # force_zip64: register entries may pass 2 GiB, and the size is unknown when the entry opens.
        with self.zf.open(info, "w", force_zip64=True) as target:
            sink = HashingSink(target)
            yield sink
        self.files.append({"path": path, "size": sink.size, "sha256": sink.sha256.hexdigest()})

    def write_bytes(self, path: str, data: bytes) -> None:
        """Write a whole small file."""
        with self.entry(path) as sink:
            sink.write(data)
        self.tick(1, path)

    def write_json(self, path: str, value: Any) -> None:
        """Write ``value`` as indented UTF-8 JSON (Chinese kept readable, not escaped)."""
        text = json.dumps(value, ensure_ascii=False, indent=2, default=json_default, allow_nan=False)
        self.write_bytes(path, (text + "\n").encode("utf-8"))

    def copy(self, path: str, source: IO[bytes]) -> None:
        """Copy a spooled file into the entry ``path`` chunk by chunk."""
        with self.entry(path) as sink:
            while chunk := source.read(COPY_CHUNK):
                sink.write(chunk)


@contextmanager
def text_stream(sink: HashingSink, encoding: str) -> Iterator[io.TextIOWrapper]:
    """A buffered text writer over an entry that leaves the entry open when done."""
    buffered = io.BufferedWriter(sink, buffer_size=COPY_CHUNK)
    text = io.TextIOWrapper(buffered, encoding=encoding, newline="")
    try:
        yield text
    finally:
        text.flush()
        # Detach instead of close: closing would close the sink, and the ZIP entry is closed by its owner.
        text.detach()
        buffered.detach()


def json_default(value: Any) -> Any:
    """JSON for the values records carry beyond plain JSON; naive times are refused."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: times must carry a zone")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
