"""The agent over fake sensors and GPIO, delivering to the fake event server, time from a FakeClock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from agent_rig import make_agent, make_config

from devices.agent.core import Agent
from devices.delivery import Outcome
from devices.fake_event_server import FakeEventServer
from devices.wire.protocol import EventKind
from devices.wire.readings import FaultCode, HeartbeatPayload, Quantity, ReadingPayload, SafetyPayload
from hardware.clock import FakeClock
from hardware.sensors import kinds as sensor_kinds


@pytest.fixture
def agent(tmp_path: Path, ram_outbox_path: Path, server: FakeEventServer, clock: FakeClock) -> Iterator[Agent]:
    config = make_config(tmp_path, server.base_url, outbox=str(ram_outbox_path))
    built = make_agent(config, clock)
    yield built
    built.close()


def stored(server: FakeEventServer, kind: EventKind) -> list:
    return sorted((e for e in server.stored.values() if e.kind is kind), key=lambda e: e.sequence)


def readings(server: FakeEventServer, sensor: str) -> list[ReadingPayload]:
    return [ReadingPayload.model_validate(e.payload) for e in stored(server, EventKind.READING)
            if e.payload["sensor"] == sensor]


def run_minutes(agent: Agent, clock: FakeClock, minutes: int) -> None:
    for _ in range(minutes * 12):
        agent.step()
        clock.advance(seconds=5)


def test_readings_of_every_sensor_reach_the_server_as_valid_payloads(agent: Agent, server: FakeEventServer,
                                                                     clock: FakeClock) -> None:
    run_minutes(agent, clock, 10)

    for sensor, quantities in (("air-room1", {"co2_ppm", "temperature_c", "humidity_pct"}),
                               ("pm-room1", {"pm25_ugm3", "pm10_ugm3"}), ("fridge-milk", {"fridge_c"})):
        got = readings(server, sensor)
        assert len(got) == 10, sensor  # one a minute once warmed up (the PMS5003 needs its first 30 s)
        assert all(r.status == "ok" and set(r.values) == quantities for r in got)
    hcho = readings(server, "hcho-room1")  # the WZ-S warms up for its first minutes, then reports
    assert hcho and all(r.status == "ok" and set(r.values) == {"hcho_mgm3"} for r in hcho)
    assert agent.outbox.pending_count() == 0


def test_warming_up_sensor_sends_nothing_within_the_grace(agent: Agent, server: FakeEventServer,
                                                          clock: FakeClock) -> None:
    run_minutes(agent, clock, 2)

    assert readings(server, "hcho-room1") == []  # the WZ-S takes 3 minutes
    assert agent.sensors["hcho-room1"].health.status == "not_ready"


def test_sensor_fault_becomes_a_fault_reading_without_values(agent: Agent, server: FakeEventServer,
                                                             clock: FakeClock) -> None:
    run_minutes(agent, clock, 2)
    fake = agent.sensors["fridge-milk"].opened.fake
    assert fake is not None
    fake.disconnect()
    run_minutes(agent, clock, 2)

    last = readings(server, "fridge-milk")[-2:]
    assert [(r.status, r.fault, r.values) for r in last] == [("fault", FaultCode.DISCONNECTED, {})] * 2


def test_same_raw_value_n_times_is_a_stuck_fault(tmp_path: Path, ram_outbox_path: Path, server: FakeEventServer,
                                                 clock: FakeClock) -> None:
    sensors = [{"id": "fridge-milk", "driver": "ds18b20", "location": "fridge-milk", "path": "28-1",
                "stuck_reads": 3}]
    agent = make_agent(make_config(tmp_path, server.base_url, outbox=str(ram_outbox_path), sensors=sensors), clock)
    try:
        run_minutes(agent, clock, 1)
        fake = agent.sensors["fridge-milk"].opened.fake
        assert fake is not None
        fake.stick()
        run_minutes(agent, clock, 3)
    finally:
        agent.close()

    # t0 read before the fault, then the same file at 1, 2 and 3 minutes: the third equal sample is "stuck".
    assert [(r.status, r.fault) for r in readings(server, "fridge-milk")] == [
        ("ok", None), ("ok", None), ("fault", FaultCode.STUCK), ("fault", FaultCode.STUCK)]


def test_safety_event_goes_out_at_once_ahead_of_queued_readings(agent: Agent, server: FakeEventServer,
                                                                clock: FakeClock) -> None:
    server.always = 503
    run_minutes(agent, clock, 5)  # readings pile up; delivery backs off
    queued = agent.outbox.pending_count()
    server.always = None
    batches_before = len(server.batches)
    assert agent.safety_world is not None
    agent.safety_world.set("panic-room1", "pressed")
    assert agent.poll_safety() == []  # seen, not yet stable
    clock.advance(seconds=0.06)  # held past the 50 ms debounce

    report = agent.step()

    assert len(report.safety) == 1
    assert server.batches[batches_before] == report.safety  # the first batch to arrive, alone
    event = server.stored[(agent.outbox.device_id, report.safety[0])]
    assert event.kind is EventKind.SAFETY_PANIC
    assert SafetyPayload.model_validate(event.payload) == SafetyPayload(input="panic-room1", location="room:1",
                                                                        state="pressed")
    assert queued > 20


def test_each_safety_change_is_one_event_with_its_label(agent: Agent, server: FakeEventServer,
                                                        clock: FakeClock) -> None:
    assert agent.safety_world is not None
    for state in ("open", "closed"):
        agent.safety_world.set("front-door", state)
        agent.poll_safety()
        clock.advance(seconds=0.06)
        agent.step()
        clock.advance(seconds=1)

    doors = [SafetyPayload.model_validate(e.payload) for e in stored(server, EventKind.SAFETY_DOOR)]
    assert [(d.state, d.label) for d in doors] == [("open", "正门 / Front door"), ("closed", "正门 / Front door")]


def test_contact_bounce_shorter_than_the_debounce_sends_nothing(agent: Agent, server: FakeEventServer,
                                                                clock: FakeClock) -> None:
    assert agent.safety_world is not None
    agent.safety_world.set("smoke-hall", "alarm")
    agent.poll_safety()
    clock.advance(seconds=0.02)
    agent.poll_safety()
    agent.safety_world.set("smoke-hall", "clear")
    clock.advance(seconds=0.1)
    agent.step()

    assert stored(server, EventKind.SAFETY_SMOKE) == []


def test_heartbeat_every_minute_with_version_uptime_health_and_outbox_depth(
        agent: Agent, server: FakeEventServer, clock: FakeClock) -> None:
    server.always = 503
    run_minutes(agent, clock, 1)
    agent.step()  # t0 + 60 s: the second heartbeat

    beats = [HeartbeatPayload.model_validate(e.payload) for e in
             sorted((e for e in agent.outbox.claim(500) if e.kind is EventKind.HEARTBEAT), key=lambda e: e.sequence)]
    assert len(beats) == 2
    second = beats[1]
    assert second.version == agent.version
    assert second.uptime_s == 60
    assert {name: health.status for name, health in second.sensors.items()} == {
        "air-room1": "ok", "pm-room1": "ok", "hcho-room1": "not_ready", "fridge-milk": "ok"}
    assert second.sensors["fridge-milk"].last_ok_at is not None
    # Undelivered (the server answers 503): the first heartbeat, the CO2 reading at 5 s, PM at 30 s, fridge at 0 and 60 s.
    assert second.outbox_pending == 5
    assert second.started_at == agent.started_at


def test_values_follow_the_world(agent: Agent, server: FakeEventServer, clock: FakeClock) -> None:
    assert agent.world is not None
    agent.world.pin("room:1", sensor_kinds.Quantity.CO2_PPM, 1234)
    run_minutes(agent, clock, 2)

    assert readings(server, "air-room1")[-1].values[Quantity.CO2_PPM] == 1234


def test_a_backlog_is_sent_in_batches_of_up_to_500(agent: Agent, server: FakeEventServer, clock: FakeClock) -> None:
    server.always = 503
    for _ in range(200):
        agent.read_due_sensors()
        agent.heartbeat_if_due()
        clock.advance(seconds=60)
    server.always = None
    clock.advance(seconds=agent.deliverer.seconds_until_next_attempt())

    outcomes = agent.deliver()

    assert outcomes[-1] is Outcome.IDLE
    sizes = [len(batch) for batch in server.batches if batch]
    assert max(sizes) == 500
    assert agent.outbox.pending_count() == 0


def test_simulated_world_opens_and_shuts_the_fake_door_contact(tmp_path: Path, ram_outbox_path: Path,
                                                               server: FakeEventServer, clock: FakeClock) -> None:
    config = make_config(tmp_path, server.base_url, outbox=str(ram_outbox_path), simulate_doors=True,
                         occupancy=[])  # nobody arrives, so only the test opens the door
    agent = make_agent(config, clock)
    try:
        assert agent.world is not None
        agent.world.open_door("room:1", minutes=2)
        run_minutes(agent, clock, 4)
    finally:
        agent.close()

    doors = sorted(stored(server, EventKind.SAFETY_DOOR), key=lambda e: e.created_at)
    assert [e.payload["state"] for e in doors] == ["open", "closed"]
    assert 120 <= (doors[1].created_at - doors[0].created_at).total_seconds() <= 130
