"""The server down for hours: the agent keeps every reading and delivers each exactly once when it is back."""

from __future__ import annotations

from pathlib import Path

from agent_rig import make_agent, make_config

from devices.delivery import DeliveryState
from devices.fake_event_server import FakeEventServer
from devices.wire.protocol import EventKind
from hardware.clock import FakeClock


def test_six_hours_without_the_server_lose_nothing_and_double_nothing(
        tmp_path: Path, ram_outbox_path: Path, server: FakeEventServer, clock: FakeClock) -> None:
    agent = make_agent(make_config(tmp_path, server.base_url, outbox=str(ram_outbox_path)), clock)
    created: list[str] = []
    try:
        server.down()
        for _ in range(6 * 60):
            report = agent.step()
            created += report.readings + ([report.heartbeat] if report.heartbeat else [])
            clock.advance(seconds=60)
        assert agent.deliverer.state is DeliveryState.OFFLINE
        waiting, made_offline = agent.outbox.pending_count(), len(created)
        server.up()  # same port
        for _ in range(30):
            report = agent.step()
            created += report.readings + ([report.heartbeat] if report.heartbeat else [])
            if agent.outbox.pending_count() == 0:
                break
            clock.advance(seconds=max(1.0, agent.deliverer.seconds_until_next_attempt()))
        sequences = agent.outbox.last_sequence()
        pending = agent.outbox.pending_count()
    finally:
        agent.close()

    assert waiting == made_offline > 1700  # all kept on the device while the server was away
    assert pending == 0
    assert server.stored_keys() == set(created)
    assert len(server.stored) == len(created) == sequences  # every event ever numbered, once
    assert sorted(e.sequence for e in server.stored.values()) == list(range(1, sequences + 1))
    readings = [e for e in server.stored.values() if e.kind is EventKind.READING]
    # One reading a minute per sensor for six hours (the WZ-S from minute 3, after its warm-up).
    assert len(readings) >= 4 * 360 - 10
    assert len({(e.payload["sensor"], e.created_at) for e in readings}) == len(readings)
