"""The wire vocabulary of the quick health screen and of the roster's exclusions and screen settings (issue #15)."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from devices.wire.health_screen import (
    QuickScreen,
    RosterExclusion,
    RosterHealthScreen,
    ScreenError,
    check_in_screens,
)
from devices.wire.protocol import Batch, Event, new_key, parse_batch
from devices.wire.roster import (
    RosterCentre,
    RosterChild,
    RosterDocument,
    RosterFormatError,
    roster_bytes,
)


def payload(*screens: dict[str, Any], children: tuple[int, ...] = (101, 102)) -> dict[str, Any]:
    return {"person_id": "c1", "children": list(children), "method": "card", "credential_id": 1001,
            "screens": list(screens)}


def screen(**changes: Any) -> dict[str, Any]:
    return {"child_id": 101, "temperature": 36.6, "skipped": False, "hands_mouth_eyes_ok": True, **changes}


def problem(body: dict[str, Any]) -> str:
    with pytest.raises(ScreenError) as caught:
        check_in_screens(body)
    return caught.value.problem


def test_a_screen_reads_back_with_the_exact_temperature() -> None:
    (read,) = check_in_screens(payload(screen()))
    assert (read.child_id, read.celsius, read.hands_mouth_eyes_ok) == (101, Decimal("36.6"), True)


def test_a_check_in_without_screens_is_still_valid() -> None:
    body = payload()
    del body["screens"]
    assert check_in_screens(body) == ()


def test_a_skipped_temperature_has_none() -> None:
    (read,) = check_in_screens(payload(screen(temperature=None, skipped=True)))
    assert (read.celsius, read.skipped) == (None, True)


def test_a_whole_number_temperature_is_fine() -> None:
    assert check_in_screens(payload(screen(temperature=37)))[0].celsius == Decimal("37.0")


@pytest.mark.parametrize("temperature", [33.9, 43.1, -1, 0, 100.0, 36.65])
def test_temperatures_outside_the_range_or_finer_than_a_tenth_are_refused(temperature: float) -> None:
    assert "temperature" in problem(payload(screen(temperature=temperature)))


@pytest.mark.parametrize("temperature", ["36.6", True, [36.6], {"c": 36.6}, math.nan, math.inf])
def test_temperatures_of_the_wrong_type_are_refused(temperature: object) -> None:
    assert problem(payload(screen(temperature=temperature))).startswith("screens[0]")


def test_the_edges_of_the_range_are_readings() -> None:
    both = payload(screen(temperature=34.0), screen(child_id=102, temperature=43.0))
    assert [s.celsius for s in check_in_screens(both)] == [Decimal("34.0"), Decimal("43.0")]


def test_no_temperature_without_skipping_is_refused() -> None:
    assert "unless it was skipped" in problem(payload(screen(temperature=None)))


def test_a_skipped_screen_with_a_temperature_is_refused() -> None:
    assert "skipped screen has no temperature" in problem(payload(screen(skipped=True)))


@pytest.mark.parametrize("answer", ["yes", 1, None, "true"])
def test_hands_mouth_eyes_must_be_a_boolean(answer: object) -> None:
    assert "hands_mouth_eyes_ok" in problem(payload(screen(hands_mouth_eyes_ok=answer)))


def test_the_hands_mouth_eyes_answer_is_required() -> None:
    body = screen()
    del body["hands_mouth_eyes_ok"]
    assert "hands_mouth_eyes_ok" in problem(payload(body))


@pytest.mark.parametrize("child_id", ["101", True, 0, -5, 1.5])
def test_the_child_id_must_be_an_id(child_id: object) -> None:
    assert "child_id" in problem(payload(screen(child_id=child_id)))


def test_a_screen_of_a_child_not_checked_in_is_refused() -> None:
    assert "not checked in by this event" in problem(payload(screen(child_id=999)))


def test_a_child_screened_twice_is_refused() -> None:
    assert "screened twice" in problem(payload(screen(), screen(temperature=37.0)))


def test_unknown_fields_are_refused() -> None:
    assert "extra" in problem(payload(screen(note="咳嗽"))).lower()


def test_screens_must_be_a_list() -> None:
    assert problem({"children": [101], "screens": {"101": screen()}}) == "screens is not a list"


def test_fever_and_the_health_room_follow_the_centres_figure() -> None:
    fever = QuickScreen(child_id=101, temperature=37.3, hands_mouth_eyes_ok=True)
    normal = QuickScreen(child_id=101, temperature=37.2, hands_mouth_eyes_ok=True)
    sore = QuickScreen(child_id=101, temperature=None, skipped=True, hands_mouth_eyes_ok=False)
    figure = Decimal("37.3")
    assert [s.needs_health_room(figure) for s in (fever, normal, sore)] == [True, False, True]


def test_without_a_fever_figure_no_reading_is_a_fever() -> None:
    hot = QuickScreen(child_id=101, temperature=39.5, hands_mouth_eyes_ok=True)
    sore = QuickScreen(child_id=101, temperature=36.5, hands_mouth_eyes_ok=False)
    assert (hot.fever(None), hot.needs_health_room(None), sore.needs_health_room(None)) == (False, False, True)
    assert RosterHealthScreen().fever_from is None  # no default figure on the wire


def test_a_screen_rides_a_batch_and_its_envelope() -> None:
    at = datetime(2026, 9, 7, 0, 30, tzinfo=UTC)
    event = Event(key=new_key(), device_id="kiosk-01", stream=new_key(), sequence=1, kind="attendance.check_in",
                  created_at=at, payload=payload(screen(), children=(101,)))
    body = json.dumps(Batch(device_id="kiosk-01", sent_at=at, events=[event]).model_dump(mode="json"))
    (parsed,) = parse_batch(body).events
    assert check_in_screens(parsed.payload)[0].celsius == Decimal("36.6")


# -- the roster ---------------------------------------------------------------------------------------------


def document(**changes: Any) -> RosterDocument:
    base = RosterDocument(RosterCentre(7, "SH-XH-007"), 3, datetime(2026, 9, 7, 0, 0, tzinfo=UTC), (), (), (),
                          (RosterChild(101, "王小明", "乳儿班"), RosterChild(102, "王小红", "托小班")))
    return dataclasses.replace(base, **changes)


EXCLUDED = RosterExclusion(101, date(2026, 9, 5), date(2026, 9, 12))


def test_exclusions_and_screen_settings_survive_the_signed_bytes() -> None:
    doc = document(exclusions=(EXCLUDED,), health_screen=RosterHealthScreen(False, Decimal("37.5")))
    read = RosterDocument.from_json(json.loads(roster_bytes(doc)))
    assert (read.exclusions, read.health_screen) == ((EXCLUDED,), RosterHealthScreen(False, Decimal("37.5")))


def test_a_screen_without_a_fever_figure_survives_the_signed_bytes_as_null() -> None:
    doc = document(health_screen=RosterHealthScreen(True, None))
    obj = json.loads(roster_bytes(doc))
    assert obj["health_screen"] == {"skip_allowed": True, "fever_from": None}
    assert RosterDocument.from_json(obj).health_screen == RosterHealthScreen(True, None)
    assert doc.problems() == []


def test_a_roster_without_them_keeps_its_v1_bytes() -> None:
    text = roster_bytes(document()).decode()
    assert ("exclusions" in text, "health_screen" in text) == (False, False)


def test_a_v1_roster_reads_with_no_exclusions_and_no_screen() -> None:
    read = RosterDocument.from_json(json.loads(roster_bytes(document())))
    assert (read.exclusions, read.health_screen) == ((), None)


def test_an_exclusion_of_a_child_not_in_the_roster_is_a_problem() -> None:
    assert document(exclusions=(dataclasses.replace(EXCLUDED, child=999),)).problems() == [
        "exclusion of child 999: the child is not in the roster"]


def test_a_child_excluded_twice_is_a_problem() -> None:
    doc = document(exclusions=(EXCLUDED, dataclasses.replace(EXCLUDED, since=date(2026, 9, 6))))
    assert doc.problems() == ["exclusion of child 101 appears twice"]


def test_an_exclusion_carries_no_health_data_on_the_wire() -> None:
    (entry,) = json.loads(roster_bytes(document(exclusions=(EXCLUDED,))))["exclusions"]
    assert entry == {"child": 101, "since": "2026-09-05", "expected_until": "2026-09-12"}


def test_a_disease_sent_by_an_older_server_is_ignored_and_not_kept() -> None:
    obj = json.loads(roster_bytes(document(exclusions=(EXCLUDED,))))
    obj["exclusions"][0]["disease"] = "手足口病"
    read = RosterDocument.from_json(obj)
    assert (read.exclusions, "手足口病" in roster_bytes(read).decode()) == ((EXCLUDED,), False)


def test_a_fever_figure_that_is_not_a_temperature_is_a_problem() -> None:
    assert document(health_screen=RosterHealthScreen(True, Decimal("12"))).problems() == [
        "health_screen.fever_from is not a temperature"]


def test_a_roster_with_badly_typed_exclusions_is_refused_naming_each() -> None:
    obj = json.loads(roster_bytes(document(exclusions=(EXCLUDED,))))
    obj["exclusions"][0]["since"] = "last week"
    obj["exclusions"].append("101")
    with pytest.raises(RosterFormatError) as caught:
        RosterDocument.from_json(obj)
    assert caught.value.problems == ["exclusions[0].since is not a date", "exclusions[1] is not an object"]


def test_an_exclusion_applies_from_its_first_day() -> None:
    assert [EXCLUDED.applies_on(date(2026, 9, d)) for d in (4, 5, 20)] == [False, True, True]
