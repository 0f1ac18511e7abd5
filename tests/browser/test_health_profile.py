"""The 保健员 records a growth measurement on a child's health page, by links alone, and sees it charted against
the WHO curves (uPlot) and assessed in the table; a bad value is refused beside its field. Screenshots in tmp_path.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from server.demo.seed import DEMO_PASSWORD


@pytest.fixture
def expected_console_errors() -> list[str]:
    """The refused form answers 422 on purpose (the page with its per-field errors)."""
    return ["status of 422"]


def _log_in(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("health")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#home-link")).to_be_visible()


def test_the_health_officer_records_a_measurement_and_sees_the_chart(page: Page, live_server, tmp_path) -> None:
    _log_in(page, live_server)
    page.get_by_role("link", name="幼儿").first.click()
    page.locator("td.name a").first.click()
    expect(page.locator("#child-name")).to_be_visible()
    page.locator("#child-health-link").click()
    expect(page.locator("#health-title")).to_contain_text("健康档案")
    expect(page.locator("#no-measurements")).to_be_visible()
    expect(page.locator(".growth-chart canvas")).to_have_count(4)  # the WHO curves, before any point

    page.locator("#add-measurement summary").click()
    page.locator("#m-height_cm").fill("abc")
    page.locator("#m-measured_by").fill("吴保健")
    page.locator("#measurement-submit").click()
    expect(page.locator("#m-height_cm-problem")).to_be_visible()
    expect(page.locator("#m-measured_by")).to_have_value("吴保健")  # nothing typed is lost

    page.locator("#m-height_cm").fill("")
    page.locator("#m-weight_kg").fill("9.8")
    page.locator("#measurement-submit").click()
    expect(page.locator("#growth-table tbody tr")).to_have_count(1)
    expect(page.locator("#growth-table")).to_contain_text("9.80")
    expect(page.locator('#chart-wfa[data-drawn="1"] canvas')).to_have_count(1)
    page.locator("#growth").scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "health-profile-growth-tablet.png"), full_page=True)

    page.locator("#add-allergy summary").click()
    page.locator("#allergy-allergen").select_option("sesame")
    page.locator("#allergy-severity").select_option("moderate")
    page.locator("#allergy-submit").click()
    expect(page.locator('#allergies article[data-allergen="sesame"]')).to_contain_text("芝麻")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(tmp_path / "health-profile-desktop.png"), full_page=True)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The walk is about the browser: it runs once, on SQLite (the server tests run these routes on both)."""
    return sqlite_url
