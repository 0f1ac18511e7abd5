"""Ed25519 keys that sign compliance packs, and their rotation / 资料包签名密钥.

Private keys live as PEM files (mode 0600) in a directory of their own, outside
the database, so that a database dump never carries the signing key. The key
set (``keyset.json`` in the same directory) lists the current key and the
retired ones with their retirement time; verifiers trust a retired key only
for packs generated before it was retired.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

KEY_ID_HEX_DIGITS = 16
KEYSET_FILE = "keyset.json"


def generate_key() -> Ed25519PrivateKey:
    """A new Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_for(public_key: Ed25519PublicKey) -> str:
    """Key id: the first 16 hex digits of SHA-256 over the raw public key."""
    return hashlib.sha256(raw_public_key(public_key)).hexdigest()[:KEY_ID_HEX_DIGITS]


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """Full SHA-256 of the raw public key in groups of four hex digits, for reading aloud or printing."""
    digest = hashlib.sha256(raw_public_key(public_key)).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    """The public key as SubjectPublicKeyInfo PEM."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_b64(public_key: Ed25519PublicKey) -> str:
    """The raw public key in base64 (44 characters)."""
    return base64.b64encode(raw_public_key(public_key)).decode("ascii")


def load_public_key(data: bytes | str) -> Ed25519PublicKey:
    """A public key from PEM text or from the base64 of its 32 raw bytes."""
    text = data.decode("ascii", "replace") if isinstance(data, bytes) else data
    if "-----BEGIN" in text:
        key = serialization.load_pem_public_key(text.encode("ascii"))
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as exc:
        raise ValueError("public key is neither PEM nor base64") from exc
    if len(raw) != 32:
        raise ValueError(f"raw Ed25519 public key must be 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def save_private_key(private_key: Ed25519PrivateKey, directory: Path) -> Path:
    """Write ``<key_id>.pem`` (PKCS#8, mode 0600) into ``directory`` (created 0700); never overwrites."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"{key_id_for(private_key.public_key())}.pem"
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # O_EXCL: a second key can never silently replace a key that signed earlier packs.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read a PEM private key written by ``save_private_key``."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{path} does not hold an Ed25519 private key")
    return key


@dataclass(frozen=True)
class KeyRecord:
    """A public key with its id, creation time and, once rotated out, its retirement time."""

    key_id: str
    public_key: Ed25519PublicKey
    created_at: datetime | None = None
    retired_at: datetime | None = None

    @classmethod
    def from_public_key(cls, public_key: Ed25519PublicKey, created_at: datetime | None = None) -> KeyRecord:
        """A record for ``public_key`` with its derived key id."""
        return cls(key_id_for(public_key), public_key, created_at)

    def may_sign_at(self, moment: datetime) -> bool:
        """True when a signature made at ``moment`` is acceptable: not after retirement."""
        return self.retired_at is None or moment < self.retired_at

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {
            "key_id": self.key_id,
            "public_key": public_key_b64(self.public_key),
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeyRecord:
        """Parse ``to_json`` output, checking that the id matches the key."""
        public_key = load_public_key(data["public_key"])
        if key_id_for(public_key) != data["key_id"]:
            raise ValueError(f"key id {data['key_id']} does not match its public key")
        created, retired = data.get("created_at"), data.get("retired_at")
        return cls(
            key_id=data["key_id"],
            public_key=public_key,
            created_at=_aware(datetime.fromisoformat(created)) if created else None,
            retired_at=_aware(datetime.fromisoformat(retired)) if retired else None,
        )


@dataclass(frozen=True)
class KeySet:
    """The current signing key and every retired one."""

    current: str
    keys: tuple[KeyRecord, ...]

    def get(self, key_id: str) -> KeyRecord | None:
        """The record for ``key_id``, or None."""
        return next((record for record in self.keys if record.key_id == key_id), None)

    def rotated(self, new: KeyRecord, at: datetime) -> KeySet:
        """A key set where ``new`` is current and the previous current key is retired at ``at``."""
        keys = tuple(replace(r, retired_at=at) if r.key_id == self.current else r for r in self.keys)
        return KeySet(current=new.key_id, keys=keys + (new,))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {"current": self.current, "keys": [record.to_json() for record in self.keys]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeySet:
        """Parse ``to_json`` output."""
        keys = tuple(KeyRecord.from_json(item) for item in data["keys"])
        if not any(record.key_id == data["current"] for record in keys):
            raise ValueError("the current key is not in the key set")
        return cls(current=data["current"], keys=keys)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without time zone: {moment.isoformat()}")
    return moment


def _write_keyset(directory: Path, keyset: KeySet) -> None:
    # Write then rename, so a crash never leaves a half-written key set behind.
    tmp = directory / (KEYSET_FILE + ".tmp")
    tmp.write_text(json.dumps(keyset.to_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, directory / KEYSET_FILE)


def load_keyset(directory: Path) -> KeySet:
    """Read ``keyset.json`` from the key directory."""
    return KeySet.from_json(json.loads((directory / KEYSET_FILE).read_text(encoding="utf-8")))


def init_keys(directory: Path, now: datetime) -> KeySet:
    """Create the first signing key in ``directory`` unless a key set already exists there."""
    if (directory / KEYSET_FILE).exists():
        return load_keyset(directory)
    key = generate_key()
    save_private_key(key, directory)
    record = KeyRecord.from_public_key(key.public_key(), _aware(now))
    keyset = KeySet(current=record.key_id, keys=(record,))
    _write_keyset(directory, keyset)
    return keyset


def rotate_key(directory: Path, now: datetime) -> KeySet:
    """Make a new current key and retire the previous one at ``now``."""
    keyset = load_keyset(directory)
    key = generate_key()
    save_private_key(key, directory)
    keyset = keyset.rotated(KeyRecord.from_public_key(key.public_key(), _aware(now)), _aware(now))
    _write_keyset(directory, keyset)
    return keyset


def current_signing_key(directory: Path) -> tuple[str, Ed25519PrivateKey]:
    """The key id and private key that sign new packs."""
    keyset = load_keyset(directory)
    return keyset.current, load_private_key(directory / f"{keyset.current}.pem")


def trusted_records(keys: KeySet | Iterable[KeyRecord | Ed25519PublicKey]) -> dict[str, KeyRecord]:
    """Index trusted keys by id; bare public keys are trusted with no retirement."""
    items = keys.keys if isinstance(keys, KeySet) else keys
    records: dict[str, KeyRecord] = {}
    for item in items:
        if isinstance(item, KeyRecord):
            records[item.key_id] = item
        else:
            record = KeyRecord.from_public_key(item)
            records[record.key_id] = record
    return records
