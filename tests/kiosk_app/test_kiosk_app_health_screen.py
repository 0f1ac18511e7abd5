"""The quick health screen at check-in (issue #15): temperature and 手口眼 on the touch screen, carried in the event.

The touch screen is the kiosk's own UI app (``kiosk.webui``) driven through its test client, the way Chromium
on the Pi posts taps; LEDs, buzzer and door are the fake GPIO.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from kiosk_app_factories import FATHER, MOTHER, XIAOHONG, XIAOMING, YIYI, Rig, card, make_document, make_rig

from devices.wire.health_screen import RosterHealthScreen
from kiosk.fake_server import FakeKioskServer
from kiosk.screens import Screen
from kiosk.webui import create_ui

FIGURE = Decimal("37.3")  # the rulebook's fever figure as the server puts it in the roster


def with_screen(rig: Rig, server: FakeKioskServer, settings: RosterHealthScreen | None = None) -> FlaskClient:
    """Publish a roster that asks the quick screen (the fever figure 37.3 unless said), sync it, hand back the touch."""
    server.publish(make_document(version=2, health_screen=settings or RosterHealthScreen(fever_from=FIGURE)))
    rig.sync.sync_now()
    rig.kiosk.inline_io = False  # keep events in the outbox to look at them
    return create_ui(rig.kiosk).test_client()


def answer(touch: FlaskClient, child_id: int, **body: Any) -> Any:
    return touch.post("/screen", json={"child_id": child_id, **body})


@pytest.fixture
def touch(rig: Rig, server: FakeKioskServer) -> FlaskClient:
    return with_screen(rig, server)


def test_a_check_in_asks_the_screen_before_recording(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    state = rig.kiosk.state()
    assert (state["screen"], state["health"]["child"]["id"], state["health"]["question_zh"], rig.outbox_events(),
            rig.signals.value("relay")) == ("health", YIYI, "请为刘一一测量体温，并查看手、口、眼", [], 0)


def test_the_scan_is_greeted_green_while_the_screen_is_asked(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    assert (rig.signals.value("green_led"), rig.signals.value("red_led")) == (1, 0)


def test_the_answers_ride_in_the_check_in_event(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    response = answer(touch, YIYI, temperature=36.6, hands_mouth_eyes_ok=True)
    assert (response.status_code, response.get_json()["screen"], rig.outbox_events()) == (200, "accepted", [
        ("attendance.check_in", {"person_id": "c4", "children": [YIYI], "method": "card", "credential_id": FATHER,
                                 "screens": [{"child_id": YIYI, "temperature": 36.6, "skipped": False,
                                              "hands_mouth_eyes_ok": True}]})])


def test_a_normal_screen_opens_the_door_without_sending_anyone(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    state = answer(touch, YIYI, temperature=36.8, hands_mouth_eyes_ok=True).get_json()
    assert (state["to_health_room"], rig.signals.value("relay"), rig.signals.value("red_led"),
            rig.kiosk.presence.children) == (None, 1, 0, {YIYI})


def test_the_pad_s_digits_are_taken_to_a_tenth(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    answer(touch, YIYI, temperature=36.59999999, hands_mouth_eyes_ok=True)
    assert rig.outbox_events()[0][1]["screens"][0]["temperature"] == 36.6


def test_skip_is_offered_and_recorded_when_the_centre_allows_it(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    offered = rig.kiosk.state()["health"]["skip_allowed"]
    answer(touch, YIYI, skipped=True, hands_mouth_eyes_ok=True)
    assert (offered, rig.outbox_events()[0][1]["screens"]) == (
        True, [{"child_id": YIYI, "temperature": None, "skipped": True, "hands_mouth_eyes_ok": True}])


def test_skip_is_refused_where_the_centre_requires_the_temperature(rig: Rig, server: FakeKioskServer) -> None:
    touch = with_screen(rig, server, RosterHealthScreen(skip_allowed=False, fever_from=FIGURE))
    rig.scan(card(FATHER))
    response = answer(touch, YIYI, skipped=True, hands_mouth_eyes_ok=True)
    assert (response.status_code, response.get_json()["error"]["message_zh"], rig.kiosk.screen,
            rig.kiosk.state()["health"]["skip_allowed"], rig.outbox_events()) == (
        422, "本园要求测量体温", Screen.HEALTH, False, [])


def test_a_fever_sends_the_child_to_the_health_room_but_records_the_check_in(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    state = answer(touch, YIYI, temperature=37.8, hands_mouth_eyes_ok=True).get_json()
    assert (state["screen"], state["to_health_room"]["message_zh"], [c["id"] for c in state["to_health_room"][
        "children"]], rig.outbox_events()[0][1]["screens"][0]["temperature"], rig.kiosk.presence.children) == (
        "accepted", "刘一一：请到保健室", [YIYI], 37.8, {YIYI})


def test_a_fever_lights_red_and_buzzes_and_still_opens_the_door(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    answer(touch, YIYI, temperature=38.2, hands_mouth_eyes_ok=True)
    assert (rig.signals.value("red_led"), rig.signals.value("buzzer"), rig.signals.value("relay")) == (1, 1, 1)


def test_the_fever_figure_is_the_centres(rig: Rig, server: FakeKioskServer) -> None:
    touch = with_screen(rig, server, RosterHealthScreen(fever_from=Decimal("37.5")))
    rig.scan(card(FATHER))
    assert answer(touch, YIYI, temperature=37.4, hands_mouth_eyes_ok=True).get_json()["to_health_room"] is None


def test_without_a_fever_figure_the_kiosk_judges_no_fever(rig: Rig, server: FakeKioskServer) -> None:
    """The centre's rulebook has no figure: the server judges no fever, so neither does the door."""
    touch = with_screen(rig, server, RosterHealthScreen(fever_from=None))
    rig.scan(card(FATHER))
    asked = rig.kiosk.state()["health"]
    state = answer(touch, YIYI, temperature=38.6, hands_mouth_eyes_ok=True).get_json()
    assert (asked["fever_from"], state["screen"], state["to_health_room"], rig.signals.value("red_led"),
            rig.outbox_events()[0][1]["screens"][0]["temperature"]) == (None, "accepted", None, 0, 38.6)


