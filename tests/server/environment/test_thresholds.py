"""Limits judged on the window mean each rule names, exceedance intervals appended, alerts without spam."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from compliance import effective_rulebook
from server.alerts.models import Alert
from server.auth.roles import Role
from server.database import db
from server.environment.models import Exceedance
from server.environment.thresholds import limits_for, season_of
from tests.factories import make_login
from tests.server.environment.helpers import run_evaluation

NATIONAL = effective_rulebook(None, None, date(2026, 7, 1))


def _alerts(kind: str = "environment.exceedance") -> list[Alert]:
    return list(db.session.execute(select(Alert).where(Alert.kind == kind).order_by(Alert.id)).scalars())


def test_co2_is_judged_on_the_one_hour_mean_from_the_rulebook():
    [limit] = limits_for(NATIONAL, "co2_ppm", date(2026, 7, 1))
    assert (limit.rule_id, limit.bound, limit.value, limit.window) == ("environment.co2", "upper", 1000.0,
                                                                      timedelta(hours=1))


def test_pm25_uses_the_24_hour_mean():
    assert limits_for(NATIONAL, "pm25_ugm3", date(2026, 7, 1))[0].window == timedelta(hours=24)


def test_temperature_in_january_is_judged_by_the_winter_rule():
    limits = limits_for(NATIONAL, "temperature_c", date(2027, 1, 15))
    assert {(lim.rule_id, lim.bound, lim.value) for lim in limits} == {
        ("environment.temperature_winter", "lower", 16.0), ("environment.temperature_winter", "upper", 24.0)}


def test_between_the_seasons_the_envelope_of_both_applies():
    assert season_of(NATIONAL, date(2026, 4, 20)) == "between"
    limits = limits_for(NATIONAL, "temperature_c", date(2026, 4, 20))
    assert {(lim.bound, lim.value) for lim in limits} == {("upper", 28.0), ("lower", 16.0)}


def test_a_fridge_is_judged_on_its_30_minute_mean():
    limits = limits_for(NATIONAL, "fridge_c", date(2026, 7, 1))
    assert {(lim.bound, lim.value, lim.window) for lim in limits} == {
        ("lower", 0.0, timedelta(minutes=30)), ("upper", 8.0, timedelta(minutes=30))}


def test_pm10_has_no_rule_and_is_never_judged():
    assert limits_for(NATIONAL, "pm10_ugm3", date(2026, 7, 1)) == []


def test_a_single_co2_spike_does_not_raise_an_alert(app, site, client, clock):
    now = clock.now()
    site.co2_series(client, now - timedelta(minutes=61), 60, 700.0, spread=1.0)
    site.post(client, site.reading(now - timedelta(seconds=30), {"co2_ppm": 5000.0}))
    run_evaluation(app, now)
    assert _alerts() == []


def test_a_high_hourly_mean_opens_one_alert_however_often_it_is_judged(app, site, client, clock):
    now = clock.now()
    site.co2_series(client, now - timedelta(minutes=70), 70, 1300.0, spread=1.0)
    run_evaluation(app, now)
    clock.advance(minutes=1)
    site.co2_series(client, now, 1, 1300.0, spread=1.0)
    run_evaluation(app, clock.now())
    alerts = _alerts()
    assert [(a.kind, a.subject["rule_id"], a.resolved_at) for a in alerts] == [
        ("environment.exceedance", "environment.co2", None)]
    assert "1300" in alerts[0].message_zh


def test_back_inside_the_limit_closes_the_interval_and_resolves_the_alert(app, site, client, clock):
    start = clock.now() - timedelta(minutes=70)
    site.co2_series(client, start, 70, 1300.0, spread=1.0)
    run_evaluation(app, clock.now())
    clock.advance(minutes=60)
    site.co2_series(client, start + timedelta(minutes=70), 60, 500.0, spread=1.0)
    run_evaluation(app, clock.now())
    [row] = db.session.execute(select(Exceedance)).scalars().all()
    [alert] = _alerts()
    assert (row.rule_id, row.bound, row.limit_value, row.window_min, row.worst_mean) == (
        "environment.co2", "upper", 1000.0, 60, 1300.0)
    assert row.alert_id == alert.id
    assert alert.resolved_at == clock.now() and alert.acknowledged_at is None
    assert start + timedelta(minutes=70) < row.ended_at < clock.now()


def test_an_acknowledged_alert_keeps_who_and_when_until_resolved(app, site, client, clock):
    start = clock.now() - timedelta(minutes=70)
    site.co2_series(client, start, 70, 1300.0, spread=1.0)
    run_evaluation(app, clock.now())
    [alert] = _alerts()
    health = make_login("nurse", clock.now(), [(site.centre, Role.HEALTH)])
    clock.advance(minutes=5)
    assert client.post(f"/api/v1/alerts/{alert.id}/acknowledge", headers=health.headers).status_code == 200
    acknowledged_at = clock.now()
    clock.advance(minutes=60)
    site.co2_series(client, start + timedelta(minutes=70), 60, 500.0, spread=1.0)
    run_evaluation(app, clock.now())
    db.session.refresh(alert)
    assert (alert.acknowledged_by_id, alert.acknowledged_at) == (health.user.id, acknowledged_at)
    assert alert.resolved_at == clock.now()


def test_readings_that_arrive_late_are_judged_and_their_exceedance_recorded(app, site, client, clock):
    start = clock.now() - timedelta(hours=3)
    site.co2_series(client, start, 1, 600.0)
    run_evaluation(app, clock.now())  # judged up to now with almost no data: nothing to see
    # The agent was offline; now it delivers.
    site.co2_series(client, start + timedelta(minutes=1), 150, 1400.0, spread=1.0)
    site.co2_series(client, start + timedelta(minutes=151), 29, 400.0, spread=1.0)
    run_evaluation(app, clock.now() + timedelta(minutes=1))
    rows = db.session.execute(select(Exceedance)).scalars().all()
    assert [(r.rule_id, r.worst_mean) for r in rows] == [("environment.co2", 1400.0)]
    assert rows[0].alert_id is None  # history found late: recorded, not alarmed


def test_a_stuck_sensor_is_a_fault_not_an_exceedance(app, site, client, clock):
    now = clock.now()
    site.co2_series(client, now - timedelta(minutes=130), 130, 1500.0)
    run_evaluation(app, now)
    assert _alerts() == []
    assert [a.subject["fault"] for a in _alerts("sensor.fault")] == ["stuck"]


def test_a_silent_sensor_raises_no_data_and_its_return_resolves_it(app, site, client, clock):
    now = clock.now()
    site.post(client, site.reading(now))
    client.post("/api/v1/devices/events", json={}, headers=site.headers)  # the agent is alive (last seen)
    clock.advance(minutes=2)
    site.post(client, site.event("heartbeat", {"version": "1.0", "uptime_s": 120}, clock.now()))
    run_evaluation(app, clock.now() + timedelta(minutes=1))
    [alert] = _alerts("sensor.fault")
    assert alert.subject["fault"] == "no_data"
    clock.advance(minutes=2)
    site.post(client, site.reading(clock.now()))
    run_evaluation(app, clock.now())
    db.session.refresh(alert)
    assert alert.resolved_at == clock.now()
