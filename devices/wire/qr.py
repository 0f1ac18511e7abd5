"""What the QR credentials (card, phone code) and the roster share: ids, limits, errors, text encoding.

Version 1 of the formats is documented byte for byte in docs/qr-credential.md and docs/roster.md.
Payloads are ASCII in QR alphanumeric mode (pyzbar mangles binary): base45 of a small CBOR array.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Final

import base45  # type: ignore[import-untyped]

FORMAT_VERSION: Final = 1
MAX_ID: Final = 2**53 - 1
"""Ids, serials and steps stay below 2**53 so a browser can hold them in a Number."""
MAX_TEXT_LENGTH: Final = 512
"""Longer scans are not ours (a v1 card is ~140 characters); nothing longer is decoded."""
PERSON_ID_PATTERN: Final = re.compile(r"[a-z][a-z0-9_-]{0,31}")
"""Roster person ids: the server's suggestion is ``c<contact id>`` and ``s<staff id>``."""
SIGNATURE_LENGTH: Final = 64
"""An Ed25519 signature."""


class CredentialErrorCode(StrEnum):
    """Why a scanned text is not a credential we can read."""

    NOT_OURS = "not_ours"
    MALFORMED = "malformed"
    WRONG_VERSION = "wrong_version"


_ERROR_MESSAGES = {
    CredentialErrorCode.NOT_OURS: ("不是本系统的签到码", "not a check-in code of this system"),
    CredentialErrorCode.MALFORMED: ("签到码不完整或已损坏", "the check-in code is truncated or damaged"),
    CredentialErrorCode.WRONG_VERSION: ("签到码版本不受支持", "unsupported check-in code version"),
}


class CredentialError(ValueError):
    """A scanned text that is not a readable v1 credential, with a machine code and zh/en messages."""

    def __init__(self, code: CredentialErrorCode, detail: str = "") -> None:
        self.code = code
        self.message_zh, self.message_en = _ERROR_MESSAGES[code]
        self.detail = detail
        super().__init__(f"{code}: {self.message_en}" + (f" ({detail})" if detail else ""))


def b45_text(data: bytes) -> str:
    """``data`` as base45 text (QR alphanumeric mode)."""
    encoded: bytes = base45.b45encode(data)
    return encoded.decode("ascii")


def check_id(value: int, name: str) -> int:
    """``value`` if it is an id a browser can hold (0..2**53-1), else ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise ValueError(f"{name} must be an integer in 0..2**53-1, not {value!r}")
    return value


def is_id(value: object) -> bool:
    """True for an id a browser can hold (an int, not a bool, within 0..2**53-1)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def require_aware(at: datetime) -> None:
    """``ValueError`` for a naive datetime: every time in a credential is an aware UTC instant."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: credentials need aware UTC times")
