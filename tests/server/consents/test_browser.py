"""A parent on a phone (390×844) reads the photo consent, ticks, types their name, signs, then withdraws it with
one confirmed tap; the office's refusal of a new photo follows at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from server.database import db
from server.people.consents import photos_allowed
from tests.browser.page_watch import watch_for_errors
from tests.serving import serving
from tests.sessions import PASSWORD

PHONE = {"width": 390, "height": 844}
pytestmark = pytest.mark.browser


@pytest.fixture
def clock_start() -> datetime:
    return datetime(2026, 9, 7, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def who(family) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The mother's user name and the child's id, read before the server runs (an SQLite read would lock it)."""
    values = (family.mother_login.user.username, family.child.id)
    db.session.commit()
    return values


@pytest.fixture
def live(app, who) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serving(app) as url:
        yield url


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    problems = watch_for_errors(context)
    yield context.new_page()
    context.close()
    assert not problems, "the pages reported errors:\n" + "\n".join(problems)


def test_a_parent_signs_and_withdraws_the_photo_consent_on_a_phone(phone: Page, live, who, clock, tmp_path):
    username, child_id = who
    phone.goto(f"{live}/login?next=/centres/alpha/family/consents")
    phone.get_by_label("用户名").fill(username)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    card = phone.locator(f"#consent-{child_id}-photos")
    expect(card.locator(".consent-body")).to_contain_text("幼儿照片拍摄与使用同意书")
    phone.screenshot(path=str(tmp_path / "1-to-sign.png"), full_page=True)
    card.get_by_label("我已阅读上述内容，并作为孩子的监护人表示同意。").check()
    card.get_by_label("输入您的姓名以签署（李丽）").fill("李丽")
    card.get_by_role("button", name="签署").click()
    card = phone.locator(f"#consent-{child_id}-photos")
    expect(card.locator(".consent-badge")).to_have_text("已同意")
    phone.screenshot(path=str(tmp_path / "2-signed.png"), full_page=True)
    card.get_by_text("撤回同意").click()
    card.get_by_role("button", name="确认撤回").click()
    card = phone.locator(f"#consent-{child_id}-photos")
    expect(card.locator(".consent-badge")).to_have_text("同意已撤回")
    phone.screenshot(path=str(tmp_path / "3-withdrawn.png"), full_page=True)
    fits = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    db.session.rollback()
    assert (fits, photos_allowed(child_id, clock.now())) == (True, False)
