"""Open dashboards hear of a ratio change within a second; the roll call, places and violations pages."""

from __future__ import annotations

import json
import time

from server.auth.roles import Role
from tests.factories import make_login


def _next_ratios(chunks) -> dict:
    for chunk in chunks:
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        if text.startswith("event: ratios"):
            return json.loads(text.split("data: ", 1)[1])
    raise AssertionError("stream ended")


def test_a_caregiver_leaving_reaches_an_open_dashboard_within_a_second(rooms):
    rooms.staff_in(0, 1)
    rooms.children_in(rooms.toddler_kids[:10])
    response = rooms.client.get("/api/v1/centres/alpha/ratios/stream", headers=rooms.director.headers,
                                buffered=False)
    chunks = iter(response.response)
    first = {r["room_id"]: r for r in _next_ratios(chunks)["rooms"]}
    rooms.move(1, reason="break")
    posted = time.monotonic()
    second = {r["room_id"]: r for r in _next_ratios(chunks)["rooms"]}
    elapsed = time.monotonic() - posted
    response.close()
    toddlers = rooms.toddlers.id
    assert (first[toddlers]["state"], second[toddlers]["state"], second[toddlers]["caregivers"]) == (
        "near_limit", "breach", 1)
    assert elapsed < 1.0


def test_parents_do_not_see_the_ratio_board(rooms, clock):
    parent = make_login("parent", clock.now(), [(rooms.centre, Role.GUARDIAN)])
    assert rooms.client.get("/api/v1/centres/alpha/ratios", headers=parent.headers).status_code == 403
    assert rooms.client.get("/api/v1/centres/alpha/ratios/stream", headers=parent.headers).status_code == 403


def test_the_kiosk_hears_each_rooms_headroom_with_presence(rooms):
    rooms.staff_in(0, 1)
    rooms.children_in(rooms.toddler_kids[:8])
    body = rooms.client.get("/api/v1/devices/presence",
                            headers={"Authorization": f"Bearer {rooms.device['token']}"}).get_json()
    by_name = {r["name"]: r for r in body["rooms"]}
    assert (by_name["托小班"]["children"], by_name["托小班"]["caregivers"], by_name["托小班"]["headroom"]) == (8, 2, 2)
    assert by_name["托大班"]["headroom"] == 0  # nobody to look after a child there


def test_the_roll_call_lists_everyone_present_per_room(rooms, session_client):
    rooms.staff_in(0, 3)
    rooms.children_in(rooms.toddler_kids[:2] + rooms.older_kids[:1])
    rooms.move(3, reason="off_floor")
    page = session_client(rooms.director).get("/centres/alpha/rollcall").get_data(as_text=True)
    toddlers = page.split(f'data-room="{rooms.toddlers.id}"')[1].split("</section>")[0]
    older = page.split(f'data-room="{rooms.older.id}"')[1].split("</section>")[0]
    elsewhere = page.split('data-room="none"')[1].split("</section>")[0]
    assert ("小0" in toddlers, "小1" in toddlers, "保育员0" in toddlers, "大0" in older) == (True, True, True, True)
    assert "保育员3" in elsewhere and "保育员3" not in older
    assert 'id="unticked">5<' in page


def test_the_tablet_page_shows_where_i_am(rooms, session_client):
    staff, login = rooms.carers[0]
    client = session_client(login)
    assert "请先在门口签到机签到" in client.get("/centres/alpha/rooms/move").get_data(as_text=True)
    rooms.staff_in(0)
    page = client.get("/centres/alpha/rooms/move").get_data(as_text=True)
    assert 'id="current-room">托小班<' in page and f'data-staff="{staff.id}"' in page


def test_the_places_and_violations_pages_answer_in_chinese_first(rooms, session_client):
    client = session_client(rooms.director)
    places = client.get("/centres/alpha/occupancy?from=2026-09-01&to=2026-09-07").get_data(as_text=True)
    assert "托位动态监测" in places and 'id="occupancy-chart"' in places
    loads = places.split('id="class-loads"')[1].split("</table>")[0]
    # 16 toddlers enrolled against the 托小班 cap of 15 (flagged), 8 in the older room against 20.
    assert '<td>托小班</td><td class="state-bad">16</td><td>15</td>' in loads
    assert '<td>托大班</td><td class="state-ok">8</td><td>20</td>' in loads
    violations = client.get("/centres/alpha/ratio-violations?from=2026-09-01&to=2026-09-07").get_data(as_text=True)
    assert 'id="no-violations"' in violations
    assert client.get("/centres/alpha/occupancy?from=2026-09-07&to=2026-09-01").status_code == 400
