"""Open emergencies as the kiosk reads and shows them: the answer's shape, the banner's content."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.emergency import EmergencyBoard, parse_emergencies

SHANGHAI = ZoneInfo("Asia/Shanghai")


def smoke(ident: int = 12, opened_at: str = "2026-09-07T02:00:00.000000Z") -> dict:
    return {"id": ident, "kind": "emergency.smoke", "message_zh": "烟雾报警：厨房", "message_en": "Smoke alarm: kitchen",
            "opened_at": opened_at}


def test_the_contract_shape_parses() -> None:
    [found] = parse_emergencies({"emergencies": [smoke()]})
    assert (found.id, found.kind, found.message_zh, found.opened_at) == (
        12, "emergency.smoke", "烟雾报警：厨房", datetime(2026, 9, 7, 2, 0, tzinfo=UTC))


def test_the_servers_items_list_shape_parses_too() -> None:
    assert [e.id for e in parse_emergencies({"items": [smoke(), dict(smoke(13), severity="emergency")]})] == [12, 13]


def test_an_empty_list_means_none_open() -> None:
    assert parse_emergencies({"emergencies": []}) == ()


def test_emergencies_come_oldest_first() -> None:
    body = {"emergencies": [smoke(2, "2026-09-07T02:05:00Z"), smoke(1, "2026-09-07T02:01:00Z")]}
    assert [e.id for e in parse_emergencies(body)] == [1, 2]


@pytest.mark.parametrize("body", [
    [], {"emergencies": "none"}, {}, {"emergencies": [{"id": "12", "kind": "emergency.smoke",
                                                       "opened_at": "2026-09-07T02:00:00Z"}]},
    {"emergencies": [dict(smoke(), opened_at="2026-09-07T02:00:00")]},  # no time zone
    {"emergencies": [dict(smoke(), opened_at="yesterday")]},
    {"emergencies": [dict(smoke(), message_zh=7)]}, {"emergencies": ["smoke"]},
])
def test_an_unreadable_answer_is_refused(body: object) -> None:
    with pytest.raises(ValueError):
        parse_emergencies(body)


def test_no_banner_while_nothing_is_open() -> None:
    assert EmergencyBoard().banner(SHANGHAI) is None


def test_the_banner_is_chinese_first_with_the_message_and_local_time() -> None:
    board = EmergencyBoard()
    board.update(parse_emergencies({"emergencies": [smoke()]}))
    banner = board.banner(SHANGHAI)
    assert banner == {"title_zh": "紧急情况！请按应急预案行动", "title_en": "EMERGENCY — follow the emergency plan",
                      "items": [{"id": 12, "kind": "emergency.smoke", "title_zh": "烟雾报警", "title_en": "Smoke alarm",
                                 "message_zh": "烟雾报警：厨房", "message_en": "Smoke alarm: kitchen",
                                 "opened_at": "10:00"}]}


def test_an_alarm_without_a_message_shows_its_kind() -> None:
    board = EmergencyBoard()
    board.update(parse_emergencies({"emergencies": [dict(smoke(), kind="emergency.panic", message_zh="",
                                                         message_en="")]}))
    [item] = board.banner(SHANGHAI)["items"]  # type: ignore[index]
    assert (item["message_zh"], item["message_en"]) == ("紧急按钮报警", "Panic alarm")


def test_an_empty_update_takes_the_banner_down() -> None:
    board = EmergencyBoard()
    board.update(parse_emergencies({"emergencies": [smoke()]}))
    board.update(())
    assert board.banner(SHANGHAI) is None
