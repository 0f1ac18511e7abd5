"""The director records a centre closure and a child's leaving, and opens a phone pass, by the screens alone.

Screenshots are kept in `tmp_path`.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from server.demo.seed import DEMO_PASSWORD

PHONE = {"width": 390, "height": 844}


def _log_in(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("director")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#home-link")).to_be_visible()


def test_the_director_records_a_closure_from_the_navigation(page: Page, live_server, tmp_path):
    _log_in(page, live_server)
    page.locator('.role-nav a[data-nav="centre_pages.closures_page"]').click()
    expect(page.locator("#closures-title")).to_have_text("停园日")
    page.locator("#first_day").fill("2026-10-09")
    page.locator("#last_day").fill("2026-10-09")
    page.locator("#reason").fill("全园消毒")
    page.locator("#closure-submit").click()
    row = page.locator("#closure-list tbody tr").first
    expect(row).to_contain_text("2026-10-09")
    expect(row).to_contain_text("全园消毒")
    page.screenshot(path=str(tmp_path / "closures-tablet.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(tmp_path / "closures-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_director_withdraws_a_closure(page: Page, live_server, tmp_path):
    _log_in(page, live_server)
    page.goto(f"{live_server}/centres/demo/closures")
    page.locator("#reason").fill("停电")
    page.locator("#closure-submit").click()
    row = page.locator("#closure-list tbody tr").first
    row.locator("summary").click()
    row.locator("input[name=reason]").fill("恢复供电，照常开园")
    row.get_by_role("button", name="撤销停园").click()
    expect(page.locator("#closure-list tbody tr").first).to_contain_text("已撤销")
    page.screenshot(path=str(tmp_path / "closure-withdrawn.png"), full_page=True)


def test_the_director_records_a_childs_leaving_from_its_page(page: Page, live_server, tmp_path):
    _log_in(page, live_server)
    page.locator('.role-nav a[data-nav="people.children"]').click()
    first = page.locator(".people-group table.people-table tbody tr td.name a").first
    name = first.inner_text().strip()
    first.click()
    page.locator("#leave-child summary").click()
    page.locator("#leave-left_on").fill("2026-09-06")
    page.locator("#reason").select_option("transferred")
    page.locator("#leave-note").fill("随父母工作调动")
    page.screenshot(path=str(tmp_path / "leave-form-tablet.png"), full_page=True)
    page.locator("#leave-submit").click()
    expect(page.locator("#child-left")).to_contain_text("转园")
    expect(page.locator("#leave-form")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "child-left-tablet.png"), full_page=True)
    page.locator("#back-to-children").click()
    expect(page.locator("#left-children")).to_contain_text(name)
    page.set_viewport_size(PHONE)
    page.locator("#left-children summary").click()
    page.screenshot(path=str(tmp_path / "children-left-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_director_opens_a_guardians_phone_pass_from_the_cards_page(page: Page, live_server, tmp_path):
    _log_in(page, live_server)
    page.locator('.role-nav a[data-nav="cards.credentials"]').click()
    page.locator("#contact-credentials a[id^=phone-]").first.click()
    expect(page.locator("#pass-qr")).to_be_visible()
    expect(page.locator("#pass-link")).to_contain_text("/pass?credential=")
    page.screenshot(path=str(tmp_path / "phone-pass-tablet.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(tmp_path / "phone-pass-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
