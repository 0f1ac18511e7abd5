"""The 保健员's morning by the screens alone: from the navigation to the 晨检 queue, the abnormal kiosk screen on
top, the full check completing it (the fever sends the child to the observation room), a normal check by the
preset buttons, and the follow-up closed. On a 10-inch tablet (1280×800); screenshots are kept in `tmp_path`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from server.attendance.models import AttendanceEvent, AttendanceKind
from server.centre.models import Centre
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.health.checks.models import CheckStatus, FollowUpClosure, HealthCheck
from server.health.checks.operations import record_quick_screen
from server.people.models import Child


def _morning(clock) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Three demo children checked in this morning; the first one's kiosk screen found a fever. Their names."""
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    children = db.session.execute(select(Child).where(Child.centre_id == centre.id).order_by(Child.id)
                                  .limit(3)).scalars().all()
    for i, child in enumerate(children):
        at = clock.now() - timedelta(minutes=30 - i)
        db.session.add(AttendanceEvent(centre_id=centre.id, kind=AttendanceKind.CHECK_IN, child_id=child.id,
                                       method="card", at=at, flags=[], recorded_at=at))
    db.session.flush()
    record_quick_screen(children[0], temperature=Decimal("37.8"), hands_mouth_eyes_ok=True, device_id=None,
                        at=clock.now() - timedelta(minutes=30), now=clock.now())
    names = (children[0].name, children[1].name)
    db.session.commit()
    return names


def test_the_health_officer_completes_the_morning_checks_from_the_queue(page: Page, live_server, clock, tmp_path):
    feverish, next_one = _morning(clock)
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("health")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator(".role-nav").get_by_role("link", name="晨检").click()
    expect(page.locator("#checks-queue-title")).to_have_text("晨检")
    first = page.locator(".check-tile").first
    expect(first).to_have_attribute("data-status", "abnormal_screen")
    expect(first).to_contain_text(feverish)
    assert first.bounding_box()["height"] >= 48
    page.screenshot(path=str(tmp_path / "1-queue.png"), full_page=True)

    first.click()
    expect(page.locator("#check-title")).to_have_text(feverish)
    expect(page.locator("#temperature")).to_have_value("37.8")  # the kiosk's reading, filled in
    expect(page.locator("#temperature")).to_have_class("fever")
    page.locator("label.bad", has_text="异常").nth(2).click()  # 二看：精神 — not right
    page.get_by_label("异常情况").fill("发热，精神欠佳")
    page.get_by_label("送保健观察室").check()
    page.screenshot(path=str(tmp_path / "2-check-form.png"), full_page=True)
    page.get_by_role("button", name="保存检查").click()
    expect(page.locator(".flash")).to_contain_text(feverish)
    expect(page.locator(".follow-up[data-check]")).to_contain_text(feverish)
    expect(page.locator(".check-tile", has_text=feverish)).to_have_count(0)
    expect(page.locator(".check-tile", has_text=next_one)).to_have_attribute("data-status", "missing")

    page.locator(".check-tile", has_text=next_one).click()
    page.get_by_role("button", name="36.5").click()
    page.locator("#check-form button[data-step='0.1']").click()
    expect(page.locator("#temperature")).to_have_value("36.6")
    page.get_by_role("button", name="保存检查").click()
    expect(page.locator(".check-tile", has_text=next_one)).to_have_count(0)

    page.locator(".follow-up input[name=outcome]").fill("家长已接回，就医后居家观察")
    page.screenshot(path=str(tmp_path / "3-follow-up.png"), full_page=True)
    page.get_by_role("button", name="闭环").click()
    expect(page.locator("#no-follow-ups")).to_be_visible()
    page.screenshot(path=str(tmp_path / "4-done.png"), full_page=True)

    db.session.rollback()
    results = db.session.execute(select(HealthCheck.result).where(HealthCheck.source == "tablet")
                                 .order_by(HealthCheck.id)).scalars().all()
    assert results == [CheckStatus.ABNORMAL, CheckStatus.NORMAL]
    assert db.session.execute(select(FollowUpClosure.outcome)).scalar_one() == "家长已接回，就医后居家观察"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The walk is about the browser: it runs once, on SQLite (the server tests run these routes on both)."""
    return sqlite_url
