"""Monitoring and warning: alarms open an emergency by themselves, a second event joins it, staff open one by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.database import db
from server.emergencies.live_models import Emergency, EmergencyAlert
from tests.server.emergencies.test_live_world import LiveWorld


@pytest.fixture
def world(client, clock) -> LiveWorld:  # type: ignore[no-untyped-def]
    return LiveWorld(client, clock)


def _emergencies() -> list[Emergency]:
    return list(db.session.execute(select(Emergency).order_by(Emergency.id)).scalars())


def test_a_smoke_event_opens_an_emergency_through_the_device_path(world, client):
    world.smoke()
    [emergency] = _emergencies()
    state = world.current(world.carer_a)
    assert (emergency.kind.value, emergency.source.value, emergency.opened_by_id) == ("fire", "smoke", None)
    assert (state["open"], state["emergency"]["id"], [line["kind"] for line in state["timeline"]]) == (
        True, emergency.id, ["opened"])
    assert "烟雾报警" in client.get("/api/v1/centres/alpha/live-emergencies/current",
                                 headers={**world.carer_a.headers, "Accept-Language": "zh-CN"}).get_json()[
        "timeline"][0]["words"]


def test_a_panic_press_while_the_smoke_emergency_is_open_joins_its_timeline(world):
    world.smoke()
    world.panic()
    [emergency] = _emergencies()
    links = db.session.execute(select(EmergencyAlert).where(EmergencyAlert.emergency_id == emergency.id)).all()
    assert ([line["kind"] for line in world.current(world.carer_b)["timeline"]], len(links)) == (
        ["opened", "joined"], 2)


def test_a_caregiver_opens_one_by_hand_and_a_second_opening_joins_it(world, client):
    first = client.post("/api/v1/centres/alpha/live-emergencies", headers=world.carer_a.headers,
                        json={"kind": "earthquake", "summary": "地面晃动"})
    second = client.post("/api/v1/centres/alpha/live-emergencies", headers=world.carer_b.headers,
                         json={"kind": "medical", "summary": "小二呼吸困难"})
    assert (first.status_code, first.get_json()["new"], first.get_json()["source"]) == (201, True, "manual")
    assert (second.status_code, second.get_json()["new"], second.get_json()["id"]) == (201, False,
                                                                                      first.get_json()["id"])
    assert [i["kind"] for i in client.get("/api/v1/me/emergencies", headers=world.carer_b.headers).get_json()[
        "items"]] == ["emergency.live"]


def test_an_unknown_kind_is_refused_and_nothing_is_opened(world, client):
    response = client.post("/api/v1/centres/alpha/live-emergencies", headers=world.carer_a.headers,
                           json={"kind": "volcano"})
    assert (response.status_code, response.get_json()["error"]["field"], _emergencies()) == (422, "kind", [])


def test_a_guardian_may_neither_open_one_nor_see_the_roll_call(world, client):
    opened = client.post("/api/v1/centres/alpha/live-emergencies", headers=world.parent.headers, json={"kind": "fire"})
    state = client.get("/api/v1/centres/alpha/live-emergencies/current", headers=world.parent.headers)
    assert (opened.status_code, state.status_code) == (403, 403)


def test_an_environment_emergency_alert_is_taken_in_by_the_minute_job(world, clock):
    from server.alerts.operations import raise_alert
    from server.emergencies.live_jobs import EMERGENCY_ABSORB
    from server.scheduling.operations import run_once

    opened_after = []
    for minute in range(6):  # the job's cadence: every minute; the alarm comes in the third
        if minute == 2:
            raise_alert(world.centre.id, kind="environment.gas", severity="emergency", dedupe_key="gas:1",
                        message_zh="燃气泄漏", message_en="Gas leak", now=clock.now())
            db.session.commit()
        assert run_once(EMERGENCY_ABSORB, now=clock.now())
        db.session.commit()
        opened_after.append(len(_emergencies()))
        clock.advance(minutes=1)
    assert opened_after == [0, 0, 1, 1, 1, 1]  # taken in at its minute, once
    [emergency] = _emergencies()
    assert (emergency.kind.value, emergency.source.value) == ("environment", "environment")
