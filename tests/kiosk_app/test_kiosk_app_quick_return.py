"""The same card again moments after the check-in asks "Check out?" instead of checking out at once (#13)."""

from __future__ import annotations

from pathlib import Path

from kiosk_app_factories import FATHER, YIYI, Rig, card, make_rig

from kiosk.fake_server import FakeKioskServer
from kiosk.screens import Screen


def again_after(rig: Rig, seconds: float) -> None:
    """The father checks 刘一一 in, lowers the card, and shows it again ``seconds`` later."""
    rig.scan(card(FATHER))
    rig.lower()
    rig.clock.advance(seconds=seconds)
    rig.kiosk.step()
    rig.scan(card(FATHER))


def test_second_scan_20_s_after_check_in_asks_before_checking_out(rig: Rig) -> None:
    again_after(rig, 20)
    state = rig.kiosk.state()
    assert (state["screen"], state["prompt"]["message_zh"], [c["action"] for c in state["children"]]) == (
        "confirm", "刚刚已入园，要办理离园吗？", ["check_out"])


def test_second_scan_soon_after_check_in_records_nothing_before_the_tap(rig: Rig) -> None:
    rig.kiosk.inline_io = False
    again_after(rig, 20)
    assert ([kind for kind, _ in rig.outbox_events()], rig.kiosk.presence.children) == (
        ["attendance.check_in"], {YIYI})


def test_cancel_keeps_the_child_checked_in(rig: Rig) -> None:
    again_after(rig, 20)
    rig.kiosk.cancel()
    assert (rig.kiosk.screen, rig.kiosk.presence.children) == (Screen.IDLE, {YIYI})


def test_confirm_checks_the_child_out(rig: Rig) -> None:
    again_after(rig, 20)
    rig.kiosk.confirm()
    assert (rig.kiosk.state()["children"][0]["action"], rig.kiosk.presence.children) == ("check_out", set())


def test_second_scan_after_the_interval_checks_out_at_once(rig: Rig) -> None:
    again_after(rig, rig.config.scan.check_out_confirm_s)
    assert (rig.kiosk.screen, rig.kiosk.presence.children) == (Screen.ACCEPTED, set())


def test_interval_comes_from_the_config(tmp_path: Path, server: FakeKioskServer) -> None:
    rig = make_rig(tmp_path, server, scan={"check_out_confirm_s": 10})
    try:
        again_after(rig, 10)
        assert rig.kiosk.screen is Screen.ACCEPTED
    finally:
        rig.close()


def test_ordinary_confirm_screen_has_no_question(rig: Rig) -> None:
    rig.scan(card())  # the mother of two: the usual confirm screen
    assert rig.kiosk.state()["prompt"] is None
