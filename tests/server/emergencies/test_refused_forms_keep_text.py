"""A refused review or follow-up form on the emergency record answers 4xx with the record again, what was typed
still in the form and the problem beside it: nothing typed is lost."""

from __future__ import annotations

import pytest

from tests.server.emergencies.test_followups_review import _closed
from tests.server.emergencies.test_live_world import LiveWorld
from tests.sessions import page_csrf


@pytest.fixture
def world(client, clock) -> LiveWorld:  # type: ignore[no-untyped-def]
    return LiveWorld(client, clock)


def test_a_refused_review_keeps_every_field(world, client, clock, session_client):
    emergency_id = _closed(world, client, clock)
    browser = session_client(world.director)
    page = f"/centres/alpha/live-emergencies/{emergency_id}"
    response = browser.post(f"{page}/review", data={
        "csrf_token": page_csrf(browser, page), "what_happened": "x" * 2001, "what_worked": "疏散路线清楚",
        "what_to_change": "厨房加装油烟报警器"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "疏散路线清楚" in html and "厨房加装油烟报警器" in html and "x" * 2001 in html
    assert 'id="review-what_happened-problem"' in html


def test_a_refused_follow_up_keeps_what_owner_and_date(world, client, clock, session_client):
    emergency_id = _closed(world, client, clock)
    browser = session_client(world.director)
    page = f"/centres/alpha/live-emergencies/{emergency_id}"
    response = browser.post(f"{page}/follow-ups", data={
        "csrf_token": page_csrf(browser, page), "what": "检修厨房烟感", "owner_staff_id": str(world.staff_b.id),
        "due_on": "1999-01-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="检修厨房烟感"' in html and 'value="1999-01-01"' in html
    assert f'<option value="{world.staff_b.id}" selected>' in html
    assert 'id="follow_up-due_on-problem"' in html


def test_a_refused_follow_up_completion_keeps_its_note(world, client, clock, session_client):
    emergency_id = _closed(world, client, clock)
    added = client.post(f"/api/v1/live-emergencies/{emergency_id}/follow-ups", headers=world.director.headers,
                        json={"what": "检修厨房烟感", "owner_staff_id": world.staff_b.id, "due_on": "2026-09-30"})
    assert added.status_code == 201, added.get_json()
    task_id = added.get_json()["follow_ups"][0]["id"]
    browser = session_client(world.director)
    page = f"/centres/alpha/live-emergencies/{emergency_id}"
    note = "已更换" + "。" * 2001
    response = browser.post(f"/centres/alpha/emergency-follow-ups/{task_id}/done",
                            data={"csrf_token": page_csrf(browser, page), "note": note})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'value="{note}"' in html and f'id="done_{task_id}-note-problem"' in html
