"""Fixtures for the compliance tests: one signing key and one good pack per run."""

from __future__ import annotations

import pytest
from compliance_factories import BuiltPack, build_good_pack
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compliance.signing import generate_key


@pytest.fixture(scope="session")
def signing_key() -> Ed25519PrivateKey:
    """One Ed25519 key for the whole run."""
    return generate_key()


@pytest.fixture(scope="session")
def good_pack(tmp_path_factory: pytest.TempPathFactory, signing_key: Ed25519PrivateKey) -> BuiltPack:
    """The reference pack, built once; tests copy it before changing anything."""
    return build_good_pack(tmp_path_factory.mktemp("pack") / "good.zip", signing_key)
