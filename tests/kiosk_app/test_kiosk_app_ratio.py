"""The kiosk loop warns before a check-in that takes a room out of ratio, and checks the child in all the same.

The fake server lists rooms with a limit (caregivers x children per caregiver, capped) and counts
the children present from the events it stored, as the real server does with the rulebook.
"""

from __future__ import annotations

from datetime import date, timedelta

from kiosk_app_factories import FATHER, FRAME, MOTHER, XIAOHONG, XIAOMING, YIYI, Rig, card

from kiosk.fake_server import FakeKioskServer, FakeRoom
from kiosk.webui import create_ui

TODAY = date(2026, 9, 7)  # T0 in Shanghai
PRESENCE_EVERY = timedelta(seconds=15)


def rooms(toddlers: int, *, toddler_caregivers: int = 1, infants: int = 3) -> list[FakeRoom]:
    """托小班 taking ``toddlers`` children per caregiver, 乳儿班 taking ``infants``."""
    return [FakeRoom(3, "托小班", toddler_caregivers, 15, toddlers), FakeRoom(4, "乳儿班", 1, 10, infants)]


def serve_rooms(rig: Rig, server: FakeKioskServer, room_list: list[FakeRoom] | None) -> None:
    """Today's presence (with ``room_list``) on the server, and one step so the kiosk fetched it."""
    server.day, server.rooms = TODAY, room_list
    rig.frames(1)


def warnings(rig: Rig) -> list[tuple[str, str]]:
    return [(w["room"], w["message_zh"]) for w in rig.kiosk.state()["ratio"]["warnings"]]


TODDLER_WARNING = ("托小班", "托小班 将超出师幼比或班额，请通知园长")


def test_a_single_check_in_into_a_full_room_warns_on_the_accepted_screen(rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, rooms(5, toddler_caregivers=0))  # no caregiver in 托小班 yet
    rig.scan(card(FATHER))
    assert (rig.kiosk.state()["screen"], warnings(rig)) == ("accepted", [TODDLER_WARNING])


def test_the_warned_check_in_is_recorded_and_the_door_opens(rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, rooms(5, toddler_caregivers=0))
    rig.kiosk.inline_io = False  # look at the outbox before the deliverer does
    rig.scan(card(FATHER))
    t = rig.clock.now()
    assert (rig.outbox_events(), rig.signals.history_for("green_led")[:1], rig.signals.history_for("relay")[:1],
            rig.kiosk.presence.children) == (
        [("attendance.check_in", {"person_id": "c4", "children": [YIYI], "method": "card",
                                  "credential_id": FATHER})], [(t, 1)], [(t, 1)], {YIYI})


def test_a_room_with_headroom_gives_no_warning(rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, rooms(5))
    rig.scan(card(FATHER))
    assert (rig.kiosk.state()["screen"], warnings(rig)) == ("accepted", [])


def test_an_older_server_without_rooms_gives_no_warning(rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, None)
    rig.scan(card(FATHER))
    assert (rig.kiosk.state()["screen"], warnings(rig)) == ("accepted", [])


def test_a_presence_answer_about_another_day_is_not_used(rig: Rig, server: FakeKioskServer) -> None:
    server.day, server.rooms = TODAY - timedelta(days=1), rooms(5, toddler_caregivers=0)
    rig.frames(1)
    rig.scan(card(FATHER))
    assert warnings(rig) == []


def test_the_confirm_screen_warns_for_the_full_room_only(rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, rooms(5, toddler_caregivers=0))
    rig.scan(card(MOTHER))
    ratio = rig.kiosk.state()["ratio"]
    assert (rig.kiosk.state()["screen"], [(r["room"], r["headroom"], r["children"]) for r in ratio["rooms"]],
            warnings(rig)) == ("confirm", [("乳儿班", 3, [XIAOMING]), ("托小班", 0, [XIAOHONG])], [TODDLER_WARNING])


def test_confirming_into_a_full_room_checks_in_and_warns(rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, rooms(5, toddler_caregivers=0))
    rig.scan(card(MOTHER))
    state = rig.kiosk.confirm([XIAOMING, XIAOHONG])
    rig.frames(2)
    assert (state["screen"], [w["room"] for w in state["ratio"]["warnings"]], server.presence()) == (
        "accepted", ["托小班"], {XIAOMING, XIAOHONG})


def test_confirming_only_the_child_of_the_room_with_headroom_warns_nothing(rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, rooms(5, toddler_caregivers=0))
    rig.scan(card(MOTHER))
    assert rig.kiosk.confirm([XIAOMING])["ratio"]["warnings"] == []


def test_this_kiosks_check_in_uses_up_the_last_place_before_the_server_counts_it(
        rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, rooms(1))  # 托小班 takes one child
    rig.scan(card(FATHER))  # 刘一一 takes it; the next presence answer is 15 s away
    assert warnings(rig) == []
    rig.lower()
    rig.clock.advance(seconds=6)
    rig.scan(card(MOTHER))
    assert warnings(rig) == [TODDLER_WARNING]


def test_a_check_in_the_server_has_counted_is_not_taken_off_twice(rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, rooms(2))  # 托小班 takes two children
    rig.scan(card(FATHER))
    rig.lower()
    rig.clock.advance(PRESENCE_EVERY)
    rig.frames(1)  # delivered, and the next presence answer counts 刘一一 in 托小班
    assert (server.presence(), rig.kiosk.ratio.headroom()) == ({YIYI}, {"托小班": 1, "乳儿班": 3})


def test_the_warning_is_in_the_state_the_ui_polls(rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, rooms(5, toddler_caregivers=0))
    rig.scan(card(FATHER))
    [warning] = create_ui(rig.kiosk).test_client().get("/state").get_json()["ratio"]["warnings"]
    assert (warning["message_zh"], warning["message_en"], warning["arriving"], warning["headroom"]) == (
        "托小班 将超出师幼比或班额，请通知园长",
        "托小班 will be out of ratio or over its size limit — please tell the director", 1, 0)


def test_the_warning_is_gone_on_the_next_screen(rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, rooms(5, toddler_caregivers=0))
    rig.scan(card(FATHER))
    rig.lower()
    rig.clock.advance(seconds=rig.config.scan.accepted_display_s)
    rig.frames(1)
    assert (rig.kiosk.state()["screen"], rig.kiosk.state()["ratio"]) == ("idle", {"rooms": [], "warnings": []})


def test_a_new_day_forgets_yesterdays_rooms(rig: Rig, server: FakeKioskServer) -> None:
    serve_rooms(rig, server, rooms(5, toddler_caregivers=0))
    server.day = None  # the server answers 404 from now on: nothing new comes in
    rig.clock.advance(timedelta(days=1) - FRAME)
    rig.frames(1)
    assert rig.kiosk.ratio.headroom() is None
