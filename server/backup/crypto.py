"""Streamed AES-256-GCM for backup archives: chunks that cannot be edited, reordered, dropped or cut short.

File layout: MAGIC, a 7-byte random nonce prefix, then chunks ``length (4 bytes, big-endian) || ciphertext+tag``.
Each chunk's nonce is ``prefix || counter (4 bytes) || last (1 byte)`` (the STREAM construction), and the header is
the associated data of every chunk: a chunk moved, dropped, repeated, or a file cut after any chunk but the last
fails to decrypt. The key is a file of exactly 32 random bytes (docs/backup.md, "Key custody").
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"TUOYU-BACKUP-AESGCM-1\n"
CHUNK = 1024 * 1024
KEY_BYTES = 32
ENCRYPTED_SUFFIX = ".enc"


class BackupKeyError(ValueError):
    """The key file is missing, unreadable or not 32 bytes."""


class DecryptionFailed(ValueError):
    """Wrong key, or the archive was altered or truncated."""


def read_key(path: str | Path) -> bytes:
    try:
        key = Path(path).read_bytes()
    except OSError as exc:
        raise BackupKeyError(f"cannot read the key file {path}: {exc}") from exc
    if len(key) != KEY_BYTES:
        raise BackupKeyError(f"the key file {path} must hold exactly {KEY_BYTES} random bytes, not {len(key)}")
    return key


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


def _chunks(source: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """Each chunk of `source` and whether it is the last (an empty file is one empty last chunk)."""
    current = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        yield current, not following
        if not following:
            return
        current = following


def encrypt_file(plain: Path, encrypted: Path, key: bytes) -> None:
    aead, prefix = AESGCM(key), os.urandom(7)
    header = MAGIC + prefix
    with plain.open("rb") as source, encrypted.open("wb") as out:
        out.write(header)
        for counter, (chunk, last) in enumerate(_chunks(source)):
            sealed = aead.encrypt(_nonce(prefix, counter, last), chunk, header)
            out.write(struct.pack(">I", len(sealed)) + sealed)
        out.flush()
        os.fsync(out.fileno())


def decrypt_file(encrypted: Path, plain: Path, key: bytes) -> None:
    aead = AESGCM(key)
    with encrypted.open("rb") as source, plain.open("wb") as out:
        header = source.read(len(MAGIC) + 7)
        if len(header) != len(MAGIC) + 7 or not header.startswith(MAGIC):
            raise DecryptionFailed("not an encrypted tuoyu backup")
        prefix, counter, finished = header[len(MAGIC):], 0, False
        while True:
            size_bytes = source.read(4)
            if not size_bytes:
                break
            if finished or len(size_bytes) != 4:
                raise DecryptionFailed("data after the last chunk or a cut length: the archive was altered")
            (size,) = struct.unpack(">I", size_bytes)
            if size > CHUNK + 16:
                raise DecryptionFailed("a chunk longer than any this format writes: the archive was altered")
            sealed = source.read(size)
            for last in (False, True):
                try:
                    out.write(aead.decrypt(_nonce(prefix, counter, last), sealed, header))
                except InvalidTag:
                    continue
                finished = last
                break
            else:
                raise DecryptionFailed(f"chunk {counter} does not decrypt: wrong key, or the archive was altered")
            counter += 1
        if not finished:
            raise DecryptionFailed("the archive ends before its last chunk: it was truncated")
