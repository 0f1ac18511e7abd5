"""Build a signed compliance pack as a streamed ZIP / 生成合规资料包.

The order of the files is the order of the work: registers first (their row
counts go into the summary), then the fixed JSON files, the audit trail, the
access log, the public key, the offline verifier page ``verify.html`` and the
PDF summary; the manifest, which hashes all of them, and its signature come
last. Each step lives in its own module:
``row_files`` (registers, access log, audit entries), ``summary``, ``manifest``
and ``zip_writer``.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compliance.findings import Finding
from compliance.pack.cells import Cells
from compliance.pack.layout import (
    AUDIT_HEAD,
    CENTRE_JSON,
    FINDINGS_JSON,
    RESERVED_REGISTER_NAMES,
    RULEBOOK_JSON,
    SUMMARY_PDF,
    VERIFY_PAGE,
    public_key_path,
)
from compliance.pack.manifest import manifest_for, write_signed_manifest
from compliance.pack.pdf import KeyFigure, render_summary_pdf
from compliance.pack.row_files import write_access_log, write_audit_entries, write_register
from compliance.pack.summary import centre_json, summary_data
from compliance.pack.verify_page import verify_page_html
from compliance.pack.zip_writer import PackZipWriter, Progress
from compliance.period import Period
from compliance.records import AccessLogEntry, CentreRecord
from compliance.registers import RegisterSource
from compliance.rulebook.model import Rulebook
from compliance.signing import key_id_for, public_key_pem

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")  # China keeps no DST: a fixed offset is exact


@dataclass(frozen=True)
class PackResult:
    """What was written: the manifest (as signed), its SHA-256 and row counts per register."""

    manifest: dict[str, Any]
    manifest_sha256: str
    register_rows: dict[str, int]


def _check_inputs(registers: Sequence[RegisterSource], signing_key: Ed25519PrivateKey, key_id: str,
                  generated_at: datetime) -> None:
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must carry a time zone")
    if key_id_for(signing_key.public_key()) != key_id:
        raise ValueError(f"key_id {key_id!r} does not belong to the signing key")
    names = [source.name for source in registers]
    if len(set(names)) != len(names):
        raise ValueError("two registers share a name")
    reserved = RESERVED_REGISTER_NAMES.intersection(names)
    if reserved:
        raise ValueError(f"register names reserved for pack files: {sorted(reserved)}")


def _expected_work(registers: Sequence[RegisterSource], centre: CentreRecord, period: Period) -> int | None:
    """Units of progress the pack will take, or None when a register cannot count its rows in advance."""
    if not registers or not all(source.count is not None for source in registers):
        return None
    # Rows plus one tick per file: registers twice (CSV, JSON), then the eleven fixed files.
    return sum(source.count(centre, period) for source in registers if source.count) + 2 * len(registers) + 11


def build_pack(
    output: BinaryIO,
    *,
    centre: CentreRecord,
    period: Period,
    registers: Sequence[RegisterSource],
    findings: Sequence[Finding],
    rulebook: Rulebook,
    audit_head: Mapping[str, Any],
    audit_entries: Iterable[Mapping[str, Any]],
    access_log: Iterable[AccessLogEntry | Mapping[str, Any]],
    signing_key: Ed25519PrivateKey,
    key_id: str,
    generated_at: datetime,
    generator_version: str,
    progress: Progress | None = None,
    statistics: Sequence[KeyFigure] = (),
    font_path: str | None = None,
    tz: tzinfo = CHINA_TZ,
) -> PackResult:
    """Write a signed pack to ``output`` (any writable binary file, seekable or not)."""
    _check_inputs(registers, signing_key, key_id, generated_at)
    cells = Cells(tz)
    total = _expected_work(registers, centre, period)
    rows: dict[str, int] = {}
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        writer = PackZipWriter(zf, generated_at.astimezone(tz), progress, total)
        for source in registers:
            rows[source.name] = write_register(writer, source, centre, period, cells)
        writer.write_json(CENTRE_JSON, centre_json(centre))
        writer.write_json(FINDINGS_JSON, [finding.to_json() for finding in findings])
        writer.write_json(RULEBOOK_JSON, rulebook.to_json())
        writer.write_json(AUDIT_HEAD, dict(audit_head))
        write_audit_entries(writer, audit_entries)
        write_access_log(writer, access_log, cells)
        public_key = signing_key.public_key()
        writer.write_bytes(public_key_path(key_id), public_key_pem(public_key))
        writer.write_bytes(VERIFY_PAGE, verify_page_html())
        summary = summary_data(
            centre=centre, period=period, generated_at=generated_at, tz=tz, generator_version=generator_version,
            rulebook=rulebook, key_id=key_id, public_key=public_key, findings=findings, registers=registers,
            rows=rows, statistics=statistics,
        )
        pdf, font = render_summary_pdf(summary, font_path=font_path)
        writer.write_bytes(SUMMARY_PDF, pdf)
        manifest = manifest_for(writer, centre=centre, period=period, generated_at=generated_at,
                                generator_version=generator_version, rulebook=rulebook, key_id=key_id, font=font)
        manifest_bytes = write_signed_manifest(writer, manifest, signing_key, key_id)
    return PackResult(manifest, hashlib.sha256(manifest_bytes).hexdigest(), rows)
