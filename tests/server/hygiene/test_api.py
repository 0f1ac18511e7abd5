"""The 表6 API and pages: read a day, tick, amend, sign, list a month; one error shape; forms keep what was typed."""

from __future__ import annotations

from datetime import timedelta

from server.hygiene import checklist
from tests.server.hygiene.conftest import CAREGIVER_PIN, DAY, World, at
from tests.sessions import csrf_token

BASE = "/api/v1/rooms/{room}/hygiene/2026-09-07"


def _url(world: World, tail: str = "") -> str:
    return BASE.format(room=world.room.id) + tail


def test_tick_read_amend_sign_through_the_api(client, world: World) -> None:  # type: ignore[no-untyped-def]
    h = world.caregiver.headers
    sent = client.post(_url(world, "/entries"), json={"item": "ventilation", "minutes": 9,
                                                      "started_at": at("09:00").isoformat()}, headers=h)
    assert sent.status_code == 201, sent.get_json()
    line = next(x for x in sent.get_json()["lines"] if x["item"] == "ventilation")
    (entry,) = line["entries"]
    assert entry["current"]["minutes"] == 9 and entry["current"]["by"] == "张老师"
    fixed = client.post(f"/api/v1/hygiene/entries/{entry['id']}/amendments",
                        json={"minutes": 12, "started_at": at("09:00").isoformat(), "reason": "计时器看错"}, headers=h)
    assert fixed.status_code == 201
    entry = next(x for x in fixed.get_json()["lines"] if x["item"] == "ventilation")["entries"][0]
    assert (entry["original"]["minutes"], entry["current"]["minutes"], entry["amendments"][0]["reason"]) == (
        9, 12, "计时器看错")
    signed = client.post(_url(world, "/sign"), json={"pin": CAREGIVER_PIN}, headers=h)
    assert signed.status_code == 201 and signed.get_json()["signature"]["name"] == "张老师"
    read = client.get(_url(world), headers=world.inspector.headers)
    assert read.status_code == 200 and read.get_json()["signature"]["signed_with"] == "pin"
    month = client.get(f"/api/v1/rooms/{world.room.id}/hygiene?month=2026-09", headers=world.director.headers)
    assert month.get_json()["days"] == [{"day": "2026-09-07", "entries": 1, "airings": 1, "signed": True,
                                         "amendments": 1}]


def test_errors_have_one_shape(client, world: World) -> None:  # type: ignore[no-untyped-def]
    h = world.caregiver.headers
    missing = client.post(_url(world, "/entries"), json={"item": "ventilation"}, headers=h)
    assert missing.status_code == 422
    assert missing.get_json()["error"] | {"message": ""} == {"code": "required", "field": "minutes", "message": "",
                                                            "details": missing.get_json()["error"]["details"]}
    bad_day = client.get(BASE.format(room=world.room.id).replace("2026-09-07", "2026-13-40"), headers=h)
    assert bad_day.status_code == 422 and bad_day.get_json()["error"]["code"] == "invalid_day"
    far = client.get(BASE.format(room=world.room.id).replace("2026-09-07", "9999-12-31"), headers=h)
    assert far.status_code == 422 and far.get_json()["error"]["field"] == "day"
    month = client.get(f"/api/v1/rooms/{world.room.id}/hygiene?month=0001-01", headers=h)
    assert month.status_code == 422 and month.get_json()["error"]["code"] == "invalid_month"
    nothing = client.post(_url(world, "/sign"), json={"pin": CAREGIVER_PIN}, headers=h)
    assert nothing.status_code == 409 and nothing.get_json()["error"]["code"] == "nothing_to_sign"
    no_reason = client.post("/api/v1/hygiene/entries/999/amendments", json={"reason": "x"}, headers=h)
    assert no_reason.status_code == 404
    other = client.get(BASE.format(room=world.beta_room.id), headers=h)
    assert other.status_code == 404
    guardian = client.post(_url(world, "/entries"), json={"item": "toys"}, headers=world.parent.headers)
    assert guardian.status_code == 403
    inspector = client.post(_url(world, "/entries"), json={"item": "toys"}, headers=world.inspector.headers)
    assert inspector.status_code == 403


def test_the_tablet_page_ticks_and_signs(session_client, world: World) -> None:  # type: ignore[no-untyped-def]
    page = session_client(world.caregiver)
    html = page.get(f"/rooms/{world.room.id}/hygiene").get_data(as_text=True)
    assert 'id="tick-ventilation"' in html and "表6" in html
    token = csrf_token(html)
    url = f"/rooms/{world.room.id}/hygiene/2026-09-07"
    sent = page.post(url + "/tick", data={"csrf_token": token, "item": "ventilation", "preset": "15",
                                         "started_at": "09:00"})
    assert sent.status_code == 302
    sent = page.post(url + "/tick", data={"csrf_token": token, "item": "toys"})
    assert sent.status_code == 302
    html = page.get(url).get_data(as_text=True)
    assert "15 分钟（09:00 起）" in html
    sent = page.post(url + "/sign", data={"csrf_token": token, "pin": CAREGIVER_PIN})
    assert sent.status_code == 302
    assert 'id="signed"' in page.get(url).get_data(as_text=True)


def test_a_refused_form_keeps_what_was_typed(session_client, world: World) -> None:  # type: ignore[no-untyped-def]
    page = session_client(world.caregiver)
    token = csrf_token(page.get(f"/rooms/{world.room.id}/hygiene").get_data(as_text=True))
    sent = page.post(f"/rooms/{world.room.id}/hygiene/2026-09-07/tick",
                     data={"csrf_token": token, "item": "tableware", "method": "boil", "minutes": "abc"})
    html = sent.get_data(as_text=True)
    assert sent.status_code == 422 and 'value="abc"' in html and 'id="minutes-problem"' in html
    sent = page.post(f"/rooms/{world.room.id}/hygiene/2026-09-07/tick",
                     data={"csrf_token": token, "item": "ventilation", "minutes": "15", "started_at": "23:00"})
    assert sent.status_code == 422 and 'value="23:00"' in sent.get_data(as_text=True)


def test_the_window_contacts_show_beside_the_ticks(session_client, world: World) -> None:  # type: ignore[no-untyped-def]
    from server.hygiene.devices import handle_window_event

    for state, hh in (("open", "09:02"), ("closed", "09:17")):
        handle_window_event(world.agent, world.event("hygiene.window", {"input": "w", "room_id": world.room.id,
                                                                        "state": state}, at(hh)), world.now)
    checklist.tick(world.room, DAY, item="ventilation", minutes=15, actor=world.actor, now=world.now)
    html = session_client(world.director).get(f"/rooms/{world.room.id}/hygiene").get_data(as_text=True)
    assert "窗磁 09:02–09:17 15 分钟" in html


def test_the_office_month_page(session_client, world: World) -> None:  # type: ignore[no-untyped-def]
    checklist.tick(world.room, DAY - timedelta(days=1), item="toys", actor=world.actor, now=world.now)
    page = session_client(world.inspector)
    sent = page.get(f"/centres/alpha/hygiene?room={world.room.id}&month=2026-09")
    html = sent.get_data(as_text=True)
    assert sent.status_code == 200 and "2026-09-06" in html and 'id="month-table"' in html
    assert "tick-ventilation" not in html
