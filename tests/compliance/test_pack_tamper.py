"""Every tamper case is caught by the offline verifier, with its own problem code."""

from __future__ import annotations

import base64
import json
import shutil
import stat
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from compliance_factories import BuiltPack, build_good_pack, rewrite_zip
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compliance.pack.layout import canonical_json
from compliance.pack.verify import verify_pack
from compliance.pack.verify_report import VerifyReport
from compliance.signing import KeyRecord, generate_key, key_id_for, public_key_pem

CSV = "registers/出勤登记.csv"
Entries = list[tuple[zipfile.ZipInfo, bytes]]


def verify(pack: BuiltPack, path: Path) -> VerifyReport:
    return verify_pack(path, trusted_keys=[pack.key.public_key()])


def changed(pack: BuiltPack, tmp_path: Path, change: Callable[[Entries], Entries]) -> Path:
    return rewrite_zip(pack.path, tmp_path / "tampered.zip", change)


def replace_entry(entries: Entries, name: str, data: bytes) -> Entries:
    return [(info, data if info.filename == name else body) for info, body in entries]


def test_untouched_copy_passes(good_pack: BuiltPack, tmp_path: Path) -> None:
    assert verify(good_pack, changed(good_pack, tmp_path, lambda entries: entries)).ok


def test_byte_flip_in_a_csv_is_a_hash_mismatch(good_pack: BuiltPack, tmp_path: Path) -> None:
    def flip(entries: Entries) -> Entries:
        body = next(b for i, b in entries if i.filename == CSV)
        return replace_entry(entries, CSV, body[:100] + bytes([body[100] ^ 1]) + body[101:])

    report = verify(good_pack, changed(good_pack, tmp_path, flip))
    assert [(p.code, p.path) for p in report.problems] == [("hash_mismatch", CSV)]


def test_byte_flip_in_the_raw_zip_is_caught(good_pack: BuiltPack, tmp_path: Path) -> None:
    path = tmp_path / "flipped.zip"
    data = bytearray(good_pack.path.read_bytes())
    with zipfile.ZipFile(good_pack.path) as zf:
        info = zf.getinfo(CSV)
    # Inside the compressed data of the first entry, past its local header.
    offset = info.header_offset + 30 + len(info.filename.encode()) + 20 + 200
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    report = verify(good_pack, path)
    assert not report.ok and {p.path for p in report.problems} == {CSV}


def test_appended_rows_are_a_size_and_hash_mismatch(good_pack: BuiltPack, tmp_path: Path) -> None:
    def append(entries: Entries) -> Entries:
        body = next(b for i, b in entries if i.filename == CSV)
        return replace_entry(entries, CSV, body + "99,小一班,2025-03-31,是,\r\n".encode())

    assert verify(good_pack, changed(good_pack, tmp_path, append)).codes == ["size_mismatch", "hash_mismatch"]


def test_missing_file_is_reported(good_pack: BuiltPack, tmp_path: Path) -> None:
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: [x for x in e if x[0].filename != CSV]))
    assert [(p.code, p.path) for p in report.problems] == [("missing_file", CSV)]


def test_extra_file_is_reported(good_pack: BuiltPack, tmp_path: Path) -> None:
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: [*e, (zipfile.ZipInfo("notes.txt"), b"hi")]))
    assert [(p.code, p.path) for p in report.problems] == [("extra_file", "notes.txt")]


def test_duplicate_entry_name_is_reported(good_pack: BuiltPack, tmp_path: Path) -> None:
    def duplicate(entries: Entries) -> Entries:
        return [*entries, (zipfile.ZipInfo(CSV), b"child,present\r\n")]

    report = verify(good_pack, changed(good_pack, tmp_path, duplicate))
    assert "duplicate_entry" in report.codes and not report.ok


def test_path_traversal_is_reported(good_pack: BuiltPack, tmp_path: Path) -> None:
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: [*e, (zipfile.ZipInfo("../evil.sh"), b"x")]))
    assert ("unsafe_path", "../evil.sh") in [(p.code, p.path) for p in report.problems]


