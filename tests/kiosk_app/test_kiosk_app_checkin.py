"""The kiosk loop for accepted scans: signals, the outbox, the confirm screen, check-out photos, staff, presence."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from kiosk_app_factories import (
    FATHER,
    FRAME,
    TEACHER,
    XIAOHONG,
    XIAOMING,
    YIYI,
    Rig,
    card,
    make_rig,
)

from kiosk.fake_server import FakeKioskServer
from kiosk.presence import Presence
from kiosk.screens import Screen
from kiosk.webui import create_ui


def scan_and_wait(rig: Rig, text: str, seconds: float) -> None:
    """Scan, keep the card in view and step once more ``seconds`` later (timers fall due on that step)."""
    rig.scan(text)
    rig.clock.advance(seconds=seconds)
    rig.kiosk.step()


def test_card_scan_lights_green_for_the_configured_time(rig: Rig) -> None:
    scan_and_wait(rig, card(FATHER), 1.5)
    t = rig.clock.now() - timedelta(seconds=1.5)
    assert rig.signals.history_for("green_led") == [(t, 1), (t + timedelta(milliseconds=1500), 0)]


def test_card_scan_gives_one_short_beep(rig: Rig) -> None:
    scan_and_wait(rig, card(FATHER), 0.12)
    t = rig.clock.now() - timedelta(seconds=0.12)
    assert rig.signals.history_for("buzzer") == [(t, 1), (t + timedelta(milliseconds=120), 0)]


def test_card_scan_pulses_the_door_relay_for_the_configured_time(tmp_path: Path, server: FakeKioskServer) -> None:
    rig = make_rig(tmp_path, server, gpio={"backend": "fake", "timings": {"door_release_ms": 2500}})
    try:
        scan_and_wait(rig, card(FATHER), 2.5)
        t = rig.clock.now() - timedelta(seconds=2.5)
        assert rig.signals.history_for("relay") == [(t, 1), (t + timedelta(milliseconds=2500), 0)]
    finally:
        rig.close()


def test_card_scan_puts_a_check_in_event_in_the_outbox(rig: Rig) -> None:
    rig.kiosk.inline_io = False  # look before the deliverer does
    rig.scan(card(FATHER))
    assert rig.outbox_events() == [("attendance.check_in", {
        "person_id": "c4", "children": [YIYI], "method": "card", "credential_id": FATHER})]


def test_check_in_reaches_the_server_once_stamped_with_the_scan_time(rig: Rig, server: FakeKioskServer) -> None:
    rig.scan(card(FATHER))
    scanned_at = rig.clock.now()
    rig.frames(3)
    stored = server.events("attendance.check_in")
    assert ([(e.created_at, e.payload["children"]) for e in stored], list(server.deliveries.values())) == (
        [(scanned_at, [YIYI])], [1])


def test_one_child_check_in_completes_at_once_and_shows_who(rig: Rig) -> None:
    rig.scan(card(FATHER))
    state = rig.kiosk.state()
    assert (state["screen"], state["person"]["name"], [(c["name"], c["action"]) for c in state["children"]]) == (
        "accepted", "刘强", [("刘一一", "check_in")])


def test_parent_with_two_children_gets_both_preselected_on_the_confirm_screen(rig: Rig) -> None:
    rig.scan(card())
    state = rig.kiosk.state()
    assert (state["screen"], [(c["id"], c["action"], c["selected"]) for c in state["children"]]) == (
        "confirm", [(XIAOMING, "check_in", True), (XIAOHONG, "check_in", True)])


def test_confirm_screen_records_nothing_before_the_tap(rig: Rig) -> None:
    rig.scan(card())
    assert rig.outbox_events() == []


def test_tapping_confirm_checks_both_children_in_with_one_event(rig: Rig, server: FakeKioskServer) -> None:
    rig.scan(card())
    response = create_ui(rig.kiosk).test_client().post("/confirm", json={"children": [XIAOMING, XIAOHONG]})
    rig.frames(2)
    assert (response.status_code, [e.payload["children"] for e in server.events("attendance.check_in")],
            rig.kiosk.presence.children) == (200, [[XIAOMING, XIAOHONG]], {XIAOMING, XIAOHONG})


def test_confirmed_event_carries_the_scan_time_not_the_tap_time(rig: Rig, server: FakeKioskServer) -> None:
    rig.scan(card())
    scanned_at = rig.clock.now()
    rig.clock.advance(seconds=12)
    rig.kiosk.confirm()
    rig.frames(2)
    assert [e.created_at for e in server.events()] == [scanned_at]


def test_confirm_releases_the_door(rig: Rig) -> None:
    rig.scan(card())
    rig.clock.advance(seconds=4)
    rig.kiosk.confirm()
    tapped_at = rig.clock.now()
    assert rig.signals.history_for("relay") == [(tapped_at, 1)]


def test_unticked_child_stays_out(rig: Rig) -> None:
    rig.scan(card())
    rig.kiosk.confirm([XIAOHONG])
    assert (rig.outbox_events()[0][1]["children"], rig.kiosk.presence.children) == ([XIAOHONG], {XIAOHONG})


def test_unanswered_confirm_screen_times_out_and_records_nothing(rig: Rig) -> None:
    rig.scan(card())
    rig.lower()
    rig.clock.advance(seconds=20)
    rig.kiosk.step()
    assert (rig.kiosk.screen, rig.events.outbox.last_sequence(), rig.kiosk.presence.children) == (
        Screen.IDLE, 0, set())


def test_cancel_records_nothing(rig: Rig) -> None:
    rig.scan(card())
    rig.kiosk.cancel()
    assert (rig.kiosk.screen, rig.events.outbox.last_sequence()) == (Screen.IDLE, 0)


def check_in_then_come_back(rig: Rig, text: str) -> None:
    rig.scan(text)
    rig.lower()
    rig.clock.advance(hours=8)
    rig.kiosk.step()
    rig.scan(text)


def test_check_out_shows_the_collecting_adult_and_the_childrens_photos(rig: Rig) -> None:
    check_in_then_come_back(rig, card(FATHER))
    state = rig.kiosk.state()
    assert (state["screen"], state["person"]["photo"], [(c["action"], c["photo"]) for c in state["children"]]) == (
        "accepted", "/photos/14", [("check_out", "/photos/23")])


def test_check_out_photos_come_from_the_local_cache(rig: Rig) -> None:
    check_in_then_come_back(rig, card(FATHER))
    response = create_ui(rig.kiosk).test_client().get(rig.kiosk.state()["children"][0]["photo"])
    assert (response.status_code, response.mimetype, response.data[:4]) == (200, "image/png", b"\x89PNG")


def test_evening_scan_records_a_check_out(rig: Rig, server: FakeKioskServer) -> None:
    check_in_then_come_back(rig, card(FATHER))
    rig.frames(2)
    assert [(str(e.kind), e.payload["children"]) for e in server.events()] == [
        ("attendance.check_in", [YIYI]), ("attendance.check_out", [YIYI])]


def test_staff_scan_signs_on_duty_without_children(rig: Rig) -> None:
    rig.kiosk.inline_io = False
    rig.scan(card(TEACHER))
    assert (rig.outbox_events(), rig.kiosk.state()["staff_action"]) == (
        [("attendance.check_in", {"person_id": "s1", "children": [], "method": "card", "credential_id": TEACHER})],
        "on_duty")


def test_second_staff_scan_signs_off_duty(rig: Rig) -> None:
    rig.kiosk.inline_io = False
    check_in_then_come_back(rig, card(TEACHER))
    assert ([kind for kind, _ in rig.outbox_events()][-1:], rig.kiosk.presence.staff) == (
        ["attendance.check_out"], set())


def test_accepted_screen_returns_to_idle_after_its_display_time(rig: Rig) -> None:
    rig.scan(card(FATHER))
    rig.lower()
    rig.clock.advance(seconds=rig.config.scan.accepted_display_s)
    rig.kiosk.step()
    assert rig.kiosk.screen is Screen.IDLE


def test_presence_is_cleared_at_the_centres_local_midnight(rig: Rig) -> None:
    rig.scan(card(FATHER))  # 08:30 in Shanghai
    rig.lower()
    rig.clock.advance(hours=15, minutes=30)  # 00:00 the next day in Shanghai
    rig.kiosk.step()
    assert rig.kiosk.presence.children == set()


def test_presence_survives_a_restart_of_the_kiosk(rig: Rig) -> None:
    rig.scan(card(FATHER))
    reopened = Presence(rig.clock, rig.kiosk.presence.tz, rig.config.presence_path)
    assert reopened.children == {YIYI}


def test_one_frame_period_is_what_the_rig_steps() -> None:
    assert FRAME == timedelta(microseconds=33333)
