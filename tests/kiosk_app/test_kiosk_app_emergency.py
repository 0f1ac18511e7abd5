"""Panic and smoke alarms reach the kiosk within 2 s, show above every screen, and never stop a check-in."""

from __future__ import annotations

from datetime import timedelta

from kiosk_app_factories import FATHER, MOTHER, YIYI, Rig, card

from kiosk.fake_server import FakeKioskServer
from kiosk.sync import EMERGENCIES_PATH
from kiosk.webui import create_ui

SMOKE = {"id": 12, "kind": "emergency.smoke", "message_zh": "烟雾报警：厨房", "message_en": "Smoke alarm: kitchen",
         "opened_at": "2026-09-07T00:29:00.000000Z"}
POLL = timedelta(seconds=2)


def shown(rig: Rig) -> list[str] | None:
    """The messages of the emergency banner, None without a banner."""
    banner = rig.kiosk.state()["emergency"]
    return None if banner is None else [item["message_zh"] for item in banner["items"]]


def test_no_banner_while_no_emergency_is_open(rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = []
    rig.frames(1)
    assert shown(rig) is None


def test_an_alarm_shows_within_two_seconds(rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = []
    rig.frames(1)
    server.emergencies = [SMOKE]
    rig.clock.advance(POLL)
    rig.frames(1)
    assert shown(rig) == ["烟雾报警：厨房"]


def test_the_server_is_asked_every_two_seconds(rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = []
    rig.frames(30 * 10)  # ten seconds at 30 frames per second
    assert server.requests_per_path[EMERGENCIES_PATH] in (5, 6)


def test_the_sync_thread_wakes_up_for_the_next_poll(rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = []
    rig.frames(1)
    assert 0 < rig.sync.seconds_until_due() <= 2


def test_the_banner_goes_when_the_alarm_is_resolved(rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = [SMOKE]
    rig.frames(1)
    server.emergencies = []
    rig.clock.advance(POLL)
    rig.frames(1)
    assert shown(rig) is None


def test_check_in_goes_on_under_the_banner(rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = [SMOKE]
    rig.frames(1)
    rig.scan(card(FATHER))
    rig.frames(2)
    state = rig.kiosk.state()
    assert (state["screen"], shown(rig), server.presence()) == ("accepted", ["烟雾报警：厨房"], {YIYI})


def test_the_banner_stays_over_the_confirm_screen(rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = [SMOKE]
    rig.frames(1)
    rig.scan(card(MOTHER))
    assert (rig.kiosk.state()["screen"], shown(rig)) == ("confirm", ["烟雾报警：厨房"])


def test_an_older_server_without_the_endpoint_means_no_emergency(rig: Rig, server: FakeKioskServer) -> None:
    rig.frames(1)  # server.emergencies is None: 404
    assert (server.requests_per_path[EMERGENCIES_PATH], shown(rig)) == (1, None)


def test_the_banner_stays_while_the_server_cannot_be_reached(rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = [SMOKE]
    rig.frames(1)
    server.down()
    try:
        rig.clock.advance(POLL)
        rig.frames(1)
        assert shown(rig) == ["烟雾报警：厨房"]
    finally:
        server.up()


def test_the_banner_stays_after_an_unreadable_answer(rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = [SMOKE]
    rig.frames(1)
    server.emergencies = [{"id": "twelve"}]
    rig.clock.advance(POLL)
    rig.frames(1)
    assert shown(rig) == ["烟雾报警：厨房"]


def test_the_banner_is_in_the_state_the_ui_polls(rig: Rig, server: FakeKioskServer) -> None:
    server.emergencies = [SMOKE]
    rig.frames(1)
    banner = create_ui(rig.kiosk).test_client().get("/state").get_json()["emergency"]
    assert (banner["title_zh"], banner["items"][0]["title_zh"], banner["items"][0]["opened_at"]) == (
        "紧急情况！请按应急预案行动", "烟雾报警", "08:29")