def test_absolute_path_is_reported(good_pack: BuiltPack, tmp_path: Path) -> None:
    info = zipfile.ZipInfo("x")
    info.filename = "/etc/cron.d/evil"  # ZipInfo() strips a leading slash; an attacker's tool does not
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: [*e, (info, b"x")]))
    assert ("unsafe_path", "/etc/cron.d/evil") in [(p.code, p.path) for p in report.problems]


def test_backslash_path_is_reported(good_pack: BuiltPack, tmp_path: Path) -> None:
    info = zipfile.ZipInfo("x")
    info.filename = "..\\evil.bat"
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: [*e, (info, b"x")]))
    assert ("unsafe_path", "..\\evil.bat") in [(p.code, p.path) for p in report.problems]


def test_symlink_entry_is_reported(good_pack: BuiltPack, tmp_path: Path) -> None:
    info = zipfile.ZipInfo("data/link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: [*e, (info, b"/etc/passwd")]))
    assert ("unsafe_path", "data/link") in [(p.code, p.path) for p in report.problems]


def test_zip_bomb_entry_is_refused_unread(good_pack: BuiltPack, tmp_path: Path) -> None:
    bomb = zipfile.ZipInfo("data/zeros.bin")
    bomb.compress_type = zipfile.ZIP_DEFLATED
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: [*e, (bomb, bytes(64 << 20))]))
    assert ("oversize_entry", "data/zeros.bin") in [(p.code, p.path) for p in report.problems]


def test_entry_above_the_size_limit_is_refused(good_pack: BuiltPack) -> None:
    report = verify_pack(good_pack.path, trusted_keys=[good_pack.key.public_key()], max_entry_bytes=10_000)
    assert ("oversize_entry", CSV) in [(p.code, p.path) for p in report.problems]


def test_truncated_zip_is_corrupt(good_pack: BuiltPack, tmp_path: Path) -> None:
    path = tmp_path / "truncated.zip"
    path.write_bytes(good_pack.path.read_bytes()[:-200])
    assert verify(good_pack, path).codes == ["zip_corrupt"]


def test_file_that_is_not_a_zip_is_corrupt(good_pack: BuiltPack, tmp_path: Path) -> None:
    path = tmp_path / "pack.zip"
    path.write_text("这不是压缩包", encoding="utf-8")
    assert verify(good_pack, path).codes == ["zip_corrupt"]


def test_unparseable_manifest_is_reported(good_pack: BuiltPack, tmp_path: Path) -> None:
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: replace_entry(e, "manifest.json", b"{not json")))
    assert report.codes == ["manifest_unparseable", "bad_signature"]


def test_non_canonical_manifest_is_reported(good_pack: BuiltPack, tmp_path: Path) -> None:
    pretty = json.dumps(good_pack.result.manifest, indent=2, ensure_ascii=False).encode()
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: replace_entry(e, "manifest.json", pretty)))
    assert report.codes == ["manifest_not_canonical", "bad_signature"]


def test_edited_manifest_breaks_the_signature(good_pack: BuiltPack, tmp_path: Path) -> None:
    manifest = json.loads(json.dumps(good_pack.result.manifest))
    manifest["period"]["to"] = "2025-06-30"
    edited = canonical_json(manifest)
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: replace_entry(e, "manifest.json", edited)))
    assert report.codes == ["bad_signature"]


def test_missing_signature_is_reported(good_pack: BuiltPack, tmp_path: Path) -> None:
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: [x for x in e if x[0].filename != "manifest.sig"]))
    assert report.codes == ["signature_missing"]


def test_signature_over_other_bytes_is_bad(good_pack: BuiltPack, tmp_path: Path) -> None:
    sig = {
        "alg": "Ed25519",
        "key_id": good_pack.result.manifest["key_id"],
        "sig": base64.b64encode(good_pack.key.sign(b"another manifest")).decode(),
    }
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: replace_entry(e, "manifest.sig", canonical_json(sig))))
    assert report.codes == ["bad_signature"]


