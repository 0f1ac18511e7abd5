"""A parent on a phone (390×844) writes to the class and answers the month's questionnaire by taps; a caregiver
sees the message as unread on the room's page. No horizontal scrolling, no console error, no CSP violation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from server.database import db
from server.families.models import Message, RatingResponse
from tests.browser.page_watch import watch_for_errors
from tests.serving import serving
from tests.sessions import PASSWORD

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1280, "height": 800}
pytestmark = pytest.mark.browser


@pytest.fixture
def clock_start() -> datetime:
    return datetime(2026, 9, 7, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def ids(world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The ids the pages need, read before the server runs (an SQLite read would hold its lock)."""
    values = {"child": world["kids"]["王小明"].id, "room": world["sun"].id}
    db.session.commit()
    return values


@pytest.fixture
def live(app, ids) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serving(app) as url:
        yield url


def _page(browser: Browser, viewport: dict[str, int], problems: list[list[str]]) -> Page:
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE,
                                  has_touch=viewport is PHONE)
    problems.append(watch_for_errors(context))
    return context.new_page()


def _log_in(page: Page, live: str, username: str, next_url: str) -> None:
    page.goto(f"{live}/login?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_parent_writes_to_the_class_and_rates_the_month_on_a_phone(browser, live, ids, tmp_path):
    problems: list[list[str]] = []
    phone = _page(browser, PHONE, problems)
    _log_in(phone, live, "mother", f"/centres/alpha/family/children/{ids['child']}/messages")
    expect(phone.locator("#no-messages")).to_be_visible()
    phone.get_by_placeholder("给老师留言").fill("孩子今天有点咳嗽，请多喝水")
    phone.get_by_role("button", name="发送").click()
    expect(phone.locator("#latest .text")).to_have_text("孩子今天有点咳嗽，请多喝水")
    phone.screenshot(path=str(tmp_path / "1-chat.png"), full_page=True)
    chat_fits = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    phone.goto(f"{live}/centres/alpha/family/survey")
    for key in ("safety", "care", "food", "communication", "hygiene"):
        phone.locator(f"#item-{key} .tap span", has_text="4").click()
    phone.screenshot(path=str(tmp_path / "2-survey.png"), full_page=True)
    phone.get_by_role("button", name="提交问卷").click()
    expect(phone.locator("#survey-done")).to_be_visible()
    survey_fits = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    tablet = _page(browser, TABLET, problems)
    _log_in(tablet, live, "carer", f"/centres/alpha/rooms/{ids['room']}/messages")
    tile = tablet.locator(f'a.thread-tile[data-child="{ids["child"]}"]')
    expect(tile).to_have_attribute("data-unread", "1")
    tablet.screenshot(path=str(tmp_path / "3-room.png"), full_page=True)
    for page in (phone, tablet):
        page.context.close()
    db.session.rollback()
    stored = (db.session.execute(select(Message.body)).scalars().all(),
              db.session.execute(select(RatingResponse.answers)).scalars().all())
    assert (chat_fits, survey_fits) == (True, True)
    assert stored == (["孩子今天有点咳嗽，请多喝水"], [dict.fromkeys(("safety", "care", "food", "communication",
                                                                     "hygiene"), 4)])
    assert [p for found in problems for p in found] == []
