"""The weekly menu walked in a real browser (issue #18), by the screens alone, each person on their own device.

The kitchen (郑师傅), on the kitchen's 10-inch tablet, opens 带量食谱 from the top bar, writes Monday's lunch with an
egg dish, saves the draft and sees the allergy warning naming the demo parent's child (allergic to eggs) and her
class; publishes it to the families. The parent, on her phone (390×844, touch), opens 食谱 from the top bar: the
dish with egg is flagged with her child's allergy. The director publishes last month's 膳食费 at her desk; the parent
reads it on her phone.

Every device fails the test on a console error, an uncaught exception or a CSP violation; the phone pages must not
scroll sideways. Screenshots are kept in `tmp_path`, as the other walks keep theirs.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from server.auth.models import User
from server.database import db
from server.health.profile.operations import record_allergy
from server.meals.models import MealFeePublication, MenuVersion
from server.people.models import Child, ChildContact, Contact
from tests.browser.parent_loop import DESKTOP, PHONE, TABLET, local, log_in, move_to, new_device, sideways_scroll
from tests.factories import SYSTEM

pytestmark = pytest.mark.browser
CODE = "demo"
MONDAY = date(2026, 9, 7)


@pytest.fixture
def clock_start() -> datetime:
    """The demo centre is set up at 07:30 on the Monday, before anyone arrives."""
    return local(7, 30)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The walk is about the browser: it runs once, on SQLite (the server tests run these routes on both)."""
    return sqlite_url


def _parents_child() -> str:
    """The demo parent's first child, given an egg allergy by the 保健员; its name (plain: see the incident walk)."""
    parent = db.session.execute(select(User).where(User.username == "parent")).scalar_one()
    contact = db.session.execute(select(Contact).where(Contact.user_id == parent.id)).scalar_one()
    child_id = db.session.execute(select(ChildContact.child_id).where(
        ChildContact.contact_id == contact.id, ChildContact.is_guardian).order_by(ChildContact.child_id)).scalars().first()
    child = db.session.get(Child, child_id)
    assert child is not None
    record_allergy(child, allergen="eggs", severity="moderate", reaction="皮疹", recorded_on=date(2026, 9, 1),
                   actor=SYSTEM, now=local(7, 30), today=MONDAY)
    name = child.name
    db.session.commit()
    return name


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"meals-{name}.png"), full_page=True)


def test_the_kitchen_writes_and_publishes_the_week_and_a_parent_reads_it_on_her_phone(
        browser: Browser, live_server: str, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    child_name = _parents_child()
    watched: list[list[str]] = []
    move_to(clock, 8, 0)

    # The kitchen's tablet: 带量食谱 from the top bar, write Monday's lunch, save, see the warning, publish.
    _, tablet = new_device(browser, TABLET, watched)
    log_in(tablet, live_server, "kitchen")
    tablet.get_by_role("link", name="带量食谱").first.click()
    expect(tablet.locator("#menu-state")).to_contain_text("本周还没有食谱")
    tablet.locator("#edit-menu").click()
    tablet.locator(f"#cell-{MONDAY.isoformat()}-lunch").fill("番茄炒蛋：番茄 60，鸡蛋 25\n米饭：大米 50")
    tablet.locator(f"#cell-{MONDAY.isoformat()}-breakfast").fill("小米南瓜粥：小米 15，南瓜 20")
    tablet.locator("#cell-2026-09-08-afternoon_snack").fill("蒸红薯：红薯 60")
    _shot(tablet, tmp_path, "01-tablet-editor")
    tablet.locator("#save-draft").click()
    expect(tablet.locator("#allergy-warnings")).to_contain_text(child_name)
    expect(tablet.locator("#allergy-warnings")).to_contain_text("番茄炒蛋")
    expect(tablet.locator("#menu-state")).to_contain_text("尚未公布")
    _shot(tablet, tmp_path, "02-tablet-draft-warning")
    tablet.locator("#publish-menu").click()
    expect(tablet.locator("#menu-state")).to_contain_text("已公布第 1 版")
    _shot(tablet, tmp_path, "03-tablet-published")
    assert db.session.execute(select(MenuVersion.published_at)).scalar_one() is not None
    db.session.rollback()  # SQLite: the test's read must not hold the database while the server writes

    # The parent's phone: 食谱 from the top bar; her child's allergy flagged on the egg dish.
    move_to(clock, 8, 30)
    _, phone = new_device(browser, PHONE, watched, phone=True)
    log_in(phone, live_server, "parent")
    phone.goto(f"{live_server}/centres/{CODE}/family/menu")
    expect(phone.locator("#family-menu-title")).to_be_visible()
    flagged = phone.locator("li.meals-flagged")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("番茄炒蛋")
    expect(flagged).to_contain_text(child_name)
    assert sideways_scroll(phone) is None, sideways_scroll(phone)
    _shot(phone, tmp_path, "04-phone-menu")

    # The director publishes August's 膳食费; the parent reads it.
    move_to(clock, 9, 0)
    _, desk = new_device(browser, DESKTOP, watched)
    log_in(desk, live_server, "director")
    desk.get_by_role("link", name="膳食费").first.click()
    desk.locator("#month").fill("2026-08")
    desk.locator("#income").fill("60000")
    desk.locator("#spending").fill("58740")
    desk.locator("#publish-fees").click()
    expect(desk.locator('#fee-table tr[data-month="2026-08"]')).to_contain_text("2.10%")
    _shot(desk, tmp_path, "05-director-fees")
    phone.locator("#family-fees-link").click()
    expect(phone.locator('article[data-month="2026-08"]')).to_contain_text("58740.00")
    assert sideways_scroll(phone) is None, sideways_scroll(phone)
    _shot(phone, tmp_path, "06-phone-fees")
    assert db.session.execute(select(MealFeePublication.spending_fen)).scalar_one() == 5874000
    db.session.rollback()
    reported = [problem for problems in watched for problem in problems]
    assert not reported, "the pages reported errors:\n" + "\n".join(reported)
