"""Medication through the parent loop: a caregiver types the request on the room tablet, the guardian signs it on
their phone, the caregiver gives the dose with a witness.

By the screens alone: the caregiver's request form (no signature on the tablet: the dose form cannot be reached
before the guardian signs), the guardian's phone (390×844) from the medication page to the request, a finger's
signature drawn on the pad with mouse moves, then the tablet again: the dose due, refused without a witness (the
reason in words), given once the witness taps their name and types their PIN. Screenshots are kept in `tmp_path`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from server.attendance.models import Credential
from server.attendance.operations.credentials import set_pin
from server.auth.models import User
from server.care.medication.models import MedicationConsent, MedicationDose, MedicationRequest
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.people.models import Child, ChildContact, Contact, Staff
from tests.browser.page_watch import watch_for_errors
from tests.factories import SYSTEM

PIN = "582046"
DRUG = "头孢克洛干混悬剂"


@pytest.fixture
def expected_console_errors() -> list[str]:
    """The refused dose answers 422 on purpose (the form shown again with the reasons)."""
    return ["status of 422"]


@dataclass(frozen=True)
class Cast:
    child_id: int
    child_name: str
    witness_id: int
    witness: str


def _cast(clock) -> Cast:  # type: ignore[no-untyped-def]
    """The demo parent's child, and a colleague of the demo caregiver who gets a PIN to witness with.

    Plain values, read before the commit (a row touched afterwards would hold SQLite's lock against the server).
    """
    parent = db.session.execute(select(User).where(User.username == "parent")).scalar_one()
    child = db.session.execute(
        select(Child).join(ChildContact, ChildContact.child_id == Child.id).join(Contact, Contact.id == ChildContact.contact_id)
        .where(Contact.user_id == parent.id, ChildContact.is_guardian.is_(True)).order_by(Child.id)).scalars().first()
    assert child is not None
    user = db.session.execute(select(User).where(User.username == "caregiver")).scalar_one()
    giver = db.session.execute(select(Staff).where(Staff.user_id == user.id)).scalar_one()
    colleague = db.session.execute(select(Staff).where(Staff.home_room_id == giver.home_room_id,
                                                       Staff.id != giver.id).order_by(Staff.id)).scalars().first()
    assert colleague is not None
    credential = db.session.execute(select(Credential).where(Credential.staff_id == colleague.id)).scalar_one()
    set_pin(credential, PIN, actor=SYSTEM, now=clock.now())
    cast = Cast(child.id, child.name, colleague.id, colleague.name)
    db.session.commit()
    return cast


def _log_in(page: Page, live_server: str, who: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(who)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#home-link")).to_be_visible()


def _sign(page: Page) -> None:
    """A finger's signature: a few strokes across the pad."""
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    for stroke in (((.1, .6), (.2, .3), (.3, .7), (.4, .35)), ((.5, .6), (.6, .3), (.7, .65), (.85, .4))):
        page.mouse.move(x + w * stroke[0][0], y + h * stroke[0][1])
        page.mouse.down()
        for fx, fy in stroke[1:]:
            page.mouse.move(x + w * fx, y + h * fy, steps=8)
        page.mouse.up()


def _read(statement):  # type: ignore[no-untyped-def]
    """Rows (plain values, never ORM objects a later attribute read would reload) the server's threads committed;
    the read's transaction ends at once (SQLite: no lock left held against the server's threads)."""
    db.session.rollback()
    try:
        return db.session.execute(statement).all()
    finally:
        db.session.rollback()


def test_a_request_from_the_tablet_signed_on_the_phone_then_given_with_a_witness(page: Page, browser: Browser,
                                                                                 live_server, clock, tmp_path,
                                                                                 expected_console_errors):
    cast = _cast(clock)
    _log_in(page, live_server, "caregiver")
    page.goto(f"{live_server}/medication/children/{cast.child_id}")
    expect(page.locator("#medication-title")).to_have_text("服药")

    # The caregiver types the bottle's label: a request, no signature on the tablet.
    page.locator("#new-request").click()
    expect(page.locator("#request-title")).to_have_text("喂药委托申请")
    expect(page.locator("#signature-pad")).to_have_count(0)
    page.get_by_label("药名").fill(DRUG)
    page.locator("#dose").fill("2.5")
    page.locator("#dose_unit").fill("ml")
    page.get_by_label("给药途径").fill("口服")
    page.locator("#time-1").fill("09:30")
    page.locator("#time-2").fill("15:00")
    page.screenshot(path=str(tmp_path / "medication-1-request.png"), full_page=True)
    page.locator("#request-submit").click()
    expect(page.locator(".flash")).to_have_text("申请已发出：请家长在手机上签字")
    waiting = page.locator("#request-list li[data-state='waiting']", has_text=DRUG)
    expect(waiting).to_contain_text("等待家长签字")
    expect(page.locator("#consents [data-consent]", has_text=DRUG)).to_have_count(0)  # nothing to give yet
    page.screenshot(path=str(tmp_path / "medication-2-waiting.png"), full_page=True)

    # The guardian, on their phone: the medication page, the request, a drawn signature.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                has_touch=True, device_scale_factor=2)
    problems = watch_for_errors(phone)
    mobile = phone.new_page()
    try:
        _log_in(mobile, live_server, "parent")
        mobile.goto(f"{live_server}/centres/demo/family/medication")
        expect(mobile.locator("#family-medication-title")).to_have_text("服药")
        mobile.locator("a.family-to-sign", has_text=DRUG).click()
        expect(mobile.locator("#sign-title")).to_have_text("喂药委托申请")
        expect(mobile.locator("#request-drug")).to_have_text(DRUG)
        mobile.screenshot(path=str(tmp_path / "medication-3-phone-request.png"), full_page=True)
        _sign(mobile)
        expect(mobile.locator("#signature-state")).to_have_text("已签名")
        assert mobile.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
        button = mobile.locator("#sign-submit").bounding_box()
        assert button is not None and button["height"] >= 44
        mobile.screenshot(path=str(tmp_path / "medication-4-phone-signed.png"), full_page=True)
        mobile.locator("#sign-submit").click()
        expect(mobile.locator(".flash")).to_have_text("已签字：委托即时生效")
        expect(mobile.locator(".family-card[data-consent]", has_text=DRUG)).to_be_visible()
        mobile.screenshot(path=str(tmp_path / "medication-5-phone-in-force.png"), full_page=True)
    finally:
        phone.close()
    assert not [p for p in problems if not any(e in p for e in expected_console_errors)], problems

    # The tablet again: the signed consent with its signature (the phone's pad), its doses due.
    page.goto(f"{live_server}/medication/children/{cast.child_id}")
    consent = page.locator("#consents article.med-consent", has_text=DRUG)
    expect(consent).to_contain_text("家长手机")
    signature = consent.locator("img.signature-image")
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=signature.element_handle())
    assert page.evaluate("(img) => img.naturalWidth", signature.element_handle()) == 700  # the phone pad's PNG
    page.screenshot(path=str(tmp_path / "medication-6-tablet-signed.png"), full_page=True)

    # A dose without a witness is refused, in words; nothing stored.
    page.locator("#due-list li", has_text=DRUG).locator("a.med-tap").first.click()
    expect(page.locator("#dose-title")).to_have_text("喂药")
    page.locator("#dose-submit").click()
    expect(page.locator("#refusals")).to_contain_text("无第二名工作人员见证")
    page.screenshot(path=str(tmp_path / "medication-7-refused.png"), full_page=True)

    # The witness taps their own name and types their PIN.
    page.locator(f"#witness-{cast.witness_id}").check()
    page.locator("#witness_pin").fill(PIN)
    page.locator("#dose-submit").click()
    expect(page.locator(".flash")).to_have_text("服药已记录")
    expect(page.locator("#dose-list tr[data-dose]", has_text=DRUG)).to_have_count(1)
    expect(page.locator("#dose-list")).to_contain_text(cast.witness)
    page.screenshot(path=str(tmp_path / "medication-8-given.png"), full_page=True)

    [(request_id,)] = _read(select(MedicationRequest.id).where(MedicationRequest.drug == DRUG))
    [(consent_id, signed_request, via)] = _read(select(MedicationConsent.id, MedicationConsent.request_id,
                                                       MedicationConsent.signed_via).where(MedicationConsent.drug == DRUG))
    assert (signed_request, str(via)) == (request_id, "phone")
    assert _read(select(MedicationDose.consent_id).where(MedicationDose.drug == DRUG)) == [(consent_id,)]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The walk is about the browser: it runs once, on SQLite (the server tests run these routes on both)."""
    return sqlite_url
