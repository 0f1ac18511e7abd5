"""The touch UI in Debian's chromium: idle screen in Chinese, a verdict with the name, the confirm screen, a tap."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from kiosk_app_factories import FATHER, FATHER_PIN, XIAOHONG, XIAOMING, Rig, card
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from kiosk.webui import create_ui

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser, rig: Rig) -> Iterator[Page]:
    """The kiosk's UI served on 127.0.0.1 and opened like the Pi's 7-inch screen would."""
    server = make_server("127.0.0.1", 0, create_ui(rig.kiosk), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    context = browser.new_context(viewport={"width": 1024, "height": 600}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{server.server_port}/")
    yield page
    context.close()
    server.shutdown()
    thread.join()


def test_idle_screen_asks_for_the_qr_code_in_chinese_first(page: Page) -> None:
    expect(page.locator("#screen-idle")).to_be_visible()
    expect(page.locator("#screen-idle .huge")).to_have_text("请出示二维码")


def test_scan_shows_the_verdict_with_the_persons_name(page: Page, rig: Rig) -> None:
    expect(page.locator("#screen-idle")).to_be_visible()
    rig.scan(card(FATHER))
    expect(page.locator("#accepted-name")).to_have_text("刘强")
    expect(page.locator("#accepted-children")).to_contain_text("刘一一")


def test_refused_scan_shows_the_reason_in_red(page: Page, rig: Rig) -> None:
    rig.scan(card(serial=1))
    expect(page.locator("#refused-zh")).to_have_text("此卡已挂失或已更换")


def test_two_children_are_preselected_and_one_tap_confirms(page: Page, rig: Rig) -> None:
    rig.scan(card())
    children = page.locator("#confirm-children li")
    expect(children).to_have_count(2)
    expect(children.nth(0)).to_have_attribute("aria-checked", "true")
    expect(children.nth(1)).to_have_attribute("aria-checked", "true")
    page.locator("#confirm-ok").click()
    expect(page.locator("#accepted-title")).to_have_text("入园签到成功")
    assert rig.kiosk.presence.children == {XIAOMING, XIAOHONG}


def test_untapping_a_child_leaves_it_out(page: Page, rig: Rig) -> None:
    rig.scan(card())
    page.locator("#confirm-children li").nth(0).click()
    expect(page.locator("#confirm-children li").nth(0)).to_have_attribute("aria-checked", "false")
    page.locator("#confirm-ok").click()
    expect(page.locator("#accepted-children li")).to_have_count(1)
    assert rig.kiosk.presence.children == {XIAOHONG}


def test_pin_pad_checks_a_parent_in(page: Page, rig: Rig) -> None:
    page.get_by_text("忘带手机？输入 PIN").click()
    page.locator('.key[data-key="4"]').click()
    page.locator("#pin-next").click()
    for digit in FATHER_PIN:
        page.locator(f'.key[data-key="{digit}"]').click()
    expect(page.locator("#pin-display")).to_have_text("•" * len(FATHER_PIN))
    page.locator("#pin-next").click()
    expect(page.locator("#accepted-name")).to_have_text("刘强")
