"""Two doors: what one kiosk saw reaches the other through the server's last moves of the day."""

from __future__ import annotations

from datetime import timedelta

from kiosk_app_factories import FATHER, YIYI, Rig, card

from kiosk.fake_server import FakeKioskServer


def _server_saw(rig: Rig, child: int, inside: bool, minutes_ago: int = 5) -> dict:
    at = (rig.clock.now() - timedelta(minutes=minutes_ago)).isoformat()
    day = rig.clock.now().astimezone(rig.kiosk.presence.tz).date().isoformat()
    return {"day": day, "children": [{"id": child, "inside": inside, "at": at}], "staff": []}


def test_a_child_brought_in_at_the_other_door_is_collected_here_as_a_check_out(
        rig: Rig, server: FakeKioskServer) -> None:
    rig.kiosk.merge_server_presence(_server_saw(rig, YIYI, inside=True))
    rig.scan(card(FATHER))
    rig.frames(2)
    assert [(str(e.kind), e.payload["children"]) for e in server.events()] == [("attendance.check_out", [YIYI])]


def test_this_kiosks_later_move_beats_an_older_one_from_the_server(rig: Rig) -> None:
    rig.scan(card(FATHER))  # checked in here just now
    rig.kiosk.merge_server_presence(_server_saw(rig, YIYI, inside=False, minutes_ago=30))
    assert rig.kiosk.presence.children == {YIYI}


def test_a_later_check_out_at_the_other_door_clears_presence_here(rig: Rig) -> None:
    rig.scan(card(FATHER))
    rig.clock.advance(hours=8)
    rig.kiosk.merge_server_presence(_server_saw(rig, YIYI, inside=False, minutes_ago=1))
    assert rig.kiosk.presence.children == set()


def test_an_answer_about_another_day_is_ignored(rig: Rig) -> None:
    body = _server_saw(rig, YIYI, inside=True)
    body["day"] = "2020-01-01"
    rig.kiosk.merge_server_presence(body)
    assert rig.kiosk.presence.children == set()


def test_an_unreadable_answer_changes_nothing(rig: Rig) -> None:
    rig.kiosk.merge_server_presence({"day": "nonsense", "children": "x"})
    assert rig.kiosk.presence.children == set()
