"""Response: families told through the notifier, the close-out resolves the alarms and the banner goes away."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.alerts.models import Alert
from server.database import db
from server.notices.models import GuardianNotice
from tests.server.emergencies.test_live_world import LiveWorld


@pytest.fixture
def world(client, clock) -> LiveWorld:  # type: ignore[no-untyped-def]
    return LiveWorld(client, clock)


def _emergency_id(world) -> int:  # type: ignore[no-untyped-def]
    world.smoke()
    return world.current(world.director)["emergency"]["id"]


def test_families_of_the_children_present_are_sent_an_urgent_notice(world, client):
    emergency_id = _emergency_id(world)
    response = client.post(f"/api/v1/live-emergencies/{emergency_id}/notify", headers=world.director.headers,
                           json={"template": "all_safe"})
    notices = db.session.execute(select(GuardianNotice).order_by(GuardianNotice.child_id)).scalars().all()
    assert (response.status_code, response.get_json()["children"]) == (201, 3)
    assert [(n.child_id, n.kind, n.subject) for n in notices] == [
        (k.id, "emergency.notice", "All children are safe") for k in world.kids]  # not the absent child
    assert world.current(world.carer_a)["timeline"][-1]["kind"] == "notified"


def test_the_guardian_reads_the_notice_in_their_inbox(world, client, session_client):
    emergency_id = _emergency_id(world)
    client.post(f"/api/v1/live-emergencies/{emergency_id}/notify", headers=world.director.headers,
                json={"template": "free_text", "text": "请16:00前来园接孩子"})
    items = client.get("/api/v1/centres/alpha/notices", headers=world.parent.headers).get_json()["items"]
    assert [(i["kind"], i["urgent"], i["body"]) for i in items] == [("emergency.notice", True, "请16:00前来园接孩子")]


def test_own_words_are_required_for_a_free_text_notice(world, client):
    emergency_id = _emergency_id(world)
    response = client.post(f"/api/v1/live-emergencies/{emergency_id}/notify", headers=world.director.headers,
                           json={"template": "free_text"})
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "text")
    assert db.session.execute(select(GuardianNotice)).first() is None


def test_a_caregiver_may_not_notify_the_families(world, client):
    emergency_id = _emergency_id(world)
    response = client.post(f"/api/v1/live-emergencies/{emergency_id}/notify", headers=world.carer_a.headers,
                           json={"template": "all_safe"})
    assert response.status_code == 403


def test_closing_resolves_the_alarm_and_the_banner_goes_away(world, client, clock):
    emergency_id = _emergency_id(world)
    world.panic()
    assert len(client.get("/api/v1/me/emergencies", headers=world.carer_a.headers).get_json()["items"]) == 2
    clock.advance(minutes=6)
    response = client.post(f"/api/v1/live-emergencies/{emergency_id}/close", headers=world.director.headers,
                           json={"summary": "厨房油烟误报", "all_clear": True})
    alerts = db.session.execute(select(Alert)).scalars().all()
    assert (response.status_code, response.get_json()["status"]) == (201, "closed")
    assert [a.resolved_at for a in alerts] == [clock.now(), clock.now()]
    assert client.get("/api/v1/me/emergencies", headers=world.carer_a.headers).get_json() == {"items": []}
    assert world.current(world.carer_a) == {**world.current(world.carer_a), "open": False, "emergency": None}


def test_all_clear_is_refused_while_someone_is_missing(world, client):
    emergency_id = _emergency_id(world)
    world.tick(world.carer_a, f"c{world.kids[1].id}", "missing")
    response = client.post(f"/api/v1/live-emergencies/{emergency_id}/close", headers=world.director.headers,
                           json={"summary": "结束", "all_clear": True})
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "someone_missing")
    assert world.current(world.carer_a)["open"] is True


def test_a_closed_emergency_refuses_a_second_close_and_new_notes(world, client):
    emergency_id = _emergency_id(world)
    client.post(f"/api/v1/live-emergencies/{emergency_id}/close", headers=world.director.headers,
                json={"summary": "结束", "all_clear": True})
    again = client.post(f"/api/v1/live-emergencies/{emergency_id}/close", headers=world.director.headers,
                        json={"summary": "再次", "all_clear": True})
    note = client.post(f"/api/v1/live-emergencies/{emergency_id}/notes", headers=world.carer_a.headers,
                       json={"text": "补记"})
    assert (again.status_code, note.status_code) == (409, 409)


def test_a_new_alarm_after_the_close_opens_a_new_emergency(world, client):
    first = _emergency_id(world)
    client.post(f"/api/v1/live-emergencies/{first}/close", headers=world.director.headers,
                json={"summary": "结束", "all_clear": True})
    world.smoke()
    assert world.current(world.carer_a)["emergency"]["id"] != first


def test_the_live_page_and_the_banner_link(world, session_client):
    world.smoke()
    carer = session_client(world.carer_a)
    page = carer.get("/centres/alpha/live-emergencies/now")
    alert_id = db.session.execute(select(Alert.id)).scalar_one()
    link = carer.get(f"/emergencies/by-alert/{alert_id}")
    assert (page.status_code, 'id="rollcall"' in page.get_data(as_text=True)) == (200, True)
    assert (link.status_code, link.headers["Location"]) == (302, "/centres/alpha/live-emergencies/now")
