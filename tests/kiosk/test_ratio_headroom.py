"""The ratio warning's arithmetic: server headroom, less this kiosk's check-ins the server has not counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from devices.wire.roster import RosterChild
from kiosk.ratio import RatioWatch, RoomHeadroom, headroom_left, parse_room_headroom, ratio_message

T = datetime(2026, 9, 7, 0, 30, tzinfo=UTC)
HONG = RosterChild(102, "王小红", "托小班")
YIYI = RosterChild(103, "刘一一", "托小班")
MING = RosterChild(101, "王小明", "乳儿班")
NO_ROOM = RosterChild(104, "新同学", None)


def room(name: str, headroom: int) -> dict:
    return {"room_id": 3, "name": name, "children": 10, "caregivers": 2, "state": "near_limit",
            "headroom": headroom, "cap": 15}


def answer(*rooms: dict, children: list[dict] | None = None) -> dict:
    return {"day": "2026-09-07", "children": children or [], "staff": [], "rooms": list(rooms)}


def moved(child: RosterChild, inside: bool, at: datetime) -> dict:
    return {"id": child.id, "inside": inside, "at": at.isoformat().replace("+00:00", "Z")}


def test_rooms_are_read_by_name() -> None:
    assert parse_room_headroom(answer(room("托小班", 0), room("乳儿班", 2))) == {"托小班": 0, "乳儿班": 2}


def test_an_answer_without_rooms_gives_no_headroom() -> None:
    assert parse_room_headroom({"day": "2026-09-07", "children": [], "staff": []}) is None


def test_unreadable_rooms_give_no_headroom() -> None:
    assert [parse_room_headroom({"rooms": rooms}) for rooms in (
        "x", [{"name": "托小班"}], [{"name": "托小班", "headroom": "2"}], [{"name": "", "headroom": 2}],
        [{"name": "托小班", "headroom": True}])] == [None] * 5


def test_two_rooms_of_one_name_take_the_stricter_headroom() -> None:
    assert parse_room_headroom(answer(room("托小班", 3), room("托小班", 1))) == {"托小班": 1}


def test_a_negative_headroom_counts_as_none_left() -> None:
    assert parse_room_headroom(answer(room("托小班", -2))) == {"托小班": 0}


def test_uncounted_check_ins_are_taken_off_their_room_only() -> None:
    assert headroom_left({"托小班": 2, "乳儿班": 1}, ["托小班"]) == {"托小班": 1, "乳儿班": 1}


def test_headroom_left_never_goes_below_zero() -> None:
    assert headroom_left({"托小班": 1}, ["托小班", "托小班", "托小班"]) == {"托小班": 0}


def test_arrivals_up_to_the_headroom_do_not_breach() -> None:
    assert RoomHeadroom("托小班", 2, (102, 103)).breached_by({102, 103}) is False


def test_one_arrival_past_the_headroom_breaches() -> None:
    assert RoomHeadroom("托小班", 1, (102, 103)).breached_by({102, 103}) is True


def test_unticked_children_do_not_count() -> None:
    assert RoomHeadroom("托小班", 0, (102, 103)).breached_by({101}) is False


def test_the_warning_is_chinese_first_and_names_the_room() -> None:
    zh, en = ratio_message("托小班")
    assert (zh, en) == ("托小班 将超出师幼比或班额，请通知园长",
                        "托小班 will be out of ratio or over its size limit — please tell the director")


def test_no_server_answer_means_no_advice() -> None:
    watch = RatioWatch()
    assert (watch.headroom(), watch.advise([HONG], {HONG.id}).warnings()) == (None, [])


def test_a_room_with_no_headroom_warns_for_its_child_only() -> None:
    watch = RatioWatch()
    watch.take_server(answer(room("托小班", 0), room("乳儿班", 3)))
    advice = watch.advise([MING, HONG], {MING.id, HONG.id})
    assert [(w.room, w.arriving(advice.selected)) for w in advice.warnings()] == [("托小班", 1)]


def test_children_of_rooms_the_server_does_not_list_give_no_warning() -> None:
    watch = RatioWatch()
    watch.take_server(answer(room("托大班", 0)))
    assert watch.advise([HONG, NO_ROOM], {HONG.id, NO_ROOM.id}).as_json() == {"rooms": [], "warnings": []}


def test_own_check_ins_the_server_has_not_seen_use_up_headroom() -> None:
    watch = RatioWatch()
    watch.take_server(answer(room("托小班", 1)))
    watch.checked_in([YIYI], T)
    assert [w.room for w in watch.advise([HONG], {HONG.id}).warnings()] == ["托小班"]


def test_a_check_in_the_server_shows_inside_is_not_subtracted_twice() -> None:
    watch = RatioWatch()
    watch.checked_in([YIYI], T)
    watch.take_server(answer(room("托小班", 1), children=[moved(YIYI, True, T)]))
    assert watch.headroom() == {"托小班": 1}


def test_a_check_in_the_server_has_not_seen_survives_a_presence_answer() -> None:
    watch = RatioWatch()
    watch.checked_in([YIYI], T)
    # The server's last move of her is older than our check-in: it has not seen ours yet.
    watch.take_server(answer(room("托小班", 1), children=[moved(YIYI, False, T - timedelta(hours=1))]))
    assert watch.headroom() == {"托小班": 0}


def test_a_later_check_out_at_another_door_frees_the_place() -> None:
    watch = RatioWatch()
    watch.checked_in([YIYI], T)
    watch.take_server(answer(room("托小班", 1), children=[moved(YIYI, False, T + timedelta(minutes=5))]))
    assert watch.headroom() == {"托小班": 1}


def test_a_check_out_here_frees_an_uncounted_place() -> None:
    watch = RatioWatch()
    watch.take_server(answer(room("托小班", 1)))
    watch.checked_in([YIYI], T)
    watch.checked_out([YIYI.id])
    assert watch.headroom() == {"托小班": 1}


def test_an_answer_without_rooms_turns_warnings_off() -> None:
    watch = RatioWatch()
    watch.take_server(answer(room("托小班", 0)))
    watch.take_server({"day": "2026-09-07", "children": [], "staff": []})
    assert watch.advise([HONG], {HONG.id}).warnings() == []


def test_a_new_day_forgets_rooms_and_check_ins() -> None:
    watch = RatioWatch()
    watch.take_server(answer(room("托小班", 0)))
    watch.checked_in([YIYI], T)
    watch.clear()
    watch.take_server(answer(room("托小班", 1)))
    assert watch.headroom() == {"托小班": 1}


def test_advice_json_lists_rooms_for_the_ui_and_warnings_for_the_selection() -> None:
    watch = RatioWatch()
    watch.take_server(answer(room("托小班", 1)))
    advice = watch.advise([HONG, YIYI], {HONG.id, YIYI.id}).as_json()
    assert (advice["rooms"][0]["children"], advice["rooms"][0]["headroom"],
            [(w["room"], w["arriving"], w["headroom"]) for w in advice["warnings"]]) == (
        [102, 103], 1, [("托小班", 2, 1)])
