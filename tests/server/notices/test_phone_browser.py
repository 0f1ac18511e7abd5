"""A guardian on a phone (390×844): the inbox with its badge, the notice, "我已知晓"; no horizontal scroll, no
console error or CSP violation. Screenshots are kept under the test's tmp path."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.database import db
from server.notices.models import NoticeAcknowledgement
from server.notices.operations import queue_notice
from tests.browser.page_watch import watch_for_errors
from tests.factories import SYSTEM
from tests.server.notices.conftest import SUBJECT
from tests.sessions import PASSWORD

PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
def test_a_guardian_reads_and_acknowledges_a_notice_on_a_phone(browser, live_url, world, clock, tmp_path):
    notice = queue_notice(centre_id=world["alpha"].id, child_id=world["child"].id, kind="health_check.abnormal",
                          subject=SUBJECT, detail={}, actor=SYSTEM, now=clock.now())
    notice_id, mama_id = notice.id, world["mama"].id
    db.session.commit()  # and touch no row until the end: on SQLite a read would hold the write lock
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    problems = watch_for_errors(context)
    page = context.new_page()
    page.goto(f"{live_url}/login?next=/centres/alpha/family/notices")
    page.get_by_label("用户名").fill("mama")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#inbox-badge")).to_have_text("1")
    page.screenshot(path=str(tmp_path / "inbox.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator(f'li[data-notice="{notice_id}"] a').click()
    expect(page.locator("#notice-subject")).to_have_text("孩子的健康检查发现异常")
    button = page.get_by_role("button", name="我已知晓")
    assert button.bounding_box()["height"] >= 48
    button.click()
    expect(page.locator("#notice-acknowledged")).to_be_visible()
    page.screenshot(path=str(tmp_path / "acknowledged.png"), full_page=True)
    context.close()
    db.session.rollback()  # see what the live server committed
    assert db.session.execute(select(NoticeAcknowledgement.contact_id)).scalar_one() == mama_id
    assert problems == []


@pytest.mark.browser
def test_the_director_adds_a_channel_and_follows_the_notices(browser, live_url, world, clock, tmp_path, receiver):
    notice = queue_notice(centre_id=world["alpha"].id, child_id=world["child"].id, kind="health_check.abnormal",
                          subject=SUBJECT, detail={}, actor=SYSTEM, now=clock.now())
    notice_id, url = notice.id, receiver.url()
    db.session.commit()  # and touch no row until the end: on SQLite a read would hold the write lock
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    problems = watch_for_errors(context)
    page = context.new_page()
    page.goto(f"{live_url}/login?next=/centres/alpha/settings/notifications")
    page.get_by_label("用户名").fill("director")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator("#channel-name").fill("企业微信")
    page.locator("#channel-url").fill(url)
    page.locator("#add-channel").click()
    expect(page.locator(".channel-url")).to_have_text(f"json://127.0.0.1:{receiver.server.port}/…")
    page.locator("input[name=address]").fill("director")
    page.get_by_role("button", name="发送测试").click()
    expect(page.locator("[id^=test-result-]")).to_have_text("测试消息已送达")
    page.screenshot(path=str(tmp_path / "channels.png"), full_page=True)
    page.goto(f"{live_url}/centres/alpha/notices")
    expect(page.locator(f'tr[data-notice="{notice_id}"]')).to_have_attribute("data-status", "queued")
    page.screenshot(path=str(tmp_path / "centre_notices.png"), full_page=True)
    context.close()
    assert [path for path, _ in receiver.delivered] == ["/hook/director"] and problems == []
