"""The browser reference code in docs/qr-credential.md makes phone codes the kiosk accepts (run in Node)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kiosk_factories import MOTHER, T0, make_document, make_kiosk

from devices.wire.keys import load_public_key
from devices.wire.phone import PhoneCodePayload
from devices.wire.roster import PhoneEnrolment
from devices.wire.scan import parse
from kiosk.verify import Method

DOC = Path(__file__).resolve().parents[2] / "docs" / "qr-credential.md"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js 20+ for WebCrypto Ed25519")

DRIVER = """
const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
const publicKey = Buffer.from(raw).toString("base64url");
const codes = [];
for (const [credentialId, nowMs] of JSON.parse(process.argv[2])) {
  codes.push(await phoneCode(keys.privateKey, credentialId, nowMs));
}
const enrolled = await enrolPhoneKey();
console.log(JSON.stringify({ publicKey, codes, enrolledKey: enrolled.publicKey }));
"""


def run_reference(cases: list[tuple[int, int]], tmp_path: Path) -> dict:  # type: ignore[type-arg]
    block = re.search(r"<!-- phone-code\.js -->\s*```js\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None, "the reference block is missing from docs/qr-credential.md"
    script = tmp_path / "phone-code.mjs"
    script.write_text(block.group(1) + DRIVER, encoding="utf-8")
    done = subprocess.run([NODE, str(script), json.dumps(cases)], capture_output=True, text=True, timeout=30,
                          check=True)
    return json.loads(done.stdout)


def test_browser_phone_code_is_accepted_by_the_kiosk(tmp_path: Path) -> None:
    out = run_reference([(MOTHER, int(T0.timestamp() * 1000))], tmp_path)
    document = make_document()
    mother = dataclasses.replace(document.credentials[0], phones=(PhoneEnrolment(9100, out["publicKey"]),))
    kiosk = make_kiosk(credentials=(mother, *document.credentials[1:]))
    verdict = kiosk.verifier.verify_scan(out["codes"][0])
    assert (verdict.accepted, verdict.method, verdict.enrolment) == (True, Method.PHONE, 9100)


@pytest.mark.parametrize("credential_id", [0, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**53 - 1])
def test_browser_cbor_matches_python_at_every_integer_width(credential_id: int, tmp_path: Path) -> None:
    at = datetime(2026, 9, 7, 1, 30, 29, tzinfo=UTC)
    out = run_reference([(credential_id, int(at.timestamp() * 1000))], tmp_path)
    payload = parse(out["codes"][0])
    assert isinstance(payload, PhoneCodePayload)
    assert (payload.credential_id, payload.step) == (credential_id, int(at.timestamp()) // 30)
    load_public_key(out["publicKey"]).verify(payload.signature, payload.signed_message())


def test_browser_enrolment_key_is_a_valid_roster_key(tmp_path: Path) -> None:
    out = run_reference([], tmp_path)
    assert len(out["enrolledKey"]) == 43
    load_public_key(out["enrolledKey"])
