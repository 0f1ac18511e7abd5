"""The touch UI in Debian's chromium: idle screen in Chinese, a verdict with the name, the confirm screen, a tap,
the ratio warning (issue #6) and the emergency banner (issue #7)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest
from kiosk_app_factories import (
    FATHER,
    FATHER_PIN,
    HEALTH,
    MOTHER,
    TEACHER,
    XIAOHONG,
    XIAOMING,
    YIYI,
    Rig,
    card,
    roster_with_notice,
)
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from devices.wire.roster import CredentialNotice, NoticeKind
from kiosk.fake_server import FakeKioskServer, FakeRoom
from kiosk.webui import create_ui
from tests.browser.page_watch import watch_for_errors

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser, rig: Rig) -> Iterator[Page]:
    """The kiosk's UI served on 127.0.0.1 and opened like the Pi's 7-inch screen would."""
    server = make_server("127.0.0.1", 0, create_ui(rig.kiosk), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    context = browser.new_context(viewport={"width": 1024, "height": 600}, locale="zh-CN")
    problems = watch_for_errors(context)
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{server.server_port}/")
    yield page
    reported = list(problems)
    context.close()
    server.shutdown()
    thread.join()
    assert not reported, "the kiosk page reported errors:\n" + "\n".join(reported)


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


def no_caregiver_in_the_toddler_room(rig: Rig, server: FakeKioskServer) -> None:
    """托小班 has no caregiver checked in yet (any child breaches it), 乳儿班 takes three more."""
    server.day = date(2026, 9, 7)
    server.rooms = [FakeRoom(3, "托小班", 0, 15, 5), FakeRoom(4, "乳儿班", 1, 10, 3)]
    rig.frames(1)  # the kiosk fetches the presence with the rooms


def test_a_check_in_into_a_full_room_shows_the_ratio_warning(page: Page, rig: Rig, server: FakeKioskServer) -> None:
    no_caregiver_in_the_toddler_room(rig, server)
    rig.scan(card(FATHER))
    expect(page.locator("#accepted-title")).to_have_text("入园签到成功")
    expect(page.locator("#accepted-ratio")).to_be_visible()
    expect(page.locator("#accepted-ratio li")).to_have_text(
        "⚠ 托小班 将超出师幼比或班额，请通知园长 / 托小班 will be out of ratio or over its size limit — please tell the director")
    assert rig.kiosk.presence.children == {YIYI}


def test_the_confirm_screen_recounts_the_warning_as_children_are_unticked(
        page: Page, rig: Rig, server: FakeKioskServer) -> None:
    no_caregiver_in_the_toddler_room(rig, server)
    rig.scan(card(MOTHER))
    warning = page.locator("#confirm-ratio li")
    expect(warning).to_have_count(1)
    expect(warning).to_have_attribute("data-room", "托小班")
    page.locator(f'#confirm-children li[data-child-id="{XIAOHONG}"]').click()
    expect(page.locator("#confirm-ratio")).to_be_hidden()
    page.locator(f'#confirm-children li[data-child-id="{XIAOHONG}"]').click()
    expect(warning).to_have_count(1)
    page.locator("#confirm-ok").click()
    expect(page.locator("#accepted-ratio li")).to_have_attribute("data-room", "托小班")
    assert rig.kiosk.presence.children == {XIAOMING, XIAOHONG}


def test_no_warning_shows_when_the_room_has_headroom(page: Page, rig: Rig, server: FakeKioskServer) -> None:
    server.day, server.rooms = date(2026, 9, 7), [FakeRoom(3, "托小班", 1, 15, 5)]
    rig.frames(1)
    rig.scan(card(FATHER))
    expect(page.locator("#accepted-title")).to_have_text("入园签到成功")
    expect(page.locator("#accepted-ratio")).to_be_hidden()


SMOKE = {"id": 12, "kind": "emergency.smoke", "message_zh": "烟雾报警：厨房", "message_en": "Smoke alarm: kitchen",
         "opened_at": "2026-09-07T00:29:00.000000Z"}


def test_an_alarm_shows_a_red_banner_over_the_idle_screen(page: Page, rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = [SMOKE]
    rig.frames(1)
    banner = page.locator("#emergency")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("紧急情况！请按应急预案行动")
    expect(page.locator("#emergency-items li")).to_have_text("08:29 烟雾报警：厨房 / Smoke alarm: kitchen")
    expect(page.locator("#screen-idle")).to_be_visible()
    box = banner.bounding_box()
    assert box is not None and box["width"] == 1024  # full width on the 1024x600 screen
    colours = banner.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    assert colours[0] == "rgb(255, 255, 255)" and colours[1] in ("rgb(179, 38, 30)", "rgb(217, 48, 37)")  # white on red


def test_check_in_works_under_the_banner_and_the_banner_goes_when_resolved(
        page: Page, rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = [SMOKE]
    rig.frames(1)
    expect(page.locator("#emergency")).to_be_visible()
    rig.scan(card(FATHER))
    expect(page.locator("#accepted-name")).to_have_text("刘强")
    expect(page.locator("#emergency")).to_be_visible()
    server.emergencies = []
    rig.clock.advance(seconds=2)
    rig.frames(1)
    expect(page.locator("#emergency")).to_be_hidden()


def test_a_teacher_signing_on_sees_their_expiring_certificate(
        page: Page, rig: Rig, server: FakeKioskServer, tmp_path) -> None:
    server.publish(roster_with_notice(CredentialNotice(NoticeKind.EXPIRING, *HEALTH, "health", date(2026, 9, 27), 20)))
    rig.sync.sync_now()
    rig.scan(card(TEACHER))
    expect(page.locator("#accepted-title")).to_have_text("上岗签到成功")
    expect(page.locator("#accepted-notice")).to_be_visible()
    expect(page.locator("#accepted-notice-zh")).to_have_text(
        "⚠ 您的托幼机构工作人员健康合格证将于 2026-09-27 到期（还有 20 天），请及时复检")
    page.screenshot(path=str(tmp_path / "kiosk-credential-notice.png"))
