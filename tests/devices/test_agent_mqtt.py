"""The agent over the MQTT uplink against the real Mosquitto on 127.0.0.1:1883 (the test plays the server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from agent_rig import make_agent, make_config
from test_device_mqtt import BROKER, MqttServerSide, broker_listens, needs_broker

from devices.wire.protocol import EventKind
from devices.wire.readings import ReadingPayload
from hardware.clock import FakeClock

pytestmark = [pytest.mark.mqtt, needs_broker]


@pytest.fixture
def names() -> Iterator[tuple[str, str]]:
    centre, device = f"c{uuid.uuid4().hex[:8]}", f"agent-{uuid.uuid4().hex[:8]}"
    yield centre, device
    if broker_listens(*BROKER):
        cleaner = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device, clean_session=True)
        cleaner.connect(*BROKER)
        cleaner.loop(0.2)
        cleaner.disconnect()


def test_readings_and_a_safety_event_travel_over_mqtt(tmp_path: Path, ram_outbox_path: Path, clock: FakeClock,
                                                      names: tuple[str, str]) -> None:
    centre, device = names
    side = MqttServerSide(centre)
    assert side.subscribed.wait(5)
    config = make_config(tmp_path, "http://127.0.0.1:9", outbox=str(ram_outbox_path), centre=centre,
                         device_id=device, uplink={"kind": "mqtt", "host": BROKER[0], "port": BROKER[1],
                                                   "ack_timeout_s": 5})
    agent = make_agent(config, clock)
    try:
        for _ in range(3 * 12):
            agent.step()
            clock.advance(seconds=5)
        assert agent.safety_world is not None
        agent.safety_world.set("smoke-hall", "alarm")
        agent.poll_safety()
        clock.advance(seconds=0.06)
        report = agent.step()
        pending = agent.outbox.pending_count()
    finally:
        agent.close()
        side.close()

    stored = side.store.stored
    assert pending == 0
    assert stored[(device, report.safety[0])].kind is EventKind.SAFETY_SMOKE
    fridge = [ReadingPayload.model_validate(e.payload) for e in stored.values()
              if e.kind is EventKind.READING and e.payload["sensor"] == "fridge-milk"]
    assert len(fridge) == 4  # minutes 0, 1, 2 and 3
    assert set(side.store.deliveries.values()) == {1}  # each batch acked the first time
