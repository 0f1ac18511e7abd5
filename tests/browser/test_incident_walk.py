"""An injury report walked in a real browser (issue #17), by the screens alone, each person on their own device.

The caregiver, on the room's 10-inch tablet (1280×800), opens the injury register from the top bar, files a fall:
taps the child, the type, two regions on the body map (the left knee from the front, the right hand), what
happened and the first aid, the witness; saves, and signs with her password — the report is locked. The witness, a
colleague at the same tablet, signs with her kiosk PIN. The director, at her desk, sees the report on her dashboard
card and reviews it (the guardians are notified). The guardian, on her phone (390×844, touch), opens the notice,
reads the report with the body map and taps 我已知晓; the director's page then shows it acknowledged.

Every device fails the test on a console error, an uncaught exception or a CSP violation; the phone page must not
scroll sideways. Screenshots are kept in `tmp_path`, as the other walks keep theirs.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from server.attendance.models import Credential
from server.attendance.operations.credentials import issue_credential, set_pin
from server.auth.models import User
from server.centre.models import Centre
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.incidents.models import IncidentReport, IncidentReview, IncidentSignature
from server.notices.models import NoticeAcknowledgement
from server.people.models import Child, ChildContact, Contact, Staff
from tests.browser.parent_loop import DESKTOP, PHONE, TABLET, local, log_in, move_to, new_device, sideways_scroll
from tests.factories import SYSTEM

pytestmark = pytest.mark.browser
CODE = "demo"
WITNESS_PIN = "624180"
CAUSE = "在活动区奔跑时被积木绊倒，左膝和右手着地。"
FIRST_AID = "清水冲洗，碘伏消毒，冷敷10分钟；保健员检查无异常。"


@pytest.fixture
def clock_start() -> datetime:
    """The demo centre is set up at 07:30 on the Monday, before anyone arrives."""
    return local(7, 30)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The walk is about the browser: it runs once, on SQLite (the server tests run these routes on both)."""
    return sqlite_url


def _cast() -> tuple[tuple[int, str], str, tuple[int, str]]:
    """The demo parent's child, the demo caregiver's name, and a colleague as witness (given a kiosk PIN).

    Plain ids and names: an ORM object read after the commit would open a transaction in the test's thread, and
    SQLite's IMMEDIATE transactions would hold the database while the live server needs it.
    """
    parent = db.session.execute(select(User).where(User.username == "parent")).scalar_one()
    contact = db.session.execute(select(Contact).where(Contact.user_id == parent.id)).scalar_one()
    child_id = db.session.execute(select(ChildContact.child_id).where(
        ChildContact.contact_id == contact.id, ChildContact.is_guardian).order_by(ChildContact.child_id)).scalars().first()
    child = db.session.get(Child, child_id)
    carer = db.session.execute(select(User).where(User.username == "caregiver")).scalar_one()
    giver = db.session.execute(select(Staff).where(Staff.user_id == carer.id)).scalar_one()
    witness = db.session.execute(select(Staff).where(Staff.centre_id == giver.centre_id, Staff.id != giver.id,
                                                     Staff.left_on.is_(None)).order_by(Staff.id)).scalars().first()
    assert child is not None and witness is not None
    credential = db.session.execute(select(Credential).where(Credential.staff_id == witness.id)).scalars().first()
    if credential is None:
        centre = db.session.get(Centre, giver.centre_id)
        assert centre is not None
        credential = issue_credential(centre, staff=witness, expires_on=date(2027, 9, 1), actor=SYSTEM,
                                      now=local(7, 30))
    set_pin(credential, WITNESS_PIN, actor=SYSTEM, now=local(7, 30))
    cast = (child.id, child.name), giver.name, (witness.id, witness.name)
    db.session.commit()
    return cast


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"incident-{name}.png"), full_page=True)


