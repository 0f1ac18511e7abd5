"""Refused scans: each shows its reason in clear words with the red LED, is recorded, and never crashes the loop."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from kiosk_app_factories import (
    CAMERA_SIZE,
    FORGER_KEY,
    MOTHER,
    MOTHER_OLD,
    NANNY,
    OTHER_CENTRE_KEY,
    UNCLE,
    XIAOHONG,
    XIAOMING,
    Rig,
    card,
    make_rig,
    make_server,
    mother_phone_code,
)

from kiosk.events import EventWriter
from kiosk.fake_server import FakeKioskServer
from kiosk.scanning import OTHER_BARCODE_EVERY
from kiosk.screens import Screen
from kiosk.verify import KioskEvent

REFUSED_CODES: dict[str, tuple[Callable[[datetime], str], str, str]] = {
    "forged": (lambda now: card(signer=FORGER_KEY), "bad_signature", "签到码无效（伪造或手机已注销）"),
    "expired": (lambda now: card(MOTHER_OLD, serial=1), "expired", "签到码已过期"),
    "revoked": (lambda now: card(serial=1), "revoked_card", "此卡已挂失或已更换"),
    "other centre": (lambda now: card(signer=OTHER_CENTRE_KEY, centre_id=8), "other_centre", "这是其他机构的签到码"),
    "garbage": (lambda now: "https://example.com/pay?id=42", "not_a_credential", "这不是签到码"),
    "truncated": (lambda now: card()[:60], "malformed", "签到码不完整，请重新扫描"),
    "unknown": (lambda now: card(4242, person_id="c42"), "unknown_credential", "签到码未登记，请联系前台"),
    "future version": (lambda now: "TY2C:0000", "unsupported_version", "签到码版本不受支持，请联系前台"),
    "stale phone code": (lambda now: mother_phone_code(now - timedelta(minutes=5)), "stale_code",
                         "动态码已过时，请刷新手机页面"),
}


@pytest.fixture(params=list(REFUSED_CODES), ids=list(REFUSED_CODES))
def refused(request: pytest.FixtureRequest, rig: Rig) -> tuple[Rig, str, str]:
    make_text, reason, message_zh = REFUSED_CODES[request.param]
    rig.kiosk.inline_io = False
    rig.scan(make_text(rig.clock.now()))
    return rig, reason, message_zh


def test_refused_code_shows_the_reason_in_clear_words(refused: tuple[Rig, str, str]) -> None:
    rig, reason, message_zh = refused
    state = rig.kiosk.state()
    assert (state["screen"], state["reason"], state["message_zh"]) == ("refused", reason, message_zh)


def test_refused_code_lights_the_red_led(refused: tuple[Rig, str, str]) -> None:
    rig, _, _ = refused
    assert (rig.signals.value("red_led"), rig.signals.value("green_led"), rig.signals.value("relay")) == (1, 0, 0)


def test_refused_code_is_recorded_with_ids_only(refused: tuple[Rig, str, str]) -> None:
    rig, reason, _ = refused
    [(kind, payload)] = rig.outbox_events()
    assert (kind, payload["reason"], set(payload) <= {"reason", "method", "credential_id", "person_id"}) == (
        "attendance.refused", reason, True)


def test_phone_code_shown_again_is_refused_as_replayed(rig: Rig) -> None:
    code = mother_phone_code(rig.clock.now())
    rig.scan(code)
    rig.kiosk.cancel()
    rig.lower()
    rig.clock.advance(seconds=6)
    rig.kiosk.step()
    rig.scan(code)
    assert rig.kiosk.state()["reason"] == "replayed"


def test_same_qr_held_up_for_many_frames_gives_one_verdict(rig: Rig) -> None:
    first = rig.scan(card())
    later = rig.frames(90)
    assert (len(first), later, rig.kiosk.state()["screen"]) == (1, [], "confirm")


def test_refused_code_held_up_for_many_frames_is_recorded_once(rig: Rig) -> None:
    rig.kiosk.inline_io = False
    rig.scan(card(serial=1))
    rig.frames(60)
    assert len(rig.outbox_events()) == 1


def test_phone_code_rolling_over_while_held_up_is_not_a_second_scan(rig: Rig) -> None:
    rig.scan(mother_phone_code(rig.clock.now()))
    rig.kiosk.confirm()
    for _ in range(29):  # still held up; a slow loop sees one frame a second
        rig.clock.advance(seconds=1)
        rig.kiosk.step()
    again = rig.scan(mother_phone_code(rig.clock.now()))  # the page drew the next code while still in view
    assert (again, rig.kiosk.presence.children) == ([], {XIAOMING, XIAOHONG})


def test_same_card_after_the_repeat_window_is_a_new_scan(rig: Rig) -> None:
    rig.scan(card())
    rig.kiosk.confirm()
    rig.lower()
    rig.clock.advance(seconds=rig.config.scan.repeat_window_s)
    rig.kiosk.step()
    rig.scan(card())
    assert [(c["action"]) for c in rig.kiosk.state()["children"]] == ["check_out", "check_out"]


def ean13_frame() -> np.ndarray:
    ean = np.asarray(zxingcpp.create_barcode("5901234123457", zxingcpp.BarcodeFormat.EAN13).to_image(scale=3))
    width, height = CAMERA_SIZE
    frame = np.full((height, width, 3), 235, np.uint8)
    bgr = cv2.cvtColor(ean, cv2.COLOR_GRAY2BGR)
    top, left = (height - bgr.shape[0]) // 2, (width - bgr.shape[1]) // 2
    frame[top:top + bgr.shape[0], left:left + bgr.shape[1]] = bgr
    return frame


def test_product_barcode_is_refused_as_not_a_pick_up_code(rig: Rig) -> None:
    rig.kiosk.inline_io = False
    for _ in range(OTHER_BARCODE_EVERY):
        rig.camera.push(ean13_frame())
    rig.frames(OTHER_BARCODE_EVERY)
    state = rig.kiosk.state()
    assert (state["screen"], state["reason"], rig.signals.value("red_led")) == ("refused", "not_a_credential", 1)


def test_camera_noise_frame_is_not_a_scan(rig: Rig) -> None:
    rng = np.random.default_rng(7)
    width, height = CAMERA_SIZE
    rig.camera.push(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
    rig.frames(1)
    assert (rig.kiosk.screen, rig.signals.history) == (Screen.IDLE, [])


def test_person_authorised_for_no_child_is_refused(rig: Rig) -> None:
    rig.scan(card(UNCLE))
    assert (rig.kiosk.state()["reason"], rig.signals.value("red_led")) == ("no_children", 1)


def mother_brings_both_then_nanny_tries_to_collect(rig: Rig) -> None:
    rig.scan(card())
    rig.kiosk.confirm()
    rig.lower()
    rig.clock.advance(hours=6)
    rig.kiosk.step()
    rig.scan(card(NANNY))


def test_unauthorised_pick_up_is_refused_in_red(rig: Rig) -> None:
    mother_brings_both_then_nanny_tries_to_collect(rig)
    state = rig.kiosk.state()
    assert (state["screen"], state["reason"], state["message_zh"], rig.signals.value("red_led"),
            rig.signals.value("relay")) == ("refused", "not_authorised_pick_up", "您未被授权接走此幼儿", 1, 0)


def test_unauthorised_pick_up_reaches_the_server(rig: Rig, server: FakeKioskServer) -> None:
    mother_brings_both_then_nanny_tries_to_collect(rig)
    rig.frames(2)
    assert [e.payload for e in server.events("attendance.refused")] == [
        {"reason": "not_authorised_pick_up", "child_id": XIAOMING, "person_id": "c2", "method": "card"}]


def test_unauthorised_pick_up_is_a_priority_event(rig: Rig) -> None:
    rig.kiosk.inline_io = False
    mother_brings_both_then_nanny_tries_to_collect(rig)
    assert rig.events.outbox.last_priority_sequence() == rig.events.outbox.last_sequence()


def test_unauthorised_pick_up_raises_a_staff_alert_on_screen(rig: Rig) -> None:
    mother_brings_both_then_nanny_tries_to_collect(rig)
    alert = rig.kiosk.state()["alert"]
    assert (alert["person"]["name"], [c["name"] for c in alert["children"]], alert["message_zh"]) == (
        "李阿姨", ["王小明"], "请工作人员注意：李阿姨 未被授权接走 王小明")


def test_staff_alert_stays_after_the_refusal_screen_is_gone(rig: Rig) -> None:
    mother_brings_both_then_nanny_tries_to_collect(rig)
    rig.lower()
    rig.clock.advance(seconds=60)
    rig.kiosk.step()
    state = rig.kiosk.state()
    assert (state["screen"], state["alert"] is not None) == ("idle", True)


def test_staff_alert_clears_after_its_time(rig: Rig) -> None:
    mother_brings_both_then_nanny_tries_to_collect(rig)
    rig.lower()
    rig.clock.advance(seconds=rig.config.scan.staff_alert_s)
    rig.kiosk.step()
    assert rig.kiosk.state()["alert"] is None


class FullDisk(EventWriter):
    """An outbox on a full SD card: every write fails."""

    def put(self, event: KioskEvent, *, at: datetime, priority: bool | None = None):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")


def test_outbox_failure_never_shows_green(tmp_path: Path, server: FakeKioskServer) -> None:
    rig = make_rig(tmp_path, server)
    rig.kiosk.events = FullDisk(tmp_path / "full.sqlite3", rig.clock, "kiosk-01")
    try:
        rig.scan(card(MOTHER))
        rig.kiosk.confirm()
        assert (rig.kiosk.state()["reason"], rig.signals.value("green_led"), rig.signals.value("relay")) == (
            "system_fault", 0, 0)
    finally:
        rig.kiosk.events.close()
        rig.close()


def test_no_roster_means_nothing_is_verified(tmp_path: Path, server: FakeKioskServer) -> None:
    server.down()
    rig = make_rig(tmp_path, server, sync_first=False)
    try:
        verdicts = rig.scan(card())
        assert (verdicts, rig.kiosk.state()["screen"], rig.signals.history) == ([], "not_ready", [])
    finally:
        rig.close()


@pytest.fixture(scope="module")
def shared_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    server = make_server()
    server.up()
    rig = make_rig(tmp_path_factory.mktemp("fuzz"), server)
    rig.kiosk.inline_io = False
    yield rig
    rig.close()
    server.down()


B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@settings(max_examples=25, deadline=None)
@given(text=st.one_of(st.text(min_size=1, max_size=120).filter(lambda t: t.strip()),
                      st.text(alphabet=B45, min_size=1, max_size=160).map(lambda t: "TY1C:" + t),
                      st.text(alphabet=B45, min_size=1, max_size=120).map(lambda t: "TY1P:" + t)))
def test_any_qr_text_is_refused_without_crashing_the_loop(shared_rig: Rig, text: str) -> None:
    rig = shared_rig
    rig.lower()
    rig.clock.advance(seconds=rig.config.scan.repeat_window_s)
    rig.kiosk.step()
    verdicts = rig.scan(text)
    assert all(not v.accepted for v in verdicts)
    assert rig.kiosk.screen is (Screen.REFUSED if verdicts else Screen.IDLE)


def test_revoked_card_does_not_show_whose_it_is(rig: Rig) -> None:
    rig.scan(card(serial=1))
    assert rig.kiosk.state()["person"] is None
