"""Bulk reading ingest: stored once per (device, stream, sequence), bad input refused with a reason code."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from server.alerts.models import Alert
from server.database import db
from server.environment.models import HourRollup, MinuteRollup, Reading, SensorState
from server.fleet.operations import revoke_device
from tests.factories import SYSTEM, make_centre, make_room
from tests.server.environment.helpers import reasons, statuses


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_batch_of_readings_is_stored_one_row_per_quantity(site, client, clock):
    now = clock.now()
    response = site.post(client, site.reading(now - timedelta(minutes=1)), site.reading(now))
    assert statuses(response) == ["accepted", "accepted"]
    rows = db.session.execute(select(Reading.quantity, Reading.value).order_by(Reading.id)).all()
    assert sorted(rows) == sorted([("co2_ppm", 650.0), ("temperature_c", 24.5), ("humidity_pct", 50.0)] * 2)


def test_the_same_batch_sent_again_answers_duplicate_and_stores_nothing(site, client, clock):
    events = [site.reading(clock.now()), site.reading(clock.now() + timedelta(seconds=30))]
    site.post(client, *events)
    again = site.post(client, *events)
    assert statuses(again) == ["duplicate", "duplicate"]
    assert _count(Reading) == 6


def test_a_resent_reading_with_a_new_key_is_still_a_duplicate_by_sequence(site, client, clock):
    first = site.reading(clock.now())
    site.post(client, first)
    resent = site.event("reading", first.payload, first.created_at, sequence=first.sequence)
    assert statuses(site.post(client, resent)) == ["duplicate"]


def test_the_same_sequence_in_a_new_stream_is_a_new_reading(site, client, clock):
    first = site.reading(clock.now())
    site.post(client, first)
    other = site.event("reading", first.payload, clock.now(), stream="6f0e2a4c-6b8d-4e1f-a3c5-7d9b1e3f5a7c",
                       sequence=first.sequence)
    assert statuses(site.post(client, other)) == ["accepted"]
    assert _count(Reading) == 6  # three quantities each, both kept


def test_a_payload_that_is_not_a_reading_is_rejected_as_invalid(site, client, clock):
    bad = site.event("reading", {"sensor": "scd41-a", "model": "SCD41", "location": site.point,
                                 "values": {"co2_ppm": "lots"}}, clock.now())
    response = site.post(client, bad, site.reading(clock.now()))
    assert statuses(response) == ["rejected", "accepted"]
    assert reasons(response)[0] == "reading.invalid"


def test_a_reading_from_the_future_is_rejected(site, client, clock):
    response = site.post(client, site.reading(clock.now() + timedelta(minutes=6)))
    assert reasons(response) == ["reading.future"]


def test_a_reading_a_little_ahead_of_server_time_is_accepted(site, client, clock):
    assert statuses(site.post(client, site.reading(clock.now() + timedelta(minutes=4)))) == ["accepted"]


def test_a_reading_older_than_raw_retention_is_rejected(site, client, clock):
    response = site.post(client, site.reading(clock.now() - timedelta(days=91)))
    assert reasons(response) == ["reading.too_old"]


def test_a_reading_for_a_room_of_another_centre_is_rejected(site, client, clock):
    now = clock.now()
    other_room = make_room(make_centre("beta", now), now, name="别家班")
    db.session.commit()
    response = site.post(client, site.reading(now, location=f"room:{other_room.id}"))
    assert reasons(response) == ["reading.unknown_room"]
    assert _count(Reading) == 0


def test_a_reading_for_an_unknown_room_is_rejected(site, client, clock):
    assert reasons(site.post(client, site.reading(clock.now(), location="room:999999"))) == ["reading.unknown_room"]


def test_an_impossible_value_is_stored_as_a_fault_and_raises_a_sensor_alert(site, client, clock):
    response = site.post(client, site.reading(clock.now(), {"co2_ppm": 50000.0, "temperature_c": 24.0}))
    assert statuses(response) == ["accepted"]
    co2 = db.session.execute(select(Reading).where(Reading.quantity == "co2_ppm")).scalar_one()
    assert (co2.value, co2.fault) == (50000.0, "out_of_range")
    assert db.session.execute(select(MinuteRollup.quantity)).scalars().all() == ["temperature_c"]
    alert = db.session.execute(select(Alert)).scalar_one()
    assert (alert.kind, alert.subject["fault"]) == ("sensor.fault", "out_of_range")


def test_a_fault_reading_is_one_row_and_one_alert_however_often_it_repeats(site, client, clock):
    now = clock.now()
    site.post(client, site.reading(now, status="fault", fault="disconnected"),
              site.reading(now + timedelta(minutes=1), status="fault", fault="disconnected"))
    assert [(r.quantity, r.fault) for r in db.session.execute(select(Reading)).scalars()] == [
        ("", "disconnected"), ("", "disconnected")]
    assert _count(Alert) == 1
    assert _count(MinuteRollup) == 0


def test_readings_roll_up_per_minute_and_hour_and_late_ones_merge_in(site, client, clock):
    now = clock.now().replace(minute=10, second=0)
    site.post(client, site.reading(now, {"co2_ppm": 600.0}), site.reading(now + timedelta(seconds=20), {"co2_ppm": 700.0}))
    site.post(client, site.reading(now + timedelta(seconds=40), {"co2_ppm": 800.0}))  # a late batch, same minute
    minute = db.session.execute(select(MinuteRollup)).scalar_one()
    assert (minute.at, minute.n, minute.total, minute.low, minute.high) == (now, 3, 2100.0, 600.0, 800.0)
    hour = db.session.execute(select(HourRollup)).scalar_one()
    assert (hour.at, hour.n) == (now.replace(minute=0), 3)



def test_a_batch_resent_with_new_readings_stores_and_rolls_up_only_the_new_ones(site, client, clock):
    """A retried batch often carries the readings that were lost with its ack plus newer ones."""
    now = clock.now().replace(minute=10, second=0)
    old = [site.reading(now, {"co2_ppm": 600.0}), site.reading(now + timedelta(seconds=10), {"co2_ppm": 700.0})]
    site.post(client, *old)
    other_stream = site.event("reading", old[0].payload, now + timedelta(seconds=20),
                              stream="6f0e2a4c-6b8d-4e1f-a3c5-7d9b1e3f5a7c", sequence=old[0].sequence)
    response = site.post(client, *old, site.reading(now + timedelta(seconds=30), {"co2_ppm": 900.0}), other_stream)
    assert statuses(response) == ["duplicate", "duplicate", "accepted", "accepted"]
    assert _count(Reading) == 4
    minute = db.session.execute(select(MinuteRollup)).scalar_one()
    assert (minute.n, minute.total, minute.low, minute.high) == (4, 2800.0, 600.0, 900.0)


def test_a_sensors_state_keeps_its_newest_figures_when_older_batches_arrive_late(site, client, clock):
    now = clock.now().replace(microsecond=0)
    site.post(client, site.reading(now - timedelta(minutes=5), status="fault", fault="crc"), site.reading(now))
    site.post(client, site.reading(now - timedelta(minutes=9)),  # a backlog from before both
              site.reading(now - timedelta(minutes=8), status="fault", fault="disconnected"))
    state = db.session.execute(select(SensorState)).scalar_one()
    assert (state.last_reading_at, state.last_ok_at) == (now, now)
    assert (state.last_fault_at, state.last_fault) == (now - timedelta(minutes=5), "crc")
    site.post(client, site.reading(now + timedelta(minutes=1), status="fault", fault="disconnected"))
    db.session.expire_all()
    state = db.session.execute(select(SensorState)).scalar_one()
    assert (state.last_reading_at, state.last_ok_at) == (now + timedelta(minutes=1), now)
    assert (state.last_fault_at, state.last_fault) == (now + timedelta(minutes=1), "disconnected")


def test_one_sample_twice_in_a_batch_under_two_keys_is_stored_and_rolled_up_once(site, client, clock):
    first = site.reading(clock.now(), {"co2_ppm": 700.0})
    repeat = site.event("reading", first.payload, first.created_at, sequence=first.sequence)
    answers = {r["key"]: r["status"] for r in site.post(client, first, repeat).get_json()["results"]}
    assert answers == {first.key: "accepted", repeat.key: "duplicate"}  # an ack may answer in any order
    assert _count(Reading) == 1
    assert db.session.execute(select(MinuteRollup.n)).scalar_one() == 1

def test_an_unknown_device_token_gets_401(site, client, clock):
    response = client.post("/api/v1/devices/events", json={}, headers={"Authorization": "Bearer tyd_nope"})
    assert response.status_code == 401


def test_a_revoked_device_gets_401_and_one_alert_however_often_it_knocks(site, client, clock):
    from server.fleet.models import Device

    device = db.session.execute(select(Device).where(Device.device_id == site.agent["device_id"])).scalar_one()
    revoke_device(device, actor=SYSTEM, now=clock.now())
    db.session.commit()
    first = site.post(client, site.reading(clock.now()))
    second = site.post(client, site.reading(clock.now()))
    assert (first.status_code, second.status_code) == (401, 401)
    alerts = db.session.execute(select(Alert)).scalars().all()
    assert [(a.kind, a.severity) for a in alerts] == [("device.revoked", "urgent")]
    assert _count(Reading) == 0


def test_a_mixed_batch_answers_every_event(site, client, clock):
    now = clock.now()
    heartbeat = site.event("heartbeat", {"version": "1.2.0", "uptime_s": 60, "outbox_pending": 3}, now)
    response = site.post(client, site.reading(now), heartbeat, site.reading(now + timedelta(days=1)))
    answers = {r["key"]: r["status"] for r in response.get_json()["results"]}
    assert sorted(answers.values()) == ["accepted", "accepted", "rejected"]
    assert answers[heartbeat.key] == "accepted"
