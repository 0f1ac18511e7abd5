"""Signing keys: ids, files with safe modes, loading, rotation."""

from __future__ import annotations

import hashlib
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from compliance.signing import (
    generate_key,
    init_keys,
    key_id_for,
    load_keyset,
    load_private_key,
    load_public_key,
    public_key_b64,
    public_key_pem,
    raw_public_key,
    rotate_key,
    save_private_key,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = datetime(2025, 7, 1, tzinfo=UTC)


def test_key_id_is_the_first_16_hex_digits_of_sha256_of_the_raw_key() -> None:
    public = generate_key().public_key()
    assert key_id_for(public) == hashlib.sha256(raw_public_key(public)).hexdigest()[:16]


def test_saved_private_key_is_readable_by_owner_only(tmp_path: Path) -> None:
    path = save_private_key(generate_key(), tmp_path / "keys")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_saved_private_key_loads_back(tmp_path: Path) -> None:
    key = generate_key()
    loaded = load_private_key(save_private_key(key, tmp_path))
    assert raw_public_key(loaded.public_key()) == raw_public_key(key.public_key())


def test_saving_never_overwrites_a_key(tmp_path: Path) -> None:
    key = generate_key()
    save_private_key(key, tmp_path)
    with pytest.raises(FileExistsError):
        save_private_key(key, tmp_path)


def test_public_key_loads_from_pem() -> None:
    public = generate_key().public_key()
    assert key_id_for(load_public_key(public_key_pem(public))) == key_id_for(public)


def test_public_key_loads_from_raw_base64() -> None:
    public = generate_key().public_key()
    assert key_id_for(load_public_key(public_key_b64(public))) == key_id_for(public)


def test_public_key_of_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        load_public_key("AAAA")


def test_first_key_set_has_one_current_key(tmp_path: Path) -> None:
    keyset = init_keys(tmp_path, T0)
    assert [(r.key_id, r.retired_at) for r in keyset.keys] == [(keyset.current, None)]


def test_rotation_retires_the_previous_key_at_the_rotation_time(tmp_path: Path) -> None:
    first = init_keys(tmp_path, T0).current
    rotated = rotate_key(tmp_path, T1)
    assert (rotated.current != first, rotated.get(first).retired_at) == (True, T1)  # type: ignore[union-attr]


def test_rotated_key_set_reads_back_from_disk(tmp_path: Path) -> None:
    init_keys(tmp_path, T0)
    rotated = rotate_key(tmp_path, T1)
    assert load_keyset(tmp_path) == rotated
