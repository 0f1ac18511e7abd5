"""Each centre's pack-signing keys: kept as files outside the database, rotatable, public halves served."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from compliance.signing import KeySet, current_signing_key, init_keys, load_keyset, rotate_key
from server.centre.models import Centre


def key_dir(centre: Centre) -> Path:
    """KEYS_DIR/<centre code>: a database dump alone cannot forge a pack."""
    return Path(current_app.config["KEYS_DIR"]) / centre.code


def ensure_keys(centre: Centre, now: datetime) -> KeySet:
    """The centre's key set, created on first use (`tuoyu init` does it for every centre)."""
    return init_keys(key_dir(centre), now)


def rotate(centre: Centre, now: datetime) -> KeySet:
    """Retire the current key (kept for verifying old packs) and start a new one."""
    ensure_keys(centre, now)
    return rotate_key(key_dir(centre), now)


def signing_key(centre: Centre) -> tuple[str, Ed25519PrivateKey]:
    return current_signing_key(key_dir(centre))


def keyset(centre: Centre) -> KeySet | None:
    directory = key_dir(centre)
    return load_keyset(directory) if (directory / "keyset.json").exists() else None
