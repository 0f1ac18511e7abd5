"""Pack building: round trip through the verifier, and the pack opens in ordinary tools."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import rfc8785
from compliance_factories import PERIOD, REGISTERS, BuiltPack, build_good_pack
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from compliance.pack import pdf
from compliance.pack.verify import verify_pack

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None and os.environ.get("CI") != "true", reason="poppler-utils not installed"
)


def extract(pack: BuiltPack, target: Path) -> Path:
    with zipfile.ZipFile(pack.path) as zf:
        zf.extractall(target)
    return target


def test_good_pack_verifies_with_the_trusted_key(good_pack: BuiltPack) -> None:
    report = verify_pack(good_pack.path, trusted_keys=[good_pack.key.public_key()])
    assert (report.ok, report.problems, report.key_trust) == (True, [], "trusted")


def test_good_pack_without_a_trusted_key_passes_with_a_self_asserted_warning(good_pack: BuiltPack) -> None:
    report = verify_pack(good_pack.path)
    assert (report.ok, report.codes, report.key_trust) == (True, ["key_self_asserted"], "self-asserted")


def test_pack_holds_the_documented_files(good_pack: BuiltPack) -> None:
    with zipfile.ZipFile(good_pack.path) as zf:
        names = sorted(zf.namelist())
    key_id = good_pack.result.manifest["key_id"]
    assert names == sorted([
        "registers/出勤登记.csv", "registers/表6_班级卫生消毒检查记录表.csv",
        "data/出勤登记.json", "data/表6_班级卫生消毒检查记录表.json",
        "data/centre.json", "data/findings.json", "data/rulebook.json",
        "audit/head.json", "audit/entries.jsonl", "access/access_log.csv",
        f"keys/{key_id}.pub", "summary.pdf", "verify.html", "manifest.json", "manifest.sig",
    ])


def test_manifest_is_canonical_and_lists_every_other_file(good_pack: BuiltPack) -> None:
    with zipfile.ZipFile(good_pack.path) as zf:
        raw = zf.read("manifest.json")
        listed = {item["path"] for item in json.loads(raw)["files"]}
        others = set(zf.namelist()) - {"manifest.json", "manifest.sig"}
    assert (rfc8785.dumps(json.loads(raw)) == raw, listed == others) == (True, True)


def test_manifest_records_period_rulebook_and_key(good_pack: BuiltPack) -> None:
    manifest = good_pack.result.manifest
    assert (manifest["period"], manifest["rulebook"]["version"], manifest["generated_at"]) == (
        {"from": "2025-01-01", "to": "2025-03-31"}, good_pack.rulebook.version, "2025-04-01T02:00:00Z"
    )


def test_every_csv_parses_with_its_bom_and_header(good_pack: BuiltPack, tmp_path: Path) -> None:
    root = extract(good_pack, tmp_path)
    headers = {}
    for path in sorted(root.glob("**/*.csv")):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            headers[path.name] = next(csv.reader(handle))
    assert headers == {
        "access_log.csv": ["时间", "访问人", "角色", "操作", "访问对象", "目的"],
        "出勤登记.csv": ["幼儿编号", "班级", "日期", "出勤", "缺勤原因"],
        "表6_班级卫生消毒检查记录表.csv": ["日期", "通风次数", "紫外线消毒分钟", "检查时间", "检查人"],
    }


def test_register_row_counts_match_the_csv(good_pack: BuiltPack, tmp_path: Path) -> None:
    root = extract(good_pack, tmp_path)
    with (root / "registers/出勤登记.csv").open(encoding="utf-8-sig", newline="") as handle:
        lines = sum(1 for _ in csv.reader(handle)) - 1
    assert lines == good_pack.result.register_rows["出勤登记"] == 30 * PERIOD.days


def test_register_json_holds_the_same_records_as_the_csv(good_pack: BuiltPack) -> None:
    with zipfile.ZipFile(good_pack.path) as zf:
        records = json.loads(zf.read("data/出勤登记.json"))
        rows = list(csv.reader(io.StringIO(zf.read("registers/出勤登记.csv").decode("utf-8-sig"))))
    assert (len(records), records[0], rows[1]) == (
        len(rows) - 1,
        {"child_id": 0, "class_name": "小一班", "on": "2025-01-01", "present": True, "absence_reason": None},
        ["0", "小一班", "2025-01-01", "是", ""],
    )


def test_times_are_written_in_the_centres_time_zone(good_pack: BuiltPack) -> None:
    with zipfile.ZipFile(good_pack.path) as zf:
        record = json.loads(zf.read("data/表6_班级卫生消毒检查记录表.json"))[0]
        row = zf.read("registers/表6_班级卫生消毒检查记录表.csv").decode("utf-8-sig").splitlines()[1]
    assert (record["checked_at"], row.split(",")[3]) == ("2025-01-01T09:30:00+08:00", "2025-01-01 09:30:00")


def test_csv_cell_that_looks_like_a_formula_is_quoted(good_pack: BuiltPack) -> None:
    with zipfile.ZipFile(good_pack.path) as zf:
        row = zf.read("registers/表6_班级卫生消毒检查记录表.csv").decode("utf-8-sig").splitlines()[1]
    assert row.endswith(",'=王老师")


def test_audit_entries_are_canonical_json_lines(good_pack: BuiltPack) -> None:
    with zipfile.ZipFile(good_pack.path) as zf:
        lines = zf.read("audit/entries.jsonl").splitlines()
    assert [rfc8785.dumps(json.loads(line)) for line in lines] == lines


def test_findings_json_carries_sections_and_messages(good_pack: BuiltPack) -> None:
    with zipfile.ZipFile(good_pack.path) as zf:
        findings = json.loads(zf.read("data/findings.json"))
    assert {(f["rule_id"], f["responsibility"], f["inspection_area"]) for f in findings} == {
        ("class_size.tuoxiaoban", "quality_safety", "operations"),
        ("privacy.guardian_consent", "service", "operations"),
    }


@needs_poppler
def test_pdf_page_one_renders_with_ink(good_pack: BuiltPack, tmp_path: Path) -> None:
    root = extract(good_pack, tmp_path)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(root / "summary.pdf"), str(tmp_path / "page")],
        check=True,
    )
    [png] = list(tmp_path.glob("page*.png"))
    with Image.open(png) as image:
        dark = sum(image.convert("L").histogram()[:200])
    assert dark > 2000


@needs_poppler
def test_pdf_embeds_every_font(good_pack: BuiltPack, tmp_path: Path) -> None:
    root = extract(good_pack, tmp_path)
    out = subprocess.run(["pdffonts", str(root / "summary.pdf")], check=True, capture_output=True, text=True).stdout
    fonts = [line.split() for line in out.splitlines()[2:]]
    assert fonts and all("WenQuanYi" in font[0] and font[-5] == "yes" for font in fonts)


@needs_poppler
def test_pdf_text_is_chinese(good_pack: BuiltPack, tmp_path: Path) -> None:
    root = extract(good_pack, tmp_path)
    text = subprocess.run(
        ["pdftotext", "-layout", str(root / "summary.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "托育机构合规资料包" in text and "履约服务" in text


@needs_poppler
def test_pdf_falls_back_to_stsong_and_says_so(
    tmp_path: Path, signing_key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "DEFAULT_FONT", str(tmp_path / "no-such-font.ttc"))
    monkeypatch.delenv(pdf.FONT_ENV, raising=False)
    pack = build_good_pack(tmp_path / "fallback.zip", signing_key)
    root = extract(pack, tmp_path / "x")
    info = subprocess.run(["pdfinfo", str(root / "summary.pdf")], check=True, capture_output=True, text=True).stdout
    assert "font-fallback: STSong-Light" in info and pack.result.manifest["pdf_font"]["embedded"] is False


def test_same_inputs_give_the_same_bytes(tmp_path: Path, signing_key: Ed25519PrivateKey, good_pack: BuiltPack) -> None:
    again = build_good_pack(tmp_path / "again.zip", signing_key)
    assert again.path.read_bytes() == good_pack.path.read_bytes()


def test_progress_counts_up_to_its_total(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    calls: list[tuple[int, int | None, str]] = []
    counted = [
        dataclasses.replace(REGISTERS[0], count=lambda centre, period: 30 * period.days),
        dataclasses.replace(REGISTERS[1], count=lambda centre, period: period.days),
    ]
    build_good_pack(tmp_path / "p.zip", signing_key, registers=counted, progress=lambda *a: calls.append(a))
    dones = [done for done, _, _ in calls]
    assert (dones == sorted(dones), calls[-1][0], calls[-1][1]) == (True, calls[-1][1], 31 * PERIOD.days + 15)


def test_pack_streams_to_an_unseekable_output(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, chunk: object) -> int:
            view = memoryview(chunk)  # type: ignore[arg-type]
            self.data += view
            return len(view)

    pipe = Pipe()
    build_good_pack(tmp_path / "unused.zip", signing_key, output=pipe)
    path = tmp_path / "streamed.zip"
    path.write_bytes(bytes(pipe.data))
    assert verify_pack(path, trusted_keys=[signing_key.public_key()]).ok


def test_naive_generation_time_is_refused(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValueError, match="time zone"):
        build_good_pack(tmp_path / "p.zip", signing_key, generated_at=datetime(2025, 4, 1, 10, 0))


def test_key_id_of_another_key_is_refused(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValueError, match="does not belong"):
        build_good_pack(tmp_path / "p.zip", signing_key, key_id="0000000000000000")


def test_register_named_like_a_pack_file_is_refused(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    clash = dataclasses.replace(REGISTERS[0], name="findings")
    with pytest.raises(ValueError, match="reserved"):
        build_good_pack(tmp_path / "p.zip", signing_key, registers=[clash])
