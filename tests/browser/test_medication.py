"""A guardian signs a medication consent on the room tablet, and a caregiver gives the dose with a witness.

By the screens alone from the child's medication page: the consent form with the drawn signature (a finger's
strokes on the canvas, sent as a PNG), the dose form refusing a dose without a witness (the reason in words),
then the witness taps their name and types their PIN. Screenshots are kept in `tmp_path`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from server.attendance.models import Credential
from server.attendance.operations.credentials import set_pin
from server.auth.models import User
from server.care.medication.consents import guardians_of
from server.care.medication.models import MedicationConsent, MedicationDose
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.people.models import Child, Staff
from tests.factories import SYSTEM

PIN = "582046"


@pytest.fixture
def expected_console_errors() -> list[str]:
    """The refused dose answers 422 on purpose (the form shown again with the reasons)."""
    return ["status of 422"]


@dataclass(frozen=True)
class Cast:
    child_id: int
    child_name: str
    guardian: str
    witness_id: int
    witness: str


def _cast(clock) -> Cast:  # type: ignore[no-untyped-def]
    """The demo caregiver's class: a child with a guardian, and a colleague who gets a PIN to witness with.

    Plain values, read before the commit (a row touched afterwards would hold SQLite's lock against the server).
    """
    user = db.session.execute(select(User).where(User.username == "caregiver")).scalar_one()
    giver = db.session.execute(select(Staff).where(Staff.user_id == user.id)).scalar_one()
    colleague = db.session.execute(select(Staff).where(Staff.home_room_id == giver.home_room_id,
                                                       Staff.id != giver.id).order_by(Staff.id)).scalars().first()
    assert colleague is not None
    credential = db.session.execute(select(Credential).where(Credential.staff_id == colleague.id)).scalar_one()
    set_pin(credential, PIN, actor=SYSTEM, now=clock.now())
    child = next(c for c in db.session.execute(select(Child).where(Child.room_id == giver.home_room_id)
                                               .order_by(Child.id)).scalars() if guardians_of(c))
    cast = Cast(child.id, child.name, guardians_of(child)[0].name, colleague.id, colleague.name)
    db.session.commit()
    return cast


def _log_in(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("caregiver")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#home-link")).to_be_visible()


def _sign(page: Page) -> None:
    """A finger's signature: a few strokes across the pad."""
    box = page.locator("#signature-pad").bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    for stroke in (((.1, .6), (.2, .3), (.3, .7), (.4, .35)), ((.5, .6), (.6, .3), (.7, .65), (.85, .4))):
        page.mouse.move(x + w * stroke[0][0], y + h * stroke[0][1])
        page.mouse.down()
        for fx, fy in stroke[1:]:
            page.mouse.move(x + w * fx, y + h * fy, steps=8)
        page.mouse.up()


def test_a_guardian_signs_and_a_caregiver_gives_the_dose_with_a_witness(page: Page, live_server, clock, tmp_path):
    cast = _cast(clock)
    _log_in(page, live_server)
    page.goto(f"{live_server}/medication/children/{cast.child_id}")
    expect(page.locator("#medication-title")).to_have_text("服药")

    # The guardian signs the consent on the tablet.
    page.locator("#new-consent").click()
    expect(page.locator("#consent-title")).to_have_text("委托服药单")
    page.get_by_label("药名").fill("布洛芬混悬液")
    page.locator("#dose").fill("2.5")
    page.locator("#dose_unit").fill("ml")
    page.get_by_label("给药途径").fill("口服")
    page.locator("#time-1").fill("09:30")
    page.locator("#time-2").fill("15:00")
    page.get_by_label(cast.guardian).check()
    _sign(page)
    expect(page.locator("#signature-state")).to_have_text("已签名")
    page.screenshot(path=str(tmp_path / "medication-1-consent-signed.png"), full_page=True)
    page.locator("#consent-submit").click()

    # The child's page: the consent with its signature, 09:30 due.
    expect(page.locator(".flash")).to_have_text("委托单已保存")
    expect(page.locator("#due-list li[data-given='no']")).to_have_count(2)
    signature = page.locator("#consents img.signature-image").first
    expect(signature).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=signature.element_handle())
    assert page.evaluate("(img) => img.naturalWidth", signature.element_handle()) == 800  # the pad's PNG
    page.screenshot(path=str(tmp_path / "medication-2-child.png"), full_page=True)

    # A dose without a witness is refused, in words; nothing stored.
    page.locator("#due-list a.med-tap").first.click()
    expect(page.locator("#dose-title")).to_have_text("喂药")
    page.locator("#dose-submit").click()
    expect(page.locator("#refusals")).to_contain_text("无第二名工作人员见证")
    page.screenshot(path=str(tmp_path / "medication-3-refused.png"), full_page=True)

    # The witness taps their own name and types their PIN.
    page.locator(f"#witness-{cast.witness_id}").check()
    page.locator("#witness_pin").fill(PIN)
    page.screenshot(path=str(tmp_path / "medication-4-witness.png"), full_page=True)
    page.locator("#dose-submit").click()
    expect(page.locator(".flash")).to_have_text("服药已记录")
    expect(page.locator("#dose-list tr[data-dose]")).to_have_count(1)
    expect(page.locator("#dose-list")).to_contain_text(cast.witness)
    expect(page.locator("#due-list li[data-given='yes']")).to_have_count(1)
    page.screenshot(path=str(tmp_path / "medication-5-given.png"), full_page=True)

    # Every target a finger taps is at least 48 px high.
    for selector in ("#due-list a.med-tap", "#new-consent"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["height"] >= 48, selector
    db.session.rollback()
    assert db.session.execute(select(MedicationConsent)).scalars().all()
    assert len(db.session.execute(select(MedicationDose)).scalars().all()) == 1


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The walk is about the browser: it runs once, on SQLite (the server tests run these routes on both)."""
    return sqlite_url
