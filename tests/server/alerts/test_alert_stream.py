"""Every open page hears of alerts through one stream per person: the badge's count stays right."""

from __future__ import annotations

import json

import pytest

from server.alerts.operations import raise_alert
from server.auth.roles import Role
from server.database import db
from tests.factories import make_centre, make_login


@pytest.fixture
def world(app, clock):
    centre = make_centre("alpha", clock.now())
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    db.session.commit()
    return centre, director


def _next_alerts(chunks) -> dict:
    for chunk in chunks:
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        if text.startswith("event: alerts"):
            return json.loads(text.split("data: ", 1)[1])
    raise AssertionError("stream ended")


def _alert(centre, clock, key: str):
    alert = raise_alert(centre.id, kind="attendance.not_arrived", severity="warning", dedupe_key=key,
                        message_zh="未到", message_en="not arrived", now=clock.now())
    db.session.commit()
    return alert


def test_a_new_alert_reaches_an_open_stream(session_client, world, clock):
    centre, director = world
    response = session_client(director).get("/alerts/stream", buffered=False)
    chunks = iter(response.response)
    first = _next_alerts(chunks)
    _alert(centre, clock, "a")
    second = _next_alerts(chunks)
    response.close()
    assert (first["count"], second["count"]) == (0, 1)


def test_the_count_drops_when_an_alert_is_resolved(client, session_client, world, clock):
    centre, director = world
    alert = _alert(centre, clock, "a")
    response = session_client(director).get("/alerts/stream", buffered=False)
    chunks = iter(response.response)
    first = _next_alerts(chunks)
    client.post(f"/api/v1/alerts/{alert.id}/resolve", headers=director.headers)
    second = _next_alerts(chunks)
    response.close()
    assert (first["count"], second["count"]) == (1, 0)


def test_the_dashboard_alert_panel_lists_open_alerts(session_client, world, clock):
    centre, director = world
    _alert(centre, clock, "a")
    html = session_client(director).get("/centres/alpha/alerts/panel").get_data(as_text=True)
    assert html.count("data-alert-id=") == 1
