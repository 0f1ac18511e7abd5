"""Channel URLs hold secrets (a robot key, an SMTP password): sealed at rest, masked on screens, digested in audit.

The key is derived from the app's SECRET_KEY (HKDF-SHA256), so a database copy alone does not reveal them;
rotating SECRET_KEY means entering the channels again (docs/notifier.md).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"tuoyu.notices.channel-url.v1"


@dataclass(frozen=True)
class Sealer:
    """Seal and open channel URLs with a key derived from the app's secret."""

    secret_key: str

    def _fernet(self) -> Fernet:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(self.secret_key.encode())
        return Fernet(base64.urlsafe_b64encode(key))

    def seal(self, text: str) -> str:
        """The text encrypted (Fernet: AES with an HMAC), as URL-safe base64."""
        return self._fernet().encrypt(text.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The URL, or None when it was sealed under another SECRET_KEY (the channel must be entered again)."""
        try:
            return self._fernet().decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            return None


def url_digest(url: str) -> str:
    """What the audit keeps of a channel's URL: its SHA-256."""
    return hashlib.sha256(url.encode()).hexdigest()


def mask_url(url: str) -> str:
    """Scheme and host only, never credentials, keys, paths or queries: `wecombot://****`, `json://host:8080/…`."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return "****"
    scheme = parts.scheme or "?"
    # A host without a dot (a robot key, a token) is a secret; a name with dots or localhost is an address.
    shown = host if host and ("." in host or host == "localhost") else "****"
    if port and shown != "****":
        shown = f"{shown}:{port}"
    rest = "/…" if (parts.path.strip("/") or parts.query or parts.username) else ""
    return f"{scheme}://{shown}{rest}"[:200]
