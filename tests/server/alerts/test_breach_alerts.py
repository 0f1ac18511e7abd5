"""A ratio-breach alert stays open while its room is out of ratio, and resolves once it is back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.attendance.rooms.models import RatioViolation
from server.database import db
from tests.server.attendance.rooms.conftest import Rooms


@pytest.fixture
def rooms(app, client, clock):
    return Rooms(client, clock)


def _breach(rooms, clock) -> int:
    rooms.staff_in(0, 1)
    rooms.children_in(rooms.toddler_kids[:10])
    clock.advance(minutes=5)
    rooms.move(1, reason="break")
    return db.session.execute(select(RatioViolation.alert_id)).scalar_one()


def test_a_breach_alert_cannot_be_resolved_while_the_room_is_out_of_ratio(rooms, client, clock):
    alert_id = _breach(rooms, clock)
    response = client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=rooms.director.headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "still_in_breach")


def test_a_breach_alert_is_gone_once_the_room_is_back_in_ratio(rooms, client, clock):
    alert_id = _breach(rooms, clock)
    rooms.move(1, rooms.toddlers)
    items = client.get("/api/v1/centres/alpha/alerts", headers=rooms.director.headers).get_json()["items"]
    assert alert_id not in [a["id"] for a in items]


def test_another_alert_resolves_by_hand(rooms, client, clock):
    from server.alerts.operations import raise_alert

    alert = raise_alert(rooms.centre.id, kind="attendance.not_arrived", severity="warning", dedupe_key="x",
                        message_zh="未到", message_en="not arrived", now=clock.now())
    db.session.commit()
    response = client.post(f"/api/v1/alerts/{alert.id}/resolve", headers=rooms.director.headers)
    assert response.status_code == 200
