"""Reading a scanned text as a v1 credential (a card or a phone code), or a typed :class:`CredentialError`.

Decoding accepts only the exact CBOR subset we emit (one definite-length array of shortest-form unsigned
ints, text and byte strings), so the attack surface of a door kiosk reading anyone's QR code stays tiny.
Nothing here checks a signature: the verifier (``kiosk.verify``) holds the keys.
"""

from __future__ import annotations

import re

import base45  # type: ignore[import-untyped]

from devices.wire.card import CardPayload, card_from_items
from devices.wire.phone import PhoneCodePayload, phone_from_items
from devices.wire.qr import FORMAT_VERSION, MAX_TEXT_LENGTH, CredentialError, CredentialErrorCode

_FAMILY = re.compile(r"TY([0-9]{1,3})([A-Z]):")


def parse(text: str) -> CardPayload | PhoneCodePayload:
    """Read a scanned text as a v1 credential, or raise :class:`CredentialError` (never anything else)."""
    if not isinstance(text, str):
        raise CredentialError(CredentialErrorCode.NOT_OURS, "not text")
    text = text.strip()
    family = _FAMILY.match(text)
    if family is None:
        raise CredentialError(CredentialErrorCode.NOT_OURS)
    if family.group(1) != str(FORMAT_VERSION) or family.group(2) not in "CP":
        raise CredentialError(CredentialErrorCode.WRONG_VERSION, family.group(0))
    if len(text) > MAX_TEXT_LENGTH:
        raise CredentialError(CredentialErrorCode.MALFORMED, "too long")
    try:
        raw = base45.b45decode(text[family.end():])
    except (ValueError, TypeError, KeyError, IndexError):
        raise CredentialError(CredentialErrorCode.MALFORMED, "not base45") from None
    items = _decode_flat_array(raw)
    if family.group(2) == "C":
        return card_from_items(items)
    return phone_from_items(items)


def _decode_flat_array(data: bytes) -> list[int | str | bytes]:
    """Strictly decode the only CBOR we emit: one definite array of uint / tstr / bstr, shortest form, no tail."""

    def head(pos: int) -> tuple[int, int, int]:
        if pos >= len(data):
            raise CredentialError(CredentialErrorCode.MALFORMED, "truncated CBOR")
        initial = data[pos]
        major, info = initial >> 5, initial & 0x1F
        if info < 24:
            return major, info, pos + 1
        if info > 27:  # indefinite lengths and reserved values: never emitted by us
            raise CredentialError(CredentialErrorCode.MALFORMED, "indefinite or reserved CBOR")
        size = 1 << (info - 24)
        if pos + 1 + size > len(data):
            raise CredentialError(CredentialErrorCode.MALFORMED, "truncated CBOR")
        value = int.from_bytes(data[pos + 1:pos + 1 + size], "big")
        if value < (24 if size == 1 else 1 << (4 * size)):
            raise CredentialError(CredentialErrorCode.MALFORMED, "non-canonical CBOR")
        return major, value, pos + 1 + size

    major, count, pos = head(0)
    if major != 4 or count > 16:
        raise CredentialError(CredentialErrorCode.MALFORMED, "not a CBOR array")
    items: list[int | str | bytes] = []
    for _ in range(count):
        major, value, pos = head(pos)
        if major == 0:
            items.append(value)
        elif major in (2, 3):
            if pos + value > len(data):
                raise CredentialError(CredentialErrorCode.MALFORMED, "truncated CBOR")
            chunk = data[pos:pos + value]
            pos += value
            if major == 2:
                items.append(chunk)
            else:
                try:
                    items.append(chunk.decode("utf-8"))
                except UnicodeDecodeError:
                    raise CredentialError(CredentialErrorCode.MALFORMED, "bad UTF-8") from None
        else:
            raise CredentialError(CredentialErrorCode.MALFORMED, f"CBOR major type {major}")
    if pos != len(data):
        raise CredentialError(CredentialErrorCode.MALFORMED, "trailing bytes")
    return items

