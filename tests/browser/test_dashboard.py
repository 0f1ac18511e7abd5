"""The director logs in, sees the dashboard in Chinese and switches to English."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from server.demo.seed import DEMO_PASSWORD


def _log_in(page: Page, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_director_sees_the_chinese_dashboard_and_switches_to_english(page: Page, live_server, tmp_path):
    _log_in(page, live_server, "director")
    expect(page.locator("#dashboard-title")).to_contain_text("负责人工作台")
    expect(page.get_by_text("在托幼儿")).to_be_visible()
    expect(page.get_by_text("小月亮班 · 托小班")).to_be_visible()
    expect(page.locator("#findings-by-responsibility")).to_contain_text("备案承诺")
    page.screenshot(path=str(tmp_path / "dashboard-zh.png"), full_page=True)
    page.locator("#lang-switch").click()
    expect(page.locator("#dashboard-title")).to_contain_text("Director dashboard")
    expect(page.get_by_text("Enrolled children")).to_be_visible()
    page.screenshot(path=str(tmp_path / "dashboard-en.png"), full_page=True)
    assert (tmp_path / "dashboard-en.png").stat().st_size > 10_000


def test_wrong_password_shows_the_error_in_chinese(page: Page, live_server, expected_console_errors):
    expected_console_errors.append("status of 401")  # the refused log-in's page is a 401
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("director")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
