"""The agent's hygiene inputs and UV lamp (issue #18), built from config on fakes and stepped on the fake clock:
window and cabinet edges become hygiene.* events, the PIR cuts the lamp off, config problems are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.agent.config import ConfigError
from devices.agent.uv import UvStateUnavailable
from devices.wire.hygiene import UvRequest, UvRoomState
from hardware.clock import FakeClock
from tests.devices.agent_rig import make_agent, make_config

HYGIENE = [
    {"name": "window-room1", "kind": "window", "pin": 12, "room_id": 1},
    {"name": "pir-room1", "kind": "motion", "pin": 16, "room_id": 1},
    {"name": "cabinet-kitchen", "kind": "cabinet", "pin": 19, "location": "kitchen"},
]
LAMPS = [{"name": "uv-room1", "room_id": 1, "pin": 24, "motion_input": "pir-room1", "poll_s": 5}]


class Source:
    def __init__(self, clock: FakeClock) -> None:
        self.clock, self.children, self.request, self.up = clock, 0, None, True

    def fetch(self, room_id: int) -> UvRoomState:
        if not self.up:
            raise UvStateUnavailable("down")
        return UvRoomState(room_id=room_id, children_present=self.children, as_of=self.clock.now(),
                           request=self.request)


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock):
    from devices.agent.build import build_agent

    config = make_config(tmp_path, "http://127.0.0.1:9", hygiene_inputs=HYGIENE, uv_lamps=LAMPS)
    source = Source(clock)
    agent = build_agent(config, clock=clock, sleep=lambda s: clock.advance(seconds=s), uv_source=source)
    agent.deliver = lambda **_: []  # no server here: the events stay in the outbox
    yield agent, source
    agent.close()


def _step(agent, clock: FakeClock, seconds: float = 1.0, times: int = 1) -> None:
    for _ in range(times):
        clock.advance(seconds=seconds)
        agent.step()


def _kinds(agent) -> list[tuple[str, dict]]:
    return [(str(e.kind), e.payload) for e in agent.outbox.claim(1000) if str(e.kind).startswith("hygiene")]


def test_window_and_cabinet_edges_become_hygiene_events(rig, clock: FakeClock) -> None:
    agent, _ = rig
    agent.step()
    agent.safety_world.set("window-room1", "open")
    _step(agent, clock, 0.1, 2)
    agent.safety_world.set("window-room1", "closed")
    agent.safety_world.set("cabinet-kitchen", "running")
    _step(agent, clock, 0.1, 2)
    agent.safety_world.set("cabinet-kitchen", "idle")
    _step(agent, clock, 0.1, 2)
    events = _kinds(agent)
    assert [(k, p.get("state")) for k, p in events] == [
        ("hygiene.window", "open"), ("hygiene.window", "closed"), ("hygiene.cabinet", "started"),
        ("hygiene.cabinet", "ended")]
    assert events[0][1] == {"input": "window-room1", "room_id": 1, "state": "open"}
    assert events[2][1]["location"] == "kitchen"


def test_the_pir_cuts_the_lamp_off_within_a_step(rig, clock: FakeClock) -> None:
    agent, source = rig
    agent.step()
    source.request = UvRequest(id=5, minutes=60, requested_at=clock.now())
    _step(agent, clock, times=5)
    (lamp,) = agent.uv_lamps
    assert lamp.relay.is_on
    agent.safety_world.set("pir-room1", "motion")
    _step(agent, clock, 0.06, 2)  # seen, held 50 ms (debounced): the same step cuts off
    assert not lamp.relay.is_on
    events = _kinds(agent)
    assert [(p["state"], p.get("reason")) for _, p in events] == [("on", None), ("off", "motion")]
    assert events[-1][1]["last_motion_at"] is not None


def test_motion_refuses_and_the_server_down_keeps_the_lamp_off(rig, clock: FakeClock) -> None:
    agent, source = rig
    source.up = False
    source.request = UvRequest(id=6, minutes=60, requested_at=clock.now())
    _step(agent, clock, times=120)
    (lamp,) = agent.uv_lamps
    assert not lamp.relay.is_on and lamp.relay.history == []


def test_config_problems_are_named(tmp_path: Path) -> None:
    bad_hygiene = [{"name": "w", "kind": "door", "pin": 12, "room_id": 1},
                   {"name": "pir", "kind": "motion", "pin": 16, "room_id": 2},
                   {"name": "win", "kind": "window", "pin": 20}]
    bad_lamps = [{"name": "uv", "room_id": 1, "pin": 24, "motion_input": "pir"},
                 {"name": "uv2", "room_id": 3, "pin": 5, "motion_input": "nope"}]
    with pytest.raises(ConfigError) as caught:
        make_config(tmp_path, "http://127.0.0.1:9", hygiene_inputs=bad_hygiene, uv_lamps=bad_lamps)
    text = "\n".join(caught.value.problems)
    assert "hygiene_inputs[0].kind" in text and "hygiene_inputs[2].room_id" in text
    assert "watches room 2, not room 1" in text and "'nope' is not a motion input" in text


def test_a_pin_used_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        make_config(tmp_path, "http://127.0.0.1:9", hygiene_inputs=HYGIENE,
                    uv_lamps=[{**LAMPS[0], "pin": 5}])  # the front door's pin
    assert any("used twice" in p for p in caught.value.problems)


def test_safety_inputs_still_refuse_hygiene_kinds(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        make_config(tmp_path, "http://127.0.0.1:9",
                    safety_inputs=[{"name": "w", "kind": "window", "pin": 12, "location": "room:1"}])
    assert any("door, smoke, panic" in p for p in caught.value.problems)


def test_unused_helper_make_agent_still_builds_without_hygiene(tmp_path: Path, clock: FakeClock) -> None:
    agent = make_agent(make_config(tmp_path, "http://127.0.0.1:9"), clock)
    try:
        assert agent.uv_lamps == [] and agent.hygiene_meta == {}
    finally:
        agent.close()
