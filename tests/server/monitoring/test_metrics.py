"""/metrics under the demo's traffic: the counters move, the gauges say what the database holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from devices.wire.protocol import Batch, Event, new_key
from server.alerts.models import Alert
from server.backup.status import BackupStatus, record_backup
from server.centre.models import Centre
from server.database import db
from server.demo.seed import seed_demo
from server.fleet.models import Device, DeviceKind
from server.scheduling.models import JobRun
from tests.factories import make_centre
from tests.server.fleet.enrolment import enrol
from tests.server.monitoring.scrape import parse, total, value

MONDAY_MORNING = datetime(2026, 9, 7, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
STREAM = "0b7c3a52-3f1e-4c55-9a1d-2e6f8b9c0d11"


@pytest.fixture
def clock_start() -> datetime:
    return MONDAY_MORNING


@pytest.fixture
def demo(app, clock):  # type: ignore[no-untyped-def]
    """The demo centre (a day of history: the shortest seed with alerts open) and a sensor agent enrolled there."""
    seed_demo(code="demo", now=clock.now(), history_days=1)
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    agent = enrol(centre, "一楼监测", clock.now(), DeviceKind.AGENT)
    db.session.commit()
    return agent


def _batch(agent, *events: tuple[str, dict], at: datetime) -> dict:  # type: ignore[no-untyped-def]
    return Batch(device_id=agent.device_id, sent_at=at, events=[
        Event(key=new_key(), device_id=agent.device_id, stream=STREAM, sequence=i + 1, kind=kind, created_at=at,
              payload=payload) for i, (kind, payload) in enumerate(events)]).model_dump(mode="json")


def _reading(minute: int) -> tuple[str, dict]:
    return "reading", {"sensor": "scd41-a", "model": "SCD41", "location": "room:1",
                       "values": {"co2_ppm": 600.0 + minute, "temperature_c": 24.0, "humidity_pct": 50.0}}


def _scrape(client) -> dict:  # type: ignore[no-untyped-def]
    response = client.get("/metrics")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return parse(response.get_data(as_text=True))


def test_metrics_move_under_the_demos_traffic(app, client, clock, demo):
    before = _scrape(client)
    heartbeat = ("heartbeat", {"version": "2.1.0", "uptime_s": 3600, "outbox_pending": 7, "outbox_dead": 2})
    for path in ("/healthz", "/healthz", "/no/such/page"):
        client.get(path)
    sent = client.post("/api/v1/devices/events", headers=demo.headers,
                       json=_batch(demo, heartbeat, _reading(1), _reading(2), _reading(3), at=clock.now()))
    assert [r["status"] for r in sent.get_json()["results"]] == ["accepted"] * 4
    db.session.add(JobRun(job_id="notices.drain_outbox", slot="2026-09-07T02:30", claimed_at=clock.now(), status="done"))
    record_backup(app.instance_path, BackupStatus(finished_at=clock.now() - timedelta(hours=5), path="/b/1.tar",
                                                  verified=True, size_bytes=1234))
    db.session.commit()
    clock.advance(seconds=90)
    after = _scrape(client)

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    # Counters: by endpoint (never the raw path: an unmatched address is "unmatched") and status class.
    assert moved("tuoyu_http_requests_total", endpoint="healthz", status="2xx") == 2
    assert moved("tuoyu_http_requests_total", endpoint="unmatched", status="4xx") == 1
    assert moved("tuoyu_http_requests_total", endpoint="fleet_api.post_events", method="POST") == 1
    assert moved("tuoyu_http_request_duration_seconds_count", endpoint="healthz") == 2
    assert moved("tuoyu_ingest_events_total", transport="http", kind="reading", status="accepted") == 3
    assert moved("tuoyu_ingest_events_total", transport="http", kind="heartbeat", status="accepted") == 1
    # Gauges: what the database holds at the scrape.
    assert value(after, "tuoyu_device_outbox_pending", centre="demo", kind="agent") == 7
    assert value(after, "tuoyu_device_outbox_dead", centre="demo", kind="agent") == 2
    agents = db.session.scalar(select(func.count()).select_from(Device).where(Device.kind == DeviceKind.AGENT))
    assert value(after, "tuoyu_devices", centre="demo", kind="agent") == agents
    open_alerts = db.session.scalar(select(func.count()).select_from(Alert).where(Alert.resolved_at.is_(None)))
    assert open_alerts > 0 and total(after, "tuoyu_alerts_open", centre="demo") == open_alerts
    assert value(after, "tuoyu_scheduler_last_run_age_seconds", job="notices.drain_outbox") == 90
    assert value(after, "tuoyu_scheduler_lag_seconds", job="notices.drain_outbox") == 30  # due 02:31, now 02:31:30
    assert value(after, "tuoyu_backup_last_age_seconds") == 5 * 3600 + 90
    assert value(after, "tuoyu_backup_last_verified") == 1


def test_no_backup_and_no_run_leave_their_gauges_absent(client):
    scraped = _scrape(client)
    assert [name for (name, _) in scraped if name.startswith(("tuoyu_backup_", "tuoyu_scheduler_"))] == []


def test_a_device_event_refused_by_its_handler_counts_as_rejected(client, clock):
    agent = enrol(make_centre("alpha", clock.now()), "一楼监测", clock.now(), DeviceKind.AGENT)
    db.session.commit()
    before = _scrape(client)
    bad = ("heartbeat", {"version": "", "uptime_s": -1})
    sent = client.post("/api/v1/devices/events", headers=agent.headers, json=_batch(agent, bad, at=clock.now()))
    assert [r["status"] for r in sent.get_json()["results"]] == ["rejected"]
    after = _scrape(client)
    assert (total(after, "tuoyu_ingest_events_total", kind="heartbeat", status="rejected")
            - total(before, "tuoyu_ingest_events_total", kind="heartbeat", status="rejected")) == 1
