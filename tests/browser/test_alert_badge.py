"""The top bar's alert badge follows the open alerts live, on any page, without a reload."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from server.alerts.operations import raise_alert, resolve
from server.centre.models import Centre
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from tests.factories import SYSTEM


def _log_in(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("director")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_new_alert_shows_on_the_badge_of_an_open_page(page: Page, live_server, clock):
    centre_id = db.session.execute(select(Centre.id).where(Centre.code == "demo")).scalar_one()
    db.session.commit()
    _log_in(page, live_server)
    page.goto(f"{live_server}/centres/demo/environment")
    expect(page.locator("#alert-badge")).to_be_hidden()

    raise_alert(centre_id, kind="test", severity="warning", dedupe_key="badge", message_zh="测试", message_en="test",
                now=clock.now())
    db.session.commit()

    expect(page.locator("#alert-badge")).to_have_text("1", timeout=5000)


def test_the_badge_goes_away_when_the_alert_is_resolved(page: Page, live_server, clock):
    centre_id = db.session.execute(select(Centre.id).where(Centre.code == "demo")).scalar_one()
    alert = raise_alert(centre_id, kind="test", severity="warning", dedupe_key="badge", message_zh="测试",
                        message_en="test", now=clock.now())
    db.session.commit()
    _log_in(page, live_server)
    page.goto(f"{live_server}/centres/demo/environment")
    expect(page.locator("#alert-badge")).to_have_text("1", timeout=5000)

    resolve(alert, actor=SYSTEM, now=clock.now())
    db.session.commit()

    expect(page.locator("#alert-badge")).to_be_hidden(timeout=5000)