def test_a_caregiver_files_an_injury_the_witness_signs_the_director_reviews_the_guardian_acknowledges(
        browser: Browser, live_server: str, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (child_id, child_name), giver_name, (witness_id, witness_name) = _cast()
    watched: list[list[str]] = []
    move_to(clock, 10, 5)

    # The caregiver's tablet: the register from the top bar, a new report, the body map.
    _, tablet = new_device(browser, TABLET, watched)
    log_in(tablet, live_server, "caregiver")
    tablet.get_by_role("link", name="伤害登记").first.click()
    tablet.locator("#new-report").click()
    tablet.locator(f"#child-{child_id}").check()
    tablet.locator("#type-fall").check()
    tablet.locator("#region-shape-left_knee_front").click()
    tablet.locator("#region-shape-right_hand_front").click()
    expect(tablet.locator("#region-left_knee_front")).to_be_checked()
    expect(tablet.locator("#region-shape-right_hand_front")).to_have_class("region hurt")
    tablet.locator("#place").fill("活动区")
    tablet.locator("#cause").fill(CAUSE)
    tablet.locator("#first_aid").fill(FIRST_AID)
    tablet.locator(f"#witness-{witness_id}").check()
    _shot(tablet, tmp_path, "01-tablet-form-body-map")
    tablet.locator("#save-draft").click()
    expect(tablet.locator("#report-title")).to_contain_text(child_name)
    tablet.locator("#reporter-password").fill(DEMO_PASSWORD)
    tablet.locator("#reporter-sign").click()
    expect(tablet.locator("#reporter-signed")).to_contain_text(giver_name)
    expect(tablet.locator("#locked")).to_be_visible()
    expect(tablet.locator("#edit-link")).to_have_count(0)

    # The witness, at the same tablet: her PIN.
    tablet.locator("#witness-pin").fill(WITNESS_PIN)
    tablet.locator("#witness-sign").click()
    expect(tablet.locator("#witness-signed")).to_contain_text(witness_name)
    _shot(tablet, tmp_path, "02-tablet-signed")
    report_id, regions = db.session.execute(select(IncidentReport.id, IncidentReport.body_regions)).one()
    db.session.rollback()  # SQLite: the test's read must not hold the database while the server writes
    assert sorted(regions) == ["left_knee_front", "right_hand_front"]

    # The director at her desk: the dashboard card, the review.
    move_to(clock, 10, 30)
    _, desk = new_device(browser, DESKTOP, watched)
    log_in(desk, live_server, "director")
    expect(desk.locator("#incidents-review")).to_have_text("1")
    desk.locator("#incidents-link").click()
    desk.locator(f'tr[data-report="{report_id}"] a').click()
    desk.locator("#review-note-input").fill("已核实经过，已电话告知家长。")
    desk.locator("#review-submit").click()
    expect(desk.locator("#reviewed")).to_be_visible()
    _shot(desk, tmp_path, "03-director-reviewed")

    # The guardian's phone: the notice, the report with the body map, 我已知晓.
    move_to(clock, 11, 0)
    _, phone = new_device(browser, PHONE, watched, phone=True)
    log_in(phone, live_server, "parent")
    phone.goto(f"{live_server}/centres/{CODE}/family/notices")
    phone.get_by_text("关于您孩子的一份伤害登记").first.click()
    phone.locator("#notice-link").click()
    expect(phone.locator("#f-cause")).to_have_text(CAUSE)
    expect(phone.locator("#region-shape-left_knee_front")).to_have_class("region hurt")
    assert sideways_scroll(phone) is None, sideways_scroll(phone)
    _shot(phone, tmp_path, "04-phone-report")
    phone.locator("#family-ack").click()
    expect(phone.locator("#family-acknowledged")).to_be_visible()
    _shot(phone, tmp_path, "05-phone-acknowledged")

    desk.reload()
    expect(desk.locator("#notice-state")).to_contain_text("已确认")
    db.session.expire_all()
    review = db.session.execute(select(IncidentReview)).scalar_one()
    assert db.session.execute(select(NoticeAcknowledgement).where(
        NoticeAcknowledgement.notice_id == review.notice_id)).scalar_one() is not None
    assert len(db.session.execute(select(IncidentSignature)).scalars().all()) == 2
    reported = [problem for problems in watched for problem in problems]
    assert not reported, "the pages reported errors:\n" + "\n".join(reported)
