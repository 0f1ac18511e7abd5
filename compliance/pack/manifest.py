"""The manifest (every file with its SHA-256) and its Ed25519 signature / 清单与签名.

Written last, after every other file is hashed: the signature over the
canonical manifest is what makes the whole pack tamper-evident.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compliance.pack.layout import FORMAT, MANIFEST, SIGNATURE, SIGNATURE_ALG, canonical_json
from compliance.pack.pdf import FontChoice
from compliance.pack.zip_writer import PackZipWriter
from compliance.period import Period
from compliance.records import CentreRecord
from compliance.rulebook.model import Rulebook


def manifest_for(writer: PackZipWriter, *, centre: CentreRecord, period: Period, generated_at: datetime,
                 generator_version: str, rulebook: Rulebook, key_id: str, font: FontChoice) -> dict[str, Any]:
    """The manifest of everything ``writer`` has written so far, files sorted by path."""
    return {
        "format": FORMAT,
        "centre": {"code": centre.code, "name": centre.name},
        "period": period.to_json(),
        "generated_at": generated_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "generator": {"name": "tuoyu", "version": generator_version},
        "rulebook": {"version": rulebook.version, "region": rulebook.region, "on": rulebook.on.isoformat()},
        "key_id": key_id,
        "pdf_font": {"file": font.path, "embedded": font.embedded},
        "files": sorted(writer.files, key=lambda f: f["path"]),
    }


def write_signed_manifest(writer: PackZipWriter, manifest: dict[str, Any], signing_key: Ed25519PrivateKey,
                          key_id: str) -> bytes:
    """Write the canonical manifest and its signature; returns the manifest bytes as signed."""
    manifest_bytes = canonical_json(manifest)
    signature = {
        "alg": SIGNATURE_ALG,
        "key_id": key_id,
        "sig": base64.b64encode(signing_key.sign(manifest_bytes)).decode("ascii"),
    }
    with writer.entry(MANIFEST) as sink:
        sink.write(manifest_bytes)
    with writer.entry(SIGNATURE) as sink:
        sink.write(canonical_json(signature))
    writer.tick(2, SIGNATURE)
    return manifest_bytes