def test_unparseable_signature_is_reported(good_pack: BuiltPack, tmp_path: Path) -> None:
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: replace_entry(e, "manifest.sig", b"sig?")))
    assert report.codes == ["signature_unparseable"]


def test_pack_signed_by_a_key_that_is_not_trusted_is_refused(good_pack: BuiltPack, tmp_path: Path) -> None:
    report = verify_pack(good_pack.path, trusted_keys=[generate_key().public_key()])
    assert report.codes == ["unknown_key"]


def test_pack_resigned_by_an_attacker_is_refused_with_the_trusted_key(good_pack: BuiltPack, tmp_path: Path) -> None:
    attacker = generate_key()
    attacker_id = key_id_for(attacker.public_key())

    def resign(entries: Entries) -> Entries:
        kept = [(i, b) for i, b in entries if not i.filename.startswith("keys/") and not i.filename.startswith("manifest")]
        kept.append((zipfile.ZipInfo(f"keys/{attacker_id}.pub"), public_key_pem(attacker.public_key())))
        manifest = json.loads(json.dumps(good_pack.result.manifest))
        manifest["key_id"] = attacker_id
        manifest["files"] = [f for f in manifest["files"] if not f["path"].startswith("keys/")]
        body = canonical_json(manifest)
        sig = {"alg": "Ed25519", "key_id": attacker_id, "sig": base64.b64encode(attacker.sign(body)).decode()}
        return [*kept, (zipfile.ZipInfo("manifest.json"), body), (zipfile.ZipInfo("manifest.sig"), canonical_json(sig))]

    report = verify(good_pack, changed(good_pack, tmp_path, resign))
    assert "unknown_key" in report.codes and not report.ok


def test_pack_signed_after_its_key_was_retired_is_refused(good_pack: BuiltPack) -> None:
    retired = KeyRecord.from_public_key(good_pack.key.public_key())
    retired = KeyRecord(retired.key_id, retired.public_key, retired_at=datetime(2025, 3, 1, tzinfo=UTC))
    assert verify_pack(good_pack.path, trusted_keys=[retired]).codes == ["retired_key"]


def test_pack_signed_before_its_key_was_retired_passes(good_pack: BuiltPack) -> None:
    record = KeyRecord.from_public_key(good_pack.key.public_key())
    record = KeyRecord(record.key_id, record.public_key, retired_at=datetime(2025, 5, 1, tzinfo=UTC))
    assert verify_pack(good_pack.path, trusted_keys=[record]).ok


def test_files_from_another_pack_are_caught(
    good_pack: BuiltPack, tmp_path: Path, signing_key: Ed25519PrivateKey
) -> None:
    other = build_good_pack(tmp_path / "other.zip", signing_key, generator_version="tuoyu 0.1.1")
    with zipfile.ZipFile(other.path) as zf:
        other_pdf = zf.read("summary.pdf")
    report = verify(good_pack, changed(good_pack, tmp_path, lambda e: replace_entry(e, "summary.pdf", other_pdf)))
    assert ("hash_mismatch", "summary.pdf") in [(p.code, p.path) for p in report.problems]


def test_every_problem_is_reported_not_just_the_first(good_pack: BuiltPack, tmp_path: Path) -> None:
    def several(entries: Entries) -> Entries:
        entries = [x for x in entries if x[0].filename != "summary.pdf"]
        entries = replace_entry(entries, "data/centre.json", b"{}")
        return [*entries, (zipfile.ZipInfo("../x"), b"x")]

    report = verify(good_pack, changed(good_pack, tmp_path, several))
    assert sorted(report.codes) == ["extra_file", "hash_mismatch", "missing_file", "size_mismatch", "unsafe_path"]


def test_copy_on_disk_is_unchanged_by_verification(good_pack: BuiltPack, tmp_path: Path) -> None:
    copy = shutil.copy(good_pack.path, tmp_path / "copy.zip")
    before = Path(copy).read_bytes()
    verify(good_pack, Path(copy))
    assert Path(copy).read_bytes() == before
