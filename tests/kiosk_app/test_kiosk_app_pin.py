"""PIN fallback on the touch screen: personal number then PIN, the same flow as a scan, lock-outs shown clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from kiosk_app_factories import FATHER_PIN, MOTHER_PIN, YIYI, Rig

from kiosk.screens import KioskActionError
from kiosk.webui import create_ui


@pytest.fixture
def pin_rig(rig: Rig) -> Rig:
    rig.kiosk.inline_io = False
    return rig


def fail(rig: Rig, times: int, number: str = "4") -> dict:  # type: ignore[type-arg]
    state: dict = {}  # type: ignore[type-arg]
    for _ in range(times):
        state = rig.kiosk.pin("000001", number=number)
    return state


def test_right_pin_checks_the_child_in_like_a_scan(pin_rig: Rig) -> None:
    state = pin_rig.kiosk.pin(FATHER_PIN, number="4")
    assert (state["screen"], state["person"]["name"], [c["id"] for c in state["children"]]) == (
        "accepted", "刘强", [YIYI])


def test_pin_check_in_is_recorded_without_a_credential(pin_rig: Rig) -> None:
    pin_rig.kiosk.pin(FATHER_PIN, number="4")
    assert pin_rig.outbox_events() == [("attendance.check_in", {
        "person_id": "c4", "children": [YIYI], "method": "pin", "credential_id": None})]


def test_pin_check_in_opens_the_door(pin_rig: Rig) -> None:
    pin_rig.kiosk.pin(FATHER_PIN, number="4")
    assert pin_rig.signals.value("relay") == 1


def test_number_shared_by_two_people_asks_who_without_names(pin_rig: Rig) -> None:
    response = create_ui(pin_rig.kiosk).test_client().post("/pin", json={"number": "1", "pin": MOTHER_PIN})
    assert (response.status_code, response.json["error"]["code"], response.json["error"]["choices"]) == (
        409, "ambiguous_number", [{"person_id": "c1", "kind": "guardian"}, {"person_id": "s1", "kind": "staff"}])


def test_chosen_person_with_the_right_pin_gets_the_confirm_screen(pin_rig: Rig) -> None:
    state = pin_rig.kiosk.pin(MOTHER_PIN, person_id="c1")
    assert (state["screen"], len(state["children"])) == ("confirm", 2)


def test_wrong_pin_is_refused_with_the_tries_left(pin_rig: Rig) -> None:
    state = fail(pin_rig, 1)
    assert (state["screen"], state["reason"], state["message_zh"], state["attempts_left"]) == (
        "refused", "wrong_pin", "密码错误", 4)


def test_wrong_pin_lights_red(pin_rig: Rig) -> None:
    fail(pin_rig, 1)
    assert (pin_rig.signals.value("red_led"), pin_rig.signals.value("relay")) == (1, 0)


def test_wrong_pin_is_recorded_without_the_pin(pin_rig: Rig) -> None:
    fail(pin_rig, 1)
    assert pin_rig.outbox_events() == [("attendance.refused", {
        "reason": "wrong_pin", "method": "pin", "person_id": "c4", "failures_person": 1, "failures_kiosk": 1,
        "locked": False})]


def test_fifth_wrong_pin_locks_the_person_and_shows_the_wait(pin_rig: Rig) -> None:
    state = fail(pin_rig, 5)
    assert (state["reason"], state["retry_after_s"], state["attempts_left"]) == ("wrong_pin", 900, None)


def test_locked_person_is_refused_even_with_the_right_pin(pin_rig: Rig) -> None:
    fail(pin_rig, 5)
    pin_rig.clock.advance(minutes=5)
    state = pin_rig.kiosk.pin(FATHER_PIN, number="4")
    assert (state["reason"], state["message_zh"], state["retry_after_s"]) == (
        "person_locked", "密码错误次数过多，请稍后再试或联系前台", 600)


def test_lock_lifts_after_fifteen_minutes(pin_rig: Rig) -> None:
    fail(pin_rig, 5)
    pin_rig.clock.advance(timedelta(minutes=15))
    assert pin_rig.kiosk.pin(FATHER_PIN, number="4")["screen"] == "accepted"


def test_twenty_failures_pause_pin_entry_for_everyone(pin_rig: Rig) -> None:
    for number in ("7", "8", "9", "10"):  # unknown people count against the kiosk
        fail(pin_rig, 5, number=number)
    assert pin_rig.kiosk.pin(FATHER_PIN, number="4")["reason"] == "kiosk_locked"


def test_unknown_number_is_refused_as_not_found(pin_rig: Rig) -> None:
    assert pin_rig.kiosk.pin(FATHER_PIN, number="77")["message_zh"] == "未找到此人"


def test_letters_are_not_a_personal_number(pin_rig: Rig) -> None:
    with pytest.raises(KioskActionError, match="bad_request"):
        pin_rig.kiosk.pin(FATHER_PIN, number="c4")
