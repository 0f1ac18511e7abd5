"""The UV lamp's screens and register (issue #18): the panel on the 表6 page with Start/Stop, the monthly log page,
refusals and cut-offs shown plainly, and the pack's 紫外线消毒记录 with its monthly summary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compliance import Period
from devices.wire.protocol import Batch, Event, new_key
from server.auth.roles import Role
from server.centre.records import centre_record
from server.hygiene.uv_registers import MONTHLY_SUMMARY, REGISTER
from tests.factories import make_centre, make_login, make_room
from tests.sessions import csrf_token


@pytest.fixture
def world(app, client, clock):
    now = clock.now()
    centre = make_centre("alpha", now)
    room = make_room(centre, now)
    director = make_login("director", now, [(centre, Role.ADMIN)])
    caregiver = make_login("caregiver", now, [(centre, Role.CAREGIVER)])
    inspector = make_login("inspector", now, [(centre, Role.INSPECTOR)])
    code = client.post("/api/v1/centres/alpha/devices/enrolment-codes", json={"kind": "agent", "name": "班级设备"},
                       headers=director.headers).get_json()["code"]
    agent = client.post("/api/v1/devices/enroll", json={"code": code, "kind": "agent"}).get_json()
    return {"centre": centre, "room": room, "director": director, "caregiver": caregiver, "inspector": inspector,
            "agent": agent, "headers": {"Authorization": f"Bearer {agent['token']}"}}


def _send(client, world, at, state, **payload):
    body = {"lamp": "uv-room", "room_id": world["room"].id, "state": state, **payload}
    event = Event(key=new_key(), device_id=world["agent"]["device_id"], stream=new_key(), sequence=1,
                  kind="hygiene.uv", created_at=at, payload=body)
    batch = Batch(device_id=event.device_id, sent_at=at, events=[event]).model_dump(mode="json")
    assert client.post("/api/v1/devices/events", json=batch, headers=world["headers"]).status_code == 200


def _day_of_events(client, world, clock):
    start = clock.now()
    _send(client, world, start, "refused", reason="children_present", children_present=2)
    _send(client, world, start + timedelta(minutes=5), "on", minutes=60, children_present=0)
    _send(client, world, start + timedelta(minutes=25), "off", reason="motion")


def test_the_panel_starts_and_stops_the_lamp_from_the_checklist(session_client, client, world, clock):
    page = session_client(world["caregiver"])
    room = world["room"]
    html = page.get(f"/rooms/{room.id}/hygiene").get_data(as_text=True)
    assert 'id="uv-panel"' in html and 'id="uv-start"' in html
    sent = page.post(f"/rooms/{room.id}/hygiene/uv/start", data={"csrf_token": csrf_token(html)})
    assert sent.status_code == 303
    html = page.get(f"/rooms/{room.id}/hygiene").get_data(as_text=True)
    assert 'id="uv-waiting"' in html and 'id="uv-stop"' in html
    again = page.post(f"/rooms/{room.id}/hygiene/uv/start", data={"csrf_token": csrf_token(html)})
    assert again.status_code == 409  # already asked for: said plainly, nothing lost
    stopped = page.post(f"/rooms/{room.id}/hygiene/uv/stop", data={"csrf_token": csrf_token(html)})
    assert stopped.status_code == 303
    html = page.get(f"/rooms/{room.id}/hygiene").get_data(as_text=True)
    assert 'id="uv-start"' in html


def test_the_panel_shows_cut_offs_and_refusals_plainly(session_client, client, world, clock):
    _day_of_events(client, world, clock)
    clock.advance(minutes=30)
    html = session_client(world["caregiver"]).get(f"/rooms/{world['room'].id}/hygiene").get_data(as_text=True)
    assert "检测到人员活动，已切断" in html and "有幼儿入室" in html and "20 分钟" in html
    assert "继电器证实照射 0 分钟" in html  # a cut-off session is not a completed one


def test_an_inspector_reads_the_log_but_has_no_buttons(session_client, client, world, clock):
    _day_of_events(client, world, clock)
    page = session_client(world["inspector"])
    html = page.get(f"/rooms/{world['room'].id}/hygiene/uv").get_data(as_text=True)
    assert "紫外线消毒记录" in html and "拒绝开启" in html and "联锁切断 1 次" in html
    assert 'id="uv-start"' not in html
    assert page.get(f"/rooms/{world['room'].id}/hygiene/uv?month=2026-08").status_code == 200


def test_the_register_and_its_monthly_summary(client, world, clock):
    _day_of_events(client, world, clock)
    record = centre_record(world["centre"])
    period = Period(clock.now().date().replace(day=1), clock.now().date())
    rows = list(REGISTER.rows(record, period))
    assert [(r[1], r[4], r[5]) for r in rows] == [("拒绝开启", "", "有幼儿入室，已切断"),
                                                  ("开启", 20, "检测到人员活动，已切断")]
    [summary] = list(MONTHLY_SUMMARY.rows(record, period))
    assert summary[0] == "2026-09" and summary[2:] == (1, 0, 20, 1, 1)
