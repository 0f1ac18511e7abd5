"""Who may open which room's tablet: the caregivers assigned there today, the 保健员 and the director."""

from __future__ import annotations

import json
import re
from datetime import time

import pytest

from server.auth.roles import Role
from server.database import db
from server.staff.operations.roster import assign_shift, cancel_shift
from tests.factories import SYSTEM, make_centre, make_login


def test_a_caregiver_opens_her_home_room_and_no_other(tablets):
    me = tablets.carers[0][1]
    assert tablets.board(tablets.toddlers, me).status_code == 200
    refused = tablets.board(tablets.older, me)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "not_your_room")
    assert refused.get_json()["error"]["message"] == "本班平板仅供今天在本班工作的保育人员使用"


def test_health_and_the_director_open_every_room_other_roles_none(tablets):
    for login in (tablets.nurse, tablets.director):
        assert [tablets.board(r, login).status_code for r in (tablets.toddlers, tablets.older)] == [200, 200]
    for login in (tablets.inspector, tablets.cook, tablets.unlinked):
        assert tablets.board(tablets.toddlers, login).status_code == 403
    stranger = make_login("stranger", tablets.clock.now(), [(make_centre("beta", tablets.clock.now()), Role.ADMIN)])
    assert tablets.board(tablets.toddlers, stranger).status_code == 404
    assert tablets.client.get(f"/api/v1/rooms/{tablets.toddlers.id}/board").status_code == 401


def test_a_shift_on_the_roster_today_opens_the_room_until_it_is_cancelled(tablets, clock):
    staff, login = tablets.carers[2]  # no home room
    assert tablets.board(tablets.older, login).status_code == 403
    shift = assign_shift(tablets.centre, staff_id=staff.id, room_id=tablets.older.id, day=clock.now().date(),
                         starts=time(8), ends=time(17), actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert tablets.board(tablets.older, login).status_code == 200
    assert tablets.board(tablets.toddlers, login).status_code == 403
    cancel_shift(shift, reason="病假", actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert tablets.board(tablets.older, login).status_code == 403


def test_the_room_a_caregiver_moved_into_opens_too(tablets):
    staff, login = tablets.carers[2]  # no home room, no shift
    tablets.kiosk("attendance.check_in", f"s{staff.id}")
    assert tablets.board(tablets.older, login).status_code == 403
    response = tablets.client.post(f"/api/v1/staff/{staff.id}/moves", json={"room_id": tablets.older.id,
                                                                            "reason": "room"}, headers=login.headers)
    assert response.status_code in (200, 201), response.get_json()
    assert tablets.board(tablets.older, login).status_code == 200


def test_my_room_leads_a_caregiver_to_her_room_and_others_choose(tablets, session_client):
    page = session_client(tablets.carers[0][1]).get("/centres/alpha/tablet")
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/rooms/{tablets.toddlers.id}/tablet")
    choice = session_client(tablets.nurse).get("/centres/alpha/tablet").get_data(as_text=True)
    assert "托小班" in choice and "托大班" in choice
    nothing = session_client(tablets.carers[2][1]).get("/centres/alpha/tablet").get_data(as_text=True)
    assert 'id="no-room"' in nothing and "今天没有分配给您的班级" in nothing


def test_the_room_page_carries_its_board_words_and_urls_for_its_script(tablets, session_client):
    tablets.children_in(tablets.toddler_kids[:2])
    html = session_client(tablets.carers[0][1]).get(f"/centres/alpha/rooms/{tablets.toddlers.id}/tablet").get_data(
        as_text=True)
    config = json.loads(html.split('id="tablet-config">')[1].split("</script>")[0])
    texts = json.loads(html.split('id="tablet-texts">')[1].split("</script>")[0])
    assert config["board_url"] == f"/api/v1/rooms/{tablets.toddlers.id}/board"
    assert config["actions"]["nap_start"] == "/api/v1/children/2147483647/naps"
    assert config["actions"]["outdoor"] == f"/api/v1/rooms/{tablets.toddlers.id}/outdoor"
    assert {"nap_check", "nap_end", "entry"} <= set(config["actions"]) and config["may_write"] is True
    assert "peanuts" in {a["code"] for a in config["allergens"]}
    assert config["pages"] == {"check_form": "/centres/alpha/health-checks/children/2147483647",
                               "dose_form": "/medication/consents/2147483647/dose",
                               "request_form": "/medication/children/2147483647/request"}
    assert (config["actions"]["note"], config["reads"]["notes"]) == ("/api/v1/children/2147483647/care-notes",) * 2
    assert ["language", "语言"] in config["domains"]
    assert texts["pending"] == "{n} 条待上传" and ["stomach", "俯卧"] in texts["labels"]["position"]
    # A shell: the board (names, allergies, checks) is fetched with the session, never kept inside the page.
    assert 'id="tablet-board"' not in html and not any(k.name in html for k in tablets.toddler_kids[:2])
    # No inline code (CSP): every script tag either loads a file or carries JSON data.
    tags = re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE)
    assert tags and all(" src=" in t or 'type="application/json"' in t for t in tags), tags
    assert 'href="/centres/alpha/rooms/move"' in html  # the move page stays one tap away


@pytest.mark.parametrize("who", ["carer1", "inspector"])
def test_the_room_page_refuses_who_may_not_open_it(tablets, session_client, who):
    login = {"carer1": tablets.carers[1][1], "inspector": tablets.inspector}[who]
    assert session_client(login).get(f"/centres/alpha/rooms/{tablets.toddlers.id}/tablet").status_code == 403


def test_a_room_of_another_centre_is_not_found_under_this_one(tablets, session_client, clock):
    beta = make_centre("beta", clock.now())
    db.session.commit()
    client = session_client(tablets.director)
    assert client.get(f"/centres/alpha/rooms/{tablets.toddlers.id}/tablet").status_code == 200
    assert client.get(f"/centres/{beta.code}/rooms/{tablets.toddlers.id}/tablet").status_code == 404


def test_the_service_worker_keeps_only_the_room_screen_and_its_files(client):
    response = client.get("/tablet-sw.js")
    script = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "/static/tablet/tablet.js" in script and "/static/tablet/queue.js" in script
    assert r"/^\/centres\/[^/]+\/rooms\/\d+\/tablet$/" in script  # no other page is kept


def test_the_room_page_speaks_english_after_the_switch(tablets, session_client):
    client = session_client(tablets.carers[0][1])
    client.get("/lang/en?next=/")
    html = client.get(f"/centres/alpha/rooms/{tablets.toddlers.id}/tablet").get_data(as_text=True)
    texts = json.loads(html.split('id="tablet-texts">')[1].split("</script>")[0])
    assert (texts["pending"], texts["nap_start"]) == ("{n} entries waiting to upload", "Falls asleep")
    assert ["stomach", "On the stomach"] in texts["labels"]["position"] and "条待上传" not in html
