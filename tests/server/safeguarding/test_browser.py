"""On a 10-inch tablet (1280×800): a caregiver raises a concern from her navigation and sees only its number; the
director opens it from hers and records the report to the police with its time. No horizontal scrolling, no console
error, no CSP violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from server.database import db
from server.safeguarding.models import Step
from tests.browser.page_watch import watch_for_errors
from tests.serving import serving
from tests.sessions import PASSWORD

TABLET = {"width": 1280, "height": 800}
pytestmark = pytest.mark.browser


@pytest.fixture
def live(app, world) -> Iterator[str]:  # type: ignore[no-untyped-def]
    db.session.commit()
    with serving(app) as url:
        yield url


def _page(browser: Browser, problems: list[list[str]]) -> Page:
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    problems.append(watch_for_errors(context))
    return context.new_page()


def _log_in(page: Page, live: str, username: str) -> None:
    page.goto(f"{live}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_caregiver_raises_a_concern_and_the_director_reports_it(browser, live, tmp_path):
    problems: list[list[str]] = []
    carer = _page(browser, problems)
    _log_in(carer, live, "raiser")
    carer.locator('a[data-nav="safeguarding.raise_form"]').click()
    carer.get_by_label("幼儿").select_option(label="王小明")
    carer.get_by_label("发现时间").fill("2026-09-07T09:00")
    carer.get_by_label("体罚或变相体罚").check()
    carer.get_by_label("所见所闻").fill("看到李老师让王小明在走廊罚站")
    carer.get_by_label("李老师").check()
    carer.screenshot(path=str(tmp_path / "1-raise.png"), full_page=True)
    carer.get_by_role("button", name="提交记录").click()
    expect(carer.get_by_text("SG-", exact=False).first).to_be_visible()
    raise_fits, carer_nav = _fits(carer), carer.locator('a[data-nav="safeguarding.concerns"]').count()

    office = _page(browser, problems)
    _log_in(office, live, "director")
    office.locator('a[data-nav="safeguarding.concerns"]').click()
    office.screenshot(path=str(tmp_path / "2-list.png"), full_page=True)
    office.locator("#concerns a", has_text="SG-").first.click()
    office.get_by_label("步骤").select_option("police_report")
    office.get_by_label("完成时间").fill("2026-09-07T09:20")
    office.get_by_label("完成人").fill("赵园长")
    office.get_by_role("button", name="记录该步骤").click()
    expect(office.locator('#steps li[data-step="police_report"]')).to_be_visible()
    office.screenshot(path=str(tmp_path / "3-concern.png"), full_page=True)
    concern_fits = _fits(office)
    for page in (carer, office):
        page.context.close()
    db.session.rollback()
    assert (raise_fits, concern_fits, carer_nav) == (True, True, 0)
    assert db.session.execute(select(Step.kind)).scalars().all() == ["police_report"]
    assert [p for found in problems for p in found] == []
