"""Names, limits and the manifest encoding shared by the pack builder and verifier / 资料包布局.

docs/pack-format.md describes the same layout for people.
"""

from __future__ import annotations

import re
from typing import Any

import rfc8785

FORMAT = "tuoyu-pack/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNATURE_ALG = "Ed25519"

SUMMARY_PDF = "summary.pdf"
CENTRE_JSON = "data/centre.json"
FINDINGS_JSON = "data/findings.json"
RULEBOOK_JSON = "data/rulebook.json"
AUDIT_HEAD = "audit/head.json"
AUDIT_ENTRIES = "audit/entries.jsonl"
ACCESS_LOG = "access/access_log.csv"
VERIFY_PAGE = "verify.html"

# data/<name>.json of a register must not collide with the fixed JSON files above.
RESERVED_REGISTER_NAMES = frozenset({"centre", "findings", "rulebook"})

_DRIVE = re.compile(r"^[A-Za-z]:")


def register_csv_path(name: str) -> str:
    """Path of a register's CSV inside the pack."""
    return f"registers/{name}.csv"


def register_json_path(name: str) -> str:
    """Path of a register's JSON inside the pack."""
    return f"data/{name}.json"


def public_key_path(key_id: str) -> str:
    """Path of the signing public key inside the pack."""
    return f"keys/{key_id}.pub"


def unsafe_path_reason(path: str) -> str | None:
    """Why ``path`` must not be extracted (absolute, ``..``, backslash, drive, control chars), or None."""
    if not path:
        return "empty name"
    if "\\" in path:
        return "backslash in name"
    if path.startswith("/"):
        return "absolute path"
    if _DRIVE.match(path):
        return "drive letter"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        return "control character in name"
    parts = path.split("/")
    if any(part in {"", ".", ".."} for part in parts):
        return "'..', '.' or empty path component"
    return None


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical bytes: the exact form that is signed and checked."""
    return rfc8785.dumps(value)
