"""Verify a compliance pack offline / 离线核验合规资料包.

Reports every problem it can find, not only the first: an inspector should
see at once that three files were changed and one was added. Needs only the
standard library, ``cryptography`` and ``rfc8785`` — no network, no database.

    python -m compliance.pack.verify PACK.zip [--key PUBKEY]
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import stat
import sys
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from compliance.pack.layout import (
    FORMAT,
    MANIFEST,
    SIGNATURE,
    SIGNATURE_ALG,
    canonical_json,
    public_key_path,
    unsafe_path_reason,
)
from compliance.pack.verify_report import Level, VerifyReport, make_problem
from compliance.signing import (
    KeyRecord,
    KeySet,
    key_id_for,
    load_public_key,
    trusted_records,
)

# Zip-bomb guards: a real centre-year is tens of MB; these limits leave two orders of magnitude.
MAX_ENTRY_BYTES = 2 << 30
MAX_TOTAL_BYTES = 8 << 30
MAX_RATIO = 500  # uncompressed / compressed, checked for entries above RATIO_FLOOR_BYTES
RATIO_FLOOR_BYTES = 8 << 20
MAX_MANIFEST_BYTES = 64 << 20
_MAX_SMALL_BYTES = 64 << 10  # signature and public key files
_CHUNK = 1 << 20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class _Limits:
    entry: int
    total: int
    ratio: int


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, report: VerifyReport) -> bytes | None:
    """Read a small entry whole, reporting (not raising) when it is too big or corrupt."""
    if info.file_size > limit:
        report.problems.append(make_problem("oversize_entry", info.filename, f"{info.file_size} bytes"))
        return None
    try:
        with zf.open(info) as handle:
            return handle.read(limit)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        report.problems.append(make_problem("entry_corrupt", info.filename, str(exc)[:120]))
        return None


def _hash_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with zf.open(info) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _check_entries(infos: Sequence[zipfile.ZipInfo], limits: _Limits, report: VerifyReport) -> set[str]:
    """Structural checks on the ZIP directory; returns names that must not be read."""
    blocked: set[str] = set()
    for name, count in Counter(info.filename for info in infos).items():
        if count > 1:
            report.problems.append(make_problem("duplicate_entry", name, f"×{count}"))
    total = 0
    for info in infos:
        reason = unsafe_path_reason(info.filename)
        if reason is None and _is_symlink(info):
            reason = "symbolic link"
        if reason is not None:
            report.problems.append(make_problem("unsafe_path", info.filename, reason))
            blocked.add(info.filename)
        total += info.file_size
        ratio_exceeded = (
            info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.ratio * max(info.compress_size, 1)
        )
        if info.file_size > limits.entry or ratio_exceeded:
            report.problems.append(make_problem("oversize_entry", info.filename, f"{info.file_size} bytes"))
            blocked.add(info.filename)
    if total > limits.total:
        report.problems.append(make_problem("oversize_entry", None, f"total {total} bytes"))
        blocked.update(info.filename for info in infos)
    return blocked


def _parse_manifest(raw: bytes, report: VerifyReport) -> dict[str, Any] | None:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.problems.append(make_problem("manifest_unparseable", MANIFEST, str(exc)[:120]))
        return None
    try:
        canonical = canonical_json(manifest)
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        canonical = b""
    if canonical != raw:
        report.problems.append(make_problem("manifest_not_canonical", MANIFEST))
    if not isinstance(manifest, dict):
        report.problems.append(make_problem("manifest_invalid", MANIFEST, "not an object"))
        return None
    problems = []
    if manifest.get("format") != FORMAT:
        problems.append(f"format is not {FORMAT}")
    if not isinstance(manifest.get("key_id"), str):
        problems.append("key_id")
    generated = manifest.get("generated_at")
    try:
        moment = datetime.fromisoformat(generated) if isinstance(generated, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        problems.append("generated_at")
    files = manifest.get("files")
    if not isinstance(files, list):
        problems.append("files")
    else:
        for index, item in enumerate(files):
            if not (
                isinstance(item, dict)
                and isinstance(item.get("path"), str)
                and isinstance(item.get("size"), int)
                and not isinstance(item.get("size"), bool)
                and item["size"] >= 0
                and isinstance(item.get("sha256"), str)
                and _SHA256.match(item["sha256"])
            ):
                problems.append(f"files[{index}]")
    for detail in problems:
        report.problems.append(make_problem("manifest_invalid", MANIFEST, detail))
    return manifest if not problems else None


def _parse_signature(raw: bytes, report: VerifyReport) -> tuple[str, bytes] | None:
    try:
        data = json.loads(raw.decode("utf-8"))
        key_id, alg, sig = data["key_id"], data["alg"], data["sig"]
        if not (isinstance(key_id, str) and isinstance(alg, str) and isinstance(sig, str)):
            raise TypeError("fields must be strings")
        signature = base64.b64decode(sig, validate=True)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, binascii.Error) as exc:
        report.problems.append(make_problem("signature_unparseable", SIGNATURE, str(exc)[:120]))
        return None
    if alg != SIGNATURE_ALG:
        report.problems.append(make_problem("signature_bad_alg", SIGNATURE, alg))
        return None
    return key_id, signature


def _resolve_key(
    zf: zipfile.ZipFile,
    entries: dict[str, zipfile.ZipInfo],
    key_id: str,
    manifest: dict[str, Any] | None,
    trusted: dict[str, KeyRecord] | None,
    report: VerifyReport,
) -> Ed25519PublicKey | None:
    if trusted is not None:
        record = trusted.get(key_id)
        if record is None:
            report.problems.append(make_problem("unknown_key", None, key_id))
            return None
        if record.retired_at is not None and manifest is not None:
            generated = datetime.fromisoformat(manifest["generated_at"])
            if not record.may_sign_at(generated):
                report.problems.append(make_problem("retired_key", None, f"{key_id} retired {record.retired_at.isoformat()}"))
                return None
        report.key_trust = "trusted"
        return record.public_key
    path = public_key_path(key_id)
    info = entries.get(path)
    if info is None or unsafe_path_reason(path) is not None:
        report.problems.append(make_problem("key_missing", path))
        return None
    raw = _read_small(zf, info, _MAX_SMALL_BYTES, report)
    if raw is None:
        return None
    try:
        public_key = load_public_key(raw)
    except ValueError as exc:
        report.problems.append(make_problem("key_missing", path, str(exc)[:120]))
        return None
    if key_id_for(public_key) != key_id:
        report.problems.append(make_problem("key_id_mismatch", path, "public key does not hash to its key id"))
        return None
    report.key_trust = "self-asserted"
    report.problems.append(make_problem("key_self_asserted", path, key_id))
    return public_key


def _check_files(
    zf: zipfile.ZipFile, infos: Sequence[zipfile.ZipInfo], manifest: dict[str, Any], blocked: set[str],
    report: VerifyReport,
) -> None:
    listed: dict[str, dict[str, Any]] = {}
    for item in manifest["files"]:
        path = item["path"]
        reason = unsafe_path_reason(path)
        if reason is not None:
            report.problems.append(make_problem("unsafe_path", path, f"manifest: {reason}"))
            continue
        if path in listed or path in {MANIFEST, SIGNATURE}:
            report.problems.append(make_problem("manifest_invalid", path, "listed twice"))
            continue
        listed[path] = item
    present = {info.filename for info in infos}
    for path in sorted(listed.keys() - present):
        report.problems.append(make_problem("missing_file", path))
    for name in sorted(present - listed.keys() - {MANIFEST, SIGNATURE}):
        report.problems.append(make_problem("extra_file", name))
    for info in infos:
        item = listed.get(info.filename)
        if item is None or info.filename in blocked:
            continue
        try:
            size, digest = _hash_entry(zf, info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            report.problems.append(make_problem("entry_corrupt", info.filename, str(exc)[:120]))
            continue
        report.files_checked += 1
        if size != item["size"]:
            report.problems.append(make_problem("size_mismatch", info.filename, f"{size} ≠ {item['size']}"))
        if digest != item["sha256"]:
            report.problems.append(make_problem("hash_mismatch", info.filename))


def verify_pack(
    path: str | Path,
    *,
    trusted_keys: KeySet | Iterable[KeyRecord | Ed25519PublicKey] | None = None,
    max_entry_bytes: int = MAX_ENTRY_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_ratio: int = MAX_RATIO,
) -> VerifyReport:
    """Check a pack's structure, manifest, signature and every file; report every problem found."""
    report = VerifyReport(path=str(path))
    trusted = trusted_records(trusted_keys) if trusted_keys is not None else None
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        report.problems.append(make_problem("file_unreadable", str(path), str(exc)))
        return report
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        report.problems.append(make_problem("zip_corrupt", None, str(exc)[:120]))
        return report
    with zf:
        infos = zf.infolist()
        blocked = _check_entries(infos, _Limits(max_entry_bytes, max_total_bytes, max_ratio), report)
        entries = {info.filename: info for info in infos}  # last one wins, as in most unzip tools

        manifest = None
        manifest_raw = None
        info = entries.get(MANIFEST)
        if info is None:
            report.problems.append(make_problem("manifest_missing", MANIFEST))
        elif MANIFEST not in blocked:
            manifest_raw = _read_small(zf, info, MAX_MANIFEST_BYTES, report)
            if manifest_raw is not None:
                manifest = _parse_manifest(manifest_raw, report)
        report.manifest = manifest

        signature = None
        info = entries.get(SIGNATURE)
        if info is None:
            report.problems.append(make_problem("signature_missing", SIGNATURE))
        elif SIGNATURE not in blocked:
            raw = _read_small(zf, info, _MAX_SMALL_BYTES, report)
            signature = _parse_signature(raw, report) if raw is not None else None

        if signature is not None:
            key_id, sig = signature
            report.key_id = key_id
            if manifest is not None and manifest["key_id"] != key_id:
                report.problems.append(make_problem("key_id_mismatch", SIGNATURE, f"{key_id} ≠ {manifest['key_id']}"))
            public_key = _resolve_key(zf, entries, key_id, manifest, trusted, report)
            if public_key is not None and manifest_raw is not None:
                try:
                    public_key.verify(sig, manifest_raw)
                except InvalidSignature:
                    report.problems.append(make_problem("bad_signature", SIGNATURE))

        if manifest is not None:
            _check_files(zf, infos, manifest, blocked, report)
    return report


