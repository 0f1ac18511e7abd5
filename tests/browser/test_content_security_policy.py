"""Every page runs under the strict CSP, and the page fixture really fails on a violation."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from server.demo.seed import DEMO_PASSWORD
from tests.browser.page_watch import watch_for_errors

STRICT = "default-src 'self'; script-src 'self'; style-src 'self'"


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#dashboard-title")).to_be_visible()


def test_an_inline_script_under_the_policy_is_reported(browser: Browser):
    context = browser.new_context()
    problems = watch_for_errors(context)
    page = context.new_page()
    page.route("http://csp.test/", lambda route: route.fulfill(
        status=200, content_type="text/html", headers={"Content-Security-Policy": STRICT},
        body="<!doctype html><p>probe</p><script>document.title = 'ran';</script>"))
    page.goto("http://csp.test/")
    page.evaluate("0")  # a round trip, so the violation's console message has arrived
    context.close()
    assert any("CSP violation: script-src" in p for p in problems)


def test_an_inline_style_attribute_under_the_policy_is_reported(browser: Browser):
    context = browser.new_context()
    problems = watch_for_errors(context)
    page = context.new_page()
    page.route("http://csp.test/", lambda route: route.fulfill(
        status=200, content_type="text/html", headers={"Content-Security-Policy": STRICT},
        body='<!doctype html><p style="color: red">probe</p>'))
    page.goto("http://csp.test/")
    page.evaluate("0")
    context.close()
    assert any("CSP violation: style-src" in p for p in problems)


def test_the_roll_call_page_runs_under_the_policy(page: Page, live_server):
    _log_in(page, live_server, "director")
    page.goto(f"{live_server}/centres/demo/rollcall")
    expect(page.locator("#no-emergency")).to_be_visible()  # its script ran: it asked the server for the emergency
    expect(page.locator("#unticked")).to_have_text("0")


def test_the_compliance_page_runs_under_the_policy(page: Page, live_server):
    _log_in(page, live_server, "director")
    page.goto(f"{live_server}/centres/demo/inspection")
    expect(page.locator("#pack-form")).to_be_visible()


def test_the_environment_page_runs_under_the_policy(page: Page, live_server):
    _log_in(page, live_server, "director")
    page.goto(f"{live_server}/centres/demo/environment")
    expect(page.locator("#environment-title")).to_be_visible()


def test_the_swagger_docs_render_under_their_own_policy(page: Page, live_server):
    page.goto(f"{live_server}/api/v1/docs/swagger/")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()


def test_the_redoc_docs_render_under_their_own_policy(page: Page, live_server, expected_console_errors):
    expected_console_errors.append("cdn.redoc.ly")  # ReDoc's "powered by" logo: blocked, nothing leaves the site
    page.goto(f"{live_server}/api/v1/docs/redoc/")
    expect(page.locator("redoc h1").first).to_be_visible()
