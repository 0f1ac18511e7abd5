"""The parent's phone opens the pass, enrols its own key, and shows codes the door kiosk accepts."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hardware.clock import FakeClock
from hardware.qr import decode
from kiosk.roster import load_roster
from kiosk.verify import Method, ReplayCache, Verifier
from server.attendance.models import Credential, PhoneKey
from server.attendance.operations.roster import build_roster
from server.auth.models import User
from server.centre import keys
from server.centre.models import Centre
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.people.models import Contact

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def credential(live_server, clock) -> Credential:
    """The demo parent's credential (the demo seed issues one to every adult)."""
    user = db.session.execute(select(User).where(User.username == "parent")).scalar_one()
    contact = db.session.execute(select(Contact).where(Contact.user_id == user.id)).scalar_one()
    credential = db.session.execute(select(Credential).where(Credential.contact_id == contact.id)).scalar_one()
    db.session.commit()
    return credential


def _open_pass(page: Page, live_server: str, clock) -> None:
    # The phone's clock is the server's fake clock, so the code's step is the one the kiosk expects.
    page.clock.set_fixed_time(clock.now())
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/login?next=/pass")
    page.get_by_label("用户名").fill("parent")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#qr")).to_have_attribute("data-qr-text", re.compile(r"^TY1P:"))


def _phone_keys(credential: Credential) -> list[PhoneKey]:
    db.session.rollback()  # see the rows the live server committed
    return list(db.session.execute(select(PhoneKey).where(PhoneKey.credential_id == credential.id)).scalars())


def _kiosk(credential: Credential, clock) -> Verifier:
    centre = db.session.get(Centre, credential.centre_id)
    data, signature, _ = build_roster(centre, now=clock.now())
    _, centre_key = keys.signing_key(centre)
    roster = load_roster(data, signature, [centre_key.public_key()], centre_id=centre.id)
    return Verifier(roster, FakeClock(current=clock.now()), ReplayCache())


def test_the_pass_enrols_this_phone_and_its_code_is_accepted_by_the_kiosk(page: Page, live_server, clock,
                                                                           credential, tmp_path):
    _open_pass(page, live_server, clock)
    expect(page.get_by_role("heading", name="出示给门口终端")).to_be_visible()
    text = page.locator("#qr").get_attribute("data-qr-text")
    shown = decode(Image.open(io.BytesIO(page.locator("#qr").screenshot())))
    page.screenshot(path=str(tmp_path / "pass.png"), full_page=True)
    enrolled = _phone_keys(credential)
    verdict = _kiosk(credential, clock).verify_scan(text)
    assert (len(enrolled), shown, verdict.accepted, verdict.method, verdict.enrolment) == (
        1, [text], True, Method.PHONE, enrolled[0].id)


def test_reopening_the_pass_reuses_the_enrolled_key(page: Page, live_server, clock, credential):
    _open_pass(page, live_server, clock)
    page.reload()
    expect(page.locator("#qr")).to_have_attribute("data-qr-text", re.compile(r"^TY1P:"))
    assert (len(_phone_keys(credential)), page.locator("#pass").get_attribute("data-state")) == (1, "showing")


def test_the_installed_pass_still_opens_when_the_session_has_ended(page: Page, live_server, clock, credential):
    _open_pass(page, live_server, clock)
    expect(page.locator("#pass")).to_have_attribute("data-offline", "ready")
    page.context.clear_cookies()
    page.reload()
    expect(page.locator("#qr")).to_have_attribute("data-qr-text", re.compile(r"^TY1P:"))
    assert page.url.endswith("/pass")