def test_without_a_fever_figure_a_no_for_hands_mouth_eyes_still_sends_the_child(rig: Rig,
                                                                                server: FakeKioskServer) -> None:
    touch = with_screen(rig, server, RosterHealthScreen(fever_from=None))
    rig.scan(card(FATHER))
    state = answer(touch, YIYI, temperature=38.6, hands_mouth_eyes_ok=False).get_json()
    assert state["to_health_room"]["message_zh"] == "刘一一：请到保健室"


def test_at_the_figure_itself_it_is_a_fever(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    assert answer(touch, YIYI, temperature=37.3, hands_mouth_eyes_ok=True).get_json()["to_health_room"] is not None


def test_a_no_for_hands_mouth_eyes_sends_the_child_too(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    state = answer(touch, YIYI, temperature=36.5, hands_mouth_eyes_ok=False).get_json()
    assert (state["to_health_room"]["message_zh"], rig.signals.value("red_led"),
            rig.outbox_events()[0][1]["screens"][0]["hands_mouth_eyes_ok"]) == ("刘一一：请到保健室", 1, False)


def test_the_health_room_notice_stays_up_longer(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    answer(touch, YIYI, temperature=38.0, hands_mouth_eyes_ok=True)
    rig.lower()
    rig.clock.advance(seconds=rig.config.scan.accepted_display_s + 1)
    rig.frames(1)
    assert rig.kiosk.screen is Screen.ACCEPTED


@pytest.mark.parametrize("body", [{"temperature": 45.0, "hands_mouth_eyes_ok": True},
                                  {"temperature": "36.6", "hands_mouth_eyes_ok": True},
                                  {"temperature": 36.6, "hands_mouth_eyes_ok": "yes"},
                                  {"hands_mouth_eyes_ok": True}])
def test_a_bad_answer_is_refused_and_asked_again(rig: Rig, touch: FlaskClient, body: dict[str, Any]) -> None:
    rig.scan(card(FATHER))
    response = answer(touch, YIYI, **body)
    assert (response.status_code, response.get_json()["error"]["code"], rig.kiosk.screen, rig.outbox_events()) == (
        422, "bad_temperature", Screen.HEALTH, [])


def test_a_bad_request_shape_is_refused(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    assert [touch.post("/screen", json=body).status_code for body in (
        {"child_id": "103"}, {"child_id": YIYI, "skipped": "no"}, [YIYI])] == [422, 422, 400]


def test_no_screen_is_waiting_outside_a_check_in(rig: Rig, touch: FlaskClient) -> None:
    response = answer(touch, YIYI, temperature=36.6, hands_mouth_eyes_ok=True)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "nothing_to_screen")


def test_two_children_are_asked_in_turn_and_carried_in_one_event(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(MOTHER))
    touch.post("/confirm", json={})
    first = rig.kiosk.state()["health"]
    wrong = answer(touch, XIAOHONG, temperature=36.6, hands_mouth_eyes_ok=True).status_code
    second = answer(touch, XIAOMING, temperature=36.6, hands_mouth_eyes_ok=True).get_json()["health"]
    answer(touch, XIAOHONG, skipped=True, hands_mouth_eyes_ok=False)
    (kind, payload), = rig.outbox_events()
    assert ((first["child"]["id"], first["index"], first["total"]), wrong, (second["child"]["id"], second["index"]),
            kind, payload["children"], [(s["child_id"], s["temperature"]) for s in payload["screens"]]) == (
        (XIAOMING, 1, 2), 422, (XIAOHONG, 2), "attendance.check_in", [XIAOMING, XIAOHONG],
        [(XIAOMING, 36.6), (XIAOHONG, None)])


def test_cancel_backs_out_and_records_nothing(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    state = touch.post("/cancel", json={}).get_json()
    assert (state["screen"], rig.outbox_events(), rig.kiosk.presence.children) == ("idle", [], set())


def test_a_screen_left_unanswered_records_the_check_in_without_it(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    rig.lower()
    rig.clock.advance(seconds=rig.config.scan.health_screen_s - 1)
    rig.frames(1)
    waiting = (rig.kiosk.screen, rig.outbox_events())
    rig.clock.advance(seconds=2)
    rig.frames(1)
    assert (waiting, rig.kiosk.screen, rig.outbox_events(), rig.kiosk.presence.children) == (
        (Screen.HEALTH, []), Screen.ACCEPTED,
        [("attendance.check_in", {"person_id": "c4", "children": [YIYI], "method": "card", "credential_id": FATHER})],
        {YIYI})


def test_after_a_timeout_the_answers_given_are_kept(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(MOTHER))
    touch.post("/confirm", json={})
    answer(touch, XIAOMING, temperature=36.9, hands_mouth_eyes_ok=True)
    rig.lower()
    rig.clock.advance(seconds=rig.config.scan.health_screen_s + 1)
    rig.frames(1)
    (_, payload), = rig.outbox_events()
    assert (payload["children"], [s["child_id"] for s in payload["screens"]]) == ([XIAOMING, XIAOHONG], [XIAOMING])


def test_the_next_family_s_scan_records_the_screen_left_open(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    rig.lower()
    rig.clock.advance(seconds=10)
    rig.scan(card(MOTHER))
    events = rig.outbox_events()
    assert (events[0][1]["children"], "screens" in events[0][1], rig.kiosk.screen) == ([YIYI], False, Screen.CONFIRM)


def test_a_check_out_asks_nothing(rig: Rig, touch: FlaskClient) -> None:
    rig.scan(card(FATHER))
    answer(touch, YIYI, temperature=36.6, hands_mouth_eyes_ok=True)
    rig.lower()
    rig.clock.advance(minutes=10)
    rig.frames(1)
    rig.scan(card(FATHER))
    assert (rig.kiosk.screen, [kind for kind, _ in rig.outbox_events()]) == (
        Screen.ACCEPTED, ["attendance.check_in", "attendance.check_out"])


def test_a_roster_without_the_screen_asks_nothing(rig: Rig) -> None:
    rig.kiosk.inline_io = False
    rig.scan(card(FATHER))
    assert (rig.kiosk.screen, rig.outbox_events()[0][1].get("screens")) == (Screen.ACCEPTED, None)


def test_a_screen_made_offline_reaches_the_server_with_its_values(tmp_path: Path, server: FakeKioskServer) -> None:
    server.publish(make_document(version=2, health_screen=RosterHealthScreen(fever_from=FIGURE)))
    rig = make_rig(tmp_path / "kiosk", server)
    try:
        touch = create_ui(rig.kiosk).test_client()
        server.down()
        rig.scan(card(FATHER))
        answer(touch, YIYI, temperature=37.9, hands_mouth_eyes_ok=False)
        rig.lower()
        rig.clock.advance(hours=2)  # two hours without the server
        rig.frames(3)
        waiting = rig.events.pending_count()
        server.up()
        rig.deliver_all()
        (event,) = server.events()
        assert (waiting, str(event.kind), event.payload["screens"], event.created_at - rig.clock.now() < timedelta(0),
                rig.events.outbox.dead_count()) == (
            1, "attendance.check_in", [{"child_id": YIYI, "temperature": 37.9, "skipped": False,
                                        "hands_mouth_eyes_ok": False}], True, 0)
    finally:
        rig.close()
