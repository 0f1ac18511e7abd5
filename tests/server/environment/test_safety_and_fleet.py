"""Safety inputs raise emergencies at once; heartbeats keep the agent's health; silence raises device.offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.alerts.models import Alert
from server.auth.roles import Role
from server.database import db
from server.environment.models import SafetyEvent
from server.fleet.models import Device
from tests.factories import make_login
from tests.server.environment.helpers import reasons, run_evaluation, statuses


def _safety(site, kind: str, state: str, at: datetime, name: str = "panic-1"):
    return site.event(kind, {"input": name, "location": site.point, "state": state, "label": "小月亮班 / Moon room"}, at)


def _alerts() -> list[Alert]:
    return list(db.session.execute(select(Alert).order_by(Alert.id)).scalars())


def test_a_panic_press_raises_one_emergency_however_often_it_is_pressed(site, client, clock):
    now = clock.now()
    response = site.post(client, _safety(site, "safety.panic", "pressed", now),
                         _safety(site, "safety.panic", "pressed", now + timedelta(seconds=5)))
    assert statuses(response) == ["accepted", "accepted"]
    assert [(a.kind, a.severity) for a in _alerts()] == [("emergency.panic", "emergency")]
    assert len(db.session.execute(select(SafetyEvent)).scalars().all()) == 2


def test_a_smoke_alarm_is_an_emergency_on_staff_screens_and_kiosks(site, client, clock):
    site.post(client, _safety(site, "safety.smoke", "alarm", clock.now(), name="smoke-1"))
    staff = client.get("/api/v1/centres/alpha/emergencies", headers=site.director.headers).get_json()["items"]
    code = client.post("/api/v1/centres/alpha/devices/enrolment-codes", json={"kind": "kiosk", "name": "门口"},
                       headers=site.director.headers).get_json()["code"]
    token = client.post("/api/v1/devices/enroll", json={"code": code, "kind": "kiosk"}).get_json()["token"]
    kiosk = client.get("/api/v1/devices/emergencies", headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
    assert [a["kind"] for a in staff] == [a["kind"] for a in kiosk] == ["emergency.smoke"]


def test_a_released_panic_button_is_stored_without_an_alert(site, client, clock):
    site.post(client, _safety(site, "safety.panic", "released", clock.now()))
    assert _alerts() == []


def test_a_door_opened_at_night_is_urgent(site, client, clock):
    night = datetime(2026, 9, 7, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    clock.advance(night - clock.now())
    site.post(client, _safety(site, "safety.door", "open", night, name="front-door"))
    assert [(a.kind, a.severity) for a in _alerts()] == [("safety.door_after_hours", "urgent")]


def test_a_door_opened_during_opening_hours_is_only_recorded(site, client, clock):
    site.post(client, _safety(site, "safety.door", "open", clock.now(), name="front-door"))  # 09:30 Shanghai
    assert _alerts() == []


def test_a_malformed_safety_event_is_rejected_with_a_reason(site, client, clock):
    bad = site.event("safety.panic", {"input": "panic-1", "state": "exploded", "location": site.point}, clock.now())
    assert reasons(site.post(client, bad)) == ["safety.invalid"]


def test_a_guardian_cannot_see_emergencies(site, client, clock):
    parent = make_login("parent", clock.now(), [(site.centre, Role.GUARDIAN)])
    assert client.get("/api/v1/centres/alpha/emergencies", headers=parent.headers).status_code == 403


def test_a_heartbeat_stores_version_sensor_health_and_outbox_depth(site, client, clock):
    beat = site.event("heartbeat", {"version": "2.1.0", "uptime_s": 3600, "outbox_pending": 12, "outbox_dead": 1,
                                    "sensors": {"scd41-a": {"status": "fault", "fault": "crc"}}}, clock.now())
    assert statuses(site.post(client, beat)) == ["accepted"]
    device = db.session.execute(select(Device).where(Device.device_id == site.agent["device_id"])).scalar_one()
    assert device.version == "2.1.0"
    assert (device.health["outbox_pending"], device.health["sensors"]["scd41-a"]["fault"]) == (12, "crc")
    listed = client.get("/api/v1/centres/alpha/devices", headers=site.director.headers).get_json()["items"]
    agent = next(d for d in listed if d["device_id"] == site.agent["device_id"])
    assert (agent["version"], agent["health"]["outbox_dead"]) == ("2.1.0", 1)
    assert agent["health"]["sensors"]["scd41-a"] == {"status": "fault", "fault": "crc", "last_ok_at": None}


def test_an_agent_silent_for_three_minutes_is_offline_until_it_returns(app, site, client, clock):
    site.post(client, site.event("heartbeat", {"version": "1.0", "uptime_s": 1}, clock.now()))
    clock.advance(minutes=3)
    run_evaluation(app, clock.now())
    [alert] = _alerts()
    assert alert.kind == "device.offline"
    clock.advance(minutes=1)
    site.post(client, site.event("heartbeat", {"version": "1.0", "uptime_s": 240}, clock.now()))
    db.session.refresh(alert)
    assert alert.resolved_at == clock.now()
