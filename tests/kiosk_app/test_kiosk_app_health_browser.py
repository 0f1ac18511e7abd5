"""The quick health screen and the exclusion refusal in Debian's chromium (issue #15): the pad, skip, yes / no."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from kiosk_app_factories import FATHER, YIYI, Rig, card, make_document
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from devices.wire.health_screen import RosterExclusion, RosterHealthScreen
from kiosk.fake_server import FakeKioskServer
from kiosk.webui import create_ui
from tests.browser.page_watch import watch_for_errors

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser, rig: Rig, server: FakeKioskServer) -> Iterator[Page]:
    """The kiosk's UI on 127.0.0.1 with a roster that asks the quick screen, at the Pi screen's size."""
    server.publish(make_document(version=2, health_screen=RosterHealthScreen(fever_from=Decimal("37.3")),
                                 exclusions=(RosterExclusion(YIYI, date(2026, 9, 8)),)))
    rig.sync.sync_now()
    rig.kiosk.inline_io = False
    ui = make_server("127.0.0.1", 0, create_ui(rig.kiosk), threaded=True)
    thread = threading.Thread(target=ui.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    context = browser.new_context(viewport={"width": 1024, "height": 600}, locale="zh-CN")
    problems = watch_for_errors(context)
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{ui.server_port}/")
    yield page
    reported = list(problems)
    context.close()
    ui.shutdown()
    thread.join()
    assert not reported, "the kiosk page reported errors:\n" + "\n".join(reported)


def type_temperature(page: Page, digits: str) -> None:
    for digit in digits:
        page.locator(f'.key[data-tkey="{digit}"]').click()


def test_the_pad_the_yes_button_and_the_event(page: Page, rig: Rig, tmp_path: Path) -> None:
    rig.scan(card(FATHER))
    expect(page.locator("#health-question")).to_have_text("请为刘一一测量体温，并查看手、口、眼")
    type_temperature(page, "366")
    expect(page.locator("#health-display")).to_have_text("36.6 °C")
    page.screenshot(path=str(tmp_path / "kiosk-health-pad.png"))
    page.locator("#health-next").click()
    expect(page.locator("#health-yes")).to_be_visible()
    page.screenshot(path=str(tmp_path / "kiosk-health-yes-no.png"))
    page.locator("#health-yes").click()
    expect(page.locator("#accepted-title")).to_have_text("入园签到成功")
    expect(page.locator("#accepted-health-room")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "kiosk-health-accepted.png"))
    assert rig.outbox_events()[0][1]["screens"] == [
        {"child_id": YIYI, "temperature": 36.6, "skipped": False, "hands_mouth_eyes_ok": True}]


def test_a_fever_shows_go_to_the_health_room(page: Page, rig: Rig, tmp_path: Path) -> None:
    rig.scan(card(FATHER))
    type_temperature(page, "381")
    page.locator("#health-next").click()
    page.locator("#health-yes").click()
    expect(page.locator("#accepted-health-room-zh")).to_have_text("⚠ 刘一一：请到保健室")
    page.screenshot(path=str(tmp_path / "kiosk-health-room.png"))


def test_skip_then_no(page: Page, rig: Rig) -> None:
    rig.scan(card(FATHER))
    page.locator("#health-skip").click()
    page.locator("#health-no").click()
    expect(page.locator("#accepted-health-room-zh")).to_have_text("⚠ 刘一一：请到保健室")
    assert rig.outbox_events()[0][1]["screens"][0]["skipped"] is True


def test_a_reading_out_of_range_is_not_sent(page: Page, rig: Rig) -> None:
    rig.scan(card(FATHER))
    type_temperature(page, "466")
    page.locator("#health-next").click()
    expect(page.locator("#health-error")).to_contain_text("请输入 34–43 °C 的体温")
    assert rig.outbox_events() == []


def test_the_excluded_child_is_refused_without_naming_the_illness(page: Page, rig: Rig, tmp_path: Path) -> None:
    rig.clock.advance(days=1)  # the exclusion starts on the 8th
    rig.frames(1)
    rig.scan(card(FATHER))
    expect(page.locator("#refused-children li")).to_contain_text("刘一一：因病暂停入园，须凭医疗机构返园证明入园")
    page.screenshot(path=str(tmp_path / "kiosk-excluded.png"))
