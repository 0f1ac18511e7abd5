"""The printed card: ``TY1C:`` + base45(CBOR [1, centre, credential, person, serial, issued_at, expires_on, sig]).

Signed by the centre key; the server issues it, the kiosk verifies it (docs/qr-credential.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devices.wire.qr import (
    FORMAT_VERSION,
    MAX_ID,
    PERSON_ID_PATTERN,
    SIGNATURE_LENGTH,
    CredentialError,
    CredentialErrorCode,
    b45_text,
    check_id,
    require_aware,
)

CARD_PREFIX: Final = "TY1C:"
_EPOCH_DAY = date(1970, 1, 1)


@dataclass(frozen=True)
class CardPayload:
    """A printed card as read from its QR code; the signature is not checked yet."""

    version: int
    centre_id: int
    credential_id: int
    person_id: str
    serial: int
    issued_at: datetime
    expires_on: date
    signature: bytes = field(repr=False)

    def signed_message(self) -> bytes:
        """The bytes the centre key signed: ``"TY1C"`` + canonical CBOR of the seven fields."""
        return _card_message(self.version, self.centre_id, self.credential_id, self.person_id, self.serial,
                             self.issued_at, self.expires_on)


def issue_card(centre_key: Ed25519PrivateKey, *, centre_id: int, credential_id: int, person_id: str, serial: int,
               issued_at: datetime, expires_on: date) -> str:
    """The QR text of a printed card, signed by the centre key (the server calls this)."""
    require_aware(issued_at)
    if not PERSON_ID_PATTERN.fullmatch(person_id):
        raise ValueError(f"person_id {person_id!r} does not match {PERSON_ID_PATTERN.pattern}")
    fields = _card_fields(FORMAT_VERSION, centre_id, credential_id, person_id, serial, issued_at, expires_on)
    signature = centre_key.sign(b"TY1C" + cbor2.dumps(fields, canonical=True))
    return CARD_PREFIX + b45_text(cbor2.dumps([*fields, signature], canonical=True))


def card_from_items(items: list[int | str | bytes]) -> CardPayload:
    """The card in a decoded CBOR array, or :class:`CredentialError` saying what is wrong."""
    if len(items) != 8:
        raise CredentialError(CredentialErrorCode.MALFORMED, f"card has {len(items)} fields, not 8")
    version, centre_id, credential_id, person_id, serial, issued_s, expires_day, signature = items
    if isinstance(version, int) and version != FORMAT_VERSION:
        raise CredentialError(CredentialErrorCode.WRONG_VERSION, f"card layout version {version}")
    ints = [v for v in (version, centre_id, credential_id, serial, issued_s, expires_day)
            if isinstance(v, int) and v <= MAX_ID]
    if len(ints) != 6:
        raise CredentialError(CredentialErrorCode.MALFORMED, "card field is not an id")
    version, centre_id, credential_id, serial, issued_s, expires_day = ints
    if not isinstance(person_id, str) or not PERSON_ID_PATTERN.fullmatch(person_id):
        raise CredentialError(CredentialErrorCode.MALFORMED, "person id")
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_LENGTH:
        raise CredentialError(CredentialErrorCode.MALFORMED, "signature")
    try:
        issued_at = datetime.fromtimestamp(issued_s, UTC)
        expires_on = _EPOCH_DAY + timedelta(days=expires_day)
    except (OverflowError, ValueError, OSError):
        raise CredentialError(CredentialErrorCode.MALFORMED, "date out of range") from None
    return CardPayload(version, centre_id, credential_id, person_id, serial, issued_at, expires_on, signature)


def _card_fields(version: int, centre_id: int, credential_id: int, person_id: str, serial: int,
                 issued_at: datetime, expires_on: date) -> list[int | str]:
    return [
        check_id(version, "version"),
        check_id(centre_id, "centre_id"),
        check_id(credential_id, "credential_id"),
        person_id,
        check_id(serial, "serial"),
        check_id(int(issued_at.timestamp()), "issued_at"),
        check_id((expires_on - _EPOCH_DAY).days, "expires_on"),
    ]


def _card_message(version: int, centre_id: int, credential_id: int, person_id: str, serial: int,
                  issued_at: datetime, expires_on: date) -> bytes:
    fields = _card_fields(version, centre_id, credential_id, person_id, serial, issued_at, expires_on)
    return b"TY1C" + cbor2.dumps(fields, canonical=True)
