"""The verifier's command line: exit codes, one line per problem, trusted keys from files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from compliance_factories import BuiltPack

from compliance.pack.verify import main
from compliance.signing import KeyRecord, KeySet, public_key_b64, public_key_pem

ROOT = Path(__file__).resolve().parents[2]


def test_module_run_as_a_subprocess_exits_zero_for_a_good_pack(good_pack: BuiltPack, tmp_path: Path) -> None:
    key = tmp_path / "centre.pub"
    key.write_bytes(public_key_pem(good_pack.key.public_key()))
    done = subprocess.run(
        [sys.executable, "-m", "compliance.pack.verify", str(good_pack.path), "--key", str(key)],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", check=False,
    )
    assert (done.returncode, done.stdout.startswith("通过 OK")) == (0, True)


def test_main_exits_one_and_prints_each_problem(good_pack: BuiltPack, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "truncated.zip"
    path.write_bytes(good_pack.path.read_bytes()[:1000])
    code = main([str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert (code, lines[0].split(":")[0], lines[-1].startswith("未通过 FAILED")) == (1, "ERROR zip_corrupt", True)


def test_main_without_a_key_passes_with_a_warning(good_pack: BuiltPack, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([str(good_pack.path)])
    assert (code, capsys.readouterr().out.startswith("WARNING key_self_asserted")) == (0, True)


def test_main_accepts_a_raw_base64_key(good_pack: BuiltPack, tmp_path: Path) -> None:
    key = tmp_path / "centre.b64"
    key.write_text(public_key_b64(good_pack.key.public_key()) + "\n", encoding="ascii")
    assert main([str(good_pack.path), "--key", str(key)]) == 0


def test_main_accepts_a_keyset_file(good_pack: BuiltPack, tmp_path: Path) -> None:
    record = KeyRecord.from_public_key(good_pack.key.public_key())
    keyset = tmp_path / "keyset.json"
    keyset.write_text(json.dumps(KeySet(record.key_id, (record,)).to_json()), encoding="utf-8")
    assert main([str(good_pack.path), "--key", str(keyset)]) == 0


def test_main_json_report_lists_problems(good_pack: BuiltPack, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.pub"
    other.write_text("A" * 43 + "=", encoding="ascii")
    code = main([str(good_pack.path), "--key", str(other), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert (code, report["ok"], [p["code"] for p in report["problems"]]) == (1, False, ["unknown_key"])
