"""A walk per role by links alone: from the landing page, every link of the role's navigation answers 200 in
the layout with a way home, and the centre's name leads back. Screenshots are kept in `tmp_path`."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from server.demo.seed import DEMO_LOGINS, DEMO_PASSWORD


def _log_in(page: Page, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#home-link")).to_be_visible()


@pytest.mark.parametrize("username", [login[0] for login in DEMO_LOGINS])
def test_every_navigation_link_of_a_role_opens_in_the_layout_and_leads_home(page: Page, live_server, tmp_path,
                                                                          username):
    _log_in(page, live_server, username)
    # The landing page: the role's day (a caregiver's room tablet, the 保健员's 晨检 queue, a parent's children's
    # day), else the dashboard.
    landing = {"caregiver": r"centres/demo/(tablet|rooms/\d+/tablet)", "health": r"centres/demo/health-checks",
               "parent": r"centres/demo/family"}
    dashboard = r"(\?centre=demo)?"
    home = re.compile(rf"^{re.escape(live_server)}/({landing.get(username, dashboard)})$")
    endpoints = page.locator(".role-nav a[data-nav]").evaluate_all("links => links.map(a => a.dataset.nav)")
    assert len(endpoints) > 1, f"{username} has no pages to go to"
    for endpoint in endpoints:
        with page.expect_navigation() as opened:
            page.locator(f'.role-nav a[data-nav="{endpoint}"]').click()
        assert opened.value is not None and opened.value.status == 200, f"{username}: {endpoint}"
        expect(page.locator("#home-link")).to_be_visible()  # the shell's, or the full-screen phone pass's
        page.screenshot(path=str(tmp_path / f"{username}-{endpoint}.png"), full_page=True)
        page.locator("#home-link").click()
        expect(page).to_have_url(home)