def _load_trusted(paths: Sequence[str]) -> list[KeyRecord]:
    records: list[KeyRecord] = []
    for name in paths:
        text = Path(name).read_text(encoding="utf-8")
        if text.lstrip().startswith("{"):
            records.extend(KeySet.from_json(json.loads(text)).keys)
        else:
            records.append(KeyRecord.from_public_key(load_public_key(text)))
    return records


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: verify a pack, print every problem; exit 0 when it holds, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="tuoyu pack verify",
        description="核验合规资料包 / Verify a compliance pack offline.",
    )
    parser.add_argument("pack", help="资料包 ZIP / the pack ZIP file")
    parser.add_argument(
        "--key", action="append", default=[],
        help="受信任的公钥（PEM、base64 或 keyset.json），可多次给出 / trusted public key (PEM, base64 or keyset.json), repeatable",
    )
    parser.add_argument("--json", action="store_true", help="输出 JSON / print the report as JSON")
    args = parser.parse_args(argv)
    try:
        trusted = _load_trusted(args.key) if args.key else None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        print(f"ERROR bad_key: 无法读取公钥 / cannot read the key: {exc}", file=sys.stderr)
        return 1
    report = verify_pack(args.pack, trusted_keys=trusted)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return 0 if report.ok else 1
    for problem in report.problems:
        print(problem)
    if report.ok:
        trust = "受信任密钥 trusted key" if report.key_trust == "trusted" else "自带密钥 self-asserted key"
        print(f"通过 OK: {report.files_checked} 个文件核验一致 files verified; 签名 signed by {report.key_id} ({trust})")
        return 0
    errors = sum(1 for p in report.problems if p.level is Level.ERROR)
    print(f"未通过 FAILED: {errors} 个问题 problem(s)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
