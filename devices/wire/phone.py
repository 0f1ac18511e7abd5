"""The rotating phone code: ``TY1P:`` + base45(CBOR [credential, step, sig]), a new step every 30 s.

Signed by the key enrolled for that phone over the 20 bytes ``"TY1P" || u64be(credential) || u64be(step)``,
which a browser can build without CBOR (docs/qr-credential.md).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devices.wire.qr import (
    MAX_ID,
    SIGNATURE_LENGTH,
    CredentialError,
    CredentialErrorCode,
    b45_text,
    check_id,
    require_aware,
)

PHONE_PREFIX: Final = "TY1P:"
STEP_SECONDS: Final = 30
"""A phone code changes every 30 s: step = floor(unix seconds / 30)."""


@dataclass(frozen=True)
class PhoneCodePayload:
    """A rotating phone code as read from its QR code; the signature is not checked yet."""

    credential_id: int
    step: int
    signature: bytes = field(repr=False)

    def signed_message(self) -> bytes:
        """The 20 bytes the phone key signed (see :func:`phone_message`)."""
        return phone_message(self.credential_id, self.step)


def time_step(at: datetime) -> int:
    """The phone-code step of an aware instant: floor(unix seconds / 30)."""
    require_aware(at)
    return int(at.timestamp()) // STEP_SECONDS


def phone_message(credential_id: int, step: int) -> bytes:
    """``b"TY1P" || uint64 big-endian credential id || uint64 big-endian step``: 20 bytes, easy in a browser."""
    return b"TY1P" + struct.pack(">QQ", check_id(credential_id, "credential_id"), check_id(step, "step"))


def phone_code(private_key: Ed25519PrivateKey, credential_id: int, at: datetime) -> str:
    """The QR text a phone shows at ``at`` (reference for the browser page, and for tests)."""
    step = time_step(at)
    signature = private_key.sign(phone_message(credential_id, step))
    return PHONE_PREFIX + b45_text(cbor2.dumps([credential_id, step, signature], canonical=True))


def phone_from_items(items: list[int | str | bytes]) -> PhoneCodePayload:
    """The phone code in a decoded CBOR array, or :class:`CredentialError` saying what is wrong."""
    if len(items) != 3:
        raise CredentialError(CredentialErrorCode.MALFORMED, f"phone code has {len(items)} fields, not 3")
    credential_id, step, signature = items
    if not (isinstance(credential_id, int) and isinstance(step, int) and credential_id <= MAX_ID and step <= MAX_ID):
        raise CredentialError(CredentialErrorCode.MALFORMED, "phone code field is not an id")
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_LENGTH:
        raise CredentialError(CredentialErrorCode.MALFORMED, "signature")
    return PhoneCodePayload(credential_id, step, signature)
