"""The guardian's phone pass page, its manifest and service worker, and enrolment through the session."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devices.wire.keys import public_key_text
from server.attendance.operations.credentials import enroll_phone, issue_credential
from server.auth.roles import Role
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login
from tests.sessions import PASSWORD, log_in, page_csrf

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def family(app, clock):
    """A guardian account linked to a mother who has a credential for her son."""
    now = clock.now()
    centre = make_centre("alpha", now)
    child = make_child(centre, now, name="王小明")
    mum = make_login("mum", now, [(centre, Role.GUARDIAN)], password=PASSWORD)
    mother = make_contact(centre, now, name="李丽", user=mum.user)
    link(child, mother, now)
    credential = issue_credential(centre, contact=mother, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    return {"centre": centre, "child": child, "mother": mother, "credential": credential}


def _status(client, path: str) -> int:
    with client.get(path) as response:  # static files are streamed: close them
        return response.status_code


def _public_key() -> str:
    return public_key_text(Ed25519PrivateKey.generate().public_key())


def test_a_guardian_sees_the_pass_with_the_enrol_endpoint(client, family):
    log_in(client, "mum")
    response = client.get("/pass")
    html = response.get_data(as_text=True)
    cred = family["credential"].id
    assert (response.status_code, f'data-credential-id="{cred}"' in html,
            f'data-enrol-url="/api/v1/credentials/{cred}/phones"' in html, "出示给门口终端" in html,
            "王小明" in html) == (200, True, True, True, True)


def test_a_user_without_a_credential_gets_a_clear_404(client, family, clock):
    make_login("grandpa", clock.now(), [(family["centre"], Role.GUARDIAN)], password=PASSWORD)
    log_in(client, "grandpa")
    response = client.get("/pass")
    assert (response.status_code, "暂无接送码" in response.get_data(as_text=True)) == (404, True)


def test_a_revoked_credential_shows_no_pass(client, family, clock):
    family["credential"].revoked_at = clock.now()
    log_in(client, "mum")
    assert client.get("/pass").status_code == 404


def test_another_familys_credential_is_not_shown(client, family, clock):
    now = clock.now()
    neighbour = issue_credential(family["centre"], contact=make_contact(family["centre"], now, name="张三"),
                                 expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    log_in(client, "mum")
    assert client.get(f"/pass?credential={neighbour.id}").status_code == 404


def test_the_pass_needs_alog_in(client, family):
    response = client.get("/pass")
    assert (response.status_code, response.headers["Location"].startswith("/login")) == (302, True)


def test_the_page_lists_only_live_phone_enrolments(client, family, clock):
    now = clock.now()
    old = enroll_phone(family["credential"], _public_key(), actor=SYSTEM, now=now)
    live = enroll_phone(family["credential"], _public_key(), actor=SYSTEM, now=now)
    old.revoked_at = now
    log_in(client, "mum")
    assert f'data-phone-ids="{live.id}"' in client.get("/pass").get_data(as_text=True)


def test_the_page_enrols_with_the_session_cookie_and_its_csrf_token(client, family):
    log_in(client, "mum")
    token = page_csrf(client, "/pass")
    url = f"/api/v1/credentials/{family['credential'].id}/phones"
    without = client.post(url, json={"public_key": _public_key()})
    with_token = client.post(url, json={"public_key": _public_key()}, headers={"X-CSRFToken": token})
    assert (without.status_code, with_token.status_code) == (400, 201)


def test_the_manifest_installs_the_pass_under_its_chinese_name(client, family):
    response = client.get("/pass/manifest.webmanifest")
    manifest = response.get_json(force=True)
    icons = [_status(client, icon["src"]) for icon in manifest["icons"]]
    assert (response.mimetype, manifest["short_name"], manifest["start_url"], manifest["scope"], icons) == (
        "application/manifest+json", "接送码", "/pass", "/pass", [200, 200])


def test_the_service_worker_may_control_the_pass_and_caches_the_shell(client, family):
    response = client.get("/pass/sw.js")
    script = response.get_data(as_text=True)
    assets = re.findall(r'"(/static/attendance/[^"]+)"', script)
    assert (response.headers["Service-Worker-Allowed"], len(assets), {_status(client, a) for a in assets}) == (
        "/pass", 4, {200})


def test_the_pass_script_carries_the_documented_reference_code_unchanged():
    doc = (ROOT / "docs" / "qr-credential.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- phone-code\.js -->\s*```js\n(.*?)```", doc, re.S).group(1)
    assert block in (ROOT / "server" / "static" / "attendance" / "pass.js").read_text(encoding="utf-8")

