"""A room's ratio state in words follows the language switch (the dashboard's cards and its live script)."""

from __future__ import annotations

import json


def _dashboard(client) -> str:
    return client.get("/").get_data(as_text=True)


def _live_labels(html: str) -> dict:
    return json.loads(html.split('<script type="application/json" id="ratio-labels">')[1].split("</script>")[0])


def test_a_near_limit_room_is_said_in_chinese_by_default(rooms, session_client):
    rooms.staff_in(0, 1)
    rooms.children_in(rooms.toddler_kids[:10])
    html = _dashboard(session_client(rooms.director))
    assert ("接近上限：再来一名幼儿或离开一名保育人员即超标" in html, "Near the limit" in html) == (True, False)


def test_a_near_limit_room_is_said_in_english_under_the_switch(rooms, session_client):
    rooms.staff_in(0, 1)
    rooms.children_in(rooms.toddler_kids[:10])
    client = session_client(rooms.director)
    client.get("/lang/en")
    html = _dashboard(client)
    assert ("Near the limit: one more child or one caregiver leaving breaches" in html, "接近上限" in html) == (
        True, False)


def test_an_under_staffed_room_says_how_many_caregivers_it_needs(rooms, session_client):
    rooms.staff_in(0)  # one caregiver for ten toddlers: the rulebook wants two
    rooms.children_in(rooms.toddler_kids[:10])
    client = session_client(rooms.director)
    client.get("/lang/en")
    html = _dashboard(client)
    assert "Out of ratio or over the class size (2 caregivers needed)" in html
    assert _live_labels(html)["breach_needed"] == "Out of ratio or over the class size ({n} caregivers needed)"
