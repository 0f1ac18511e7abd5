"""A mother on her phone (390×844): she logs in, lands on her children's home, opens her son's day, goes back to
yesterday's. Nothing scrolls sideways, every target is big enough; screenshots are kept in the test's tmp path."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from server.database import db
from tests.browser.page_watch import watch_for_errors
from tests.server.family.conftest import DAY
from tests.server.family.records import full_day, move_to
from tests.sessions import PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized page in Chinese that fails the test on a console error or a CSP violation."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    problems = watch_for_errors(context)
    page = context.new_page()
    yield page
    context.close()
    assert not problems, "the pages reported errors:\n" + "\n".join(problems)


def _let_go(family) -> int:  # type: ignore[no-untyped-def]
    """The child's id, then the test's transaction ended: on SQLite a reader would hold the live server's writes."""
    child_id = family.child.id
    db.session.commit()
    return child_id


def _fits_the_phone(page: Page) -> None:
    """No sideways scroll, and every link and button of the page's own content at least 44 px high."""
    width = page.evaluate("document.documentElement.scrollWidth")
    small = page.evaluate("""() => [...document.querySelectorAll(
        '.family a[role=button], .family button, .todo-item, .role-nav a')]
        .filter(e => e.getBoundingClientRect().height < 44).map(e => e.textContent.trim())""")
    assert (width, small) == (PHONE["width"], [])


def test_a_mother_reads_her_sons_day_and_yesterdays_on_her_phone(phone: Page, live_url, client, family, clock,
                                                                 tmp_path):
    full_day(family, client, clock)
    move_to(clock, 9, 0, DAY + timedelta(days=1))  # the next morning: he is not in yet
    child_id = _let_go(family)
    phone.goto(f"{live_url}/login")
    phone.get_by_label("用户名").fill("mum")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()

    expect(phone).to_have_url(f"{live_url}/centres/alpha/family")
    card = phone.locator(f'.child-card[data-child="{child_id}"]')
    expect(card.locator(".family-status")).to_contain_text("未入园")
    _fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "1-home.png"), full_page=True)

    card.get_by_role("button", name="查看王小明的一天").click()
    expect(phone.locator("#nothing-yet")).to_contain_text("今天还没有记录")
    _fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "2-today.png"), full_page=True)

    phone.locator("#previous-day").click()
    expect(phone).to_have_url(f"{live_url}/centres/alpha/family/children/{child_id}/day?on=2026-09-07")
    timeline = phone.locator("#timeline")
    expect(timeline.locator('[data-kind="arrival"]')).to_contain_text("由 母亲 李丽 送来")
    expect(timeline.locator('[data-kind="nap"]')).to_contain_text("12:30–14:45")
    expect(timeline.locator('[data-kind="departure"]')).to_contain_text("17:40")
    expect(phone.locator(".family-status")).to_contain_text("已离园")
    _fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "3-yesterday.png"), full_page=True)

    phone.locator("#next-day").click()
    expect(phone).to_have_url(f"{live_url}/centres/alpha/family/children/{child_id}/day")
    phone.locator("#home-link").click()
    expect(phone).to_have_url(f"{live_url}/centres/alpha/family")


def test_the_day_picker_opens_another_day(phone: Page, live_url, client, family, clock, tmp_path):
    full_day(family, client, clock)
    move_to(clock, 9, 0, DAY + timedelta(days=2))
    child_id = _let_go(family)
    phone.goto(f"{live_url}/login?next=/centres/alpha/family/children/{child_id}/day")
    phone.get_by_label("用户名").fill("mum")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.locator("#on").fill("2026-09-07")
    phone.get_by_role("button", name="查看", exact=True).click()
    expect(phone.locator('#timeline [data-kind="dose"]')).to_contain_text("布洛芬混悬液")
    _fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "picked-day.png"), full_page=True)
