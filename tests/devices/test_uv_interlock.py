"""The UV lamp interlock (issue #18): every path, on fakes, stepped second by second on the injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from devices.agent.uv import UvInterlock, UvLampConfig, UvStateUnavailable
from devices.outbox import Outbox
from devices.wire.hygiene import MOTION_QUIET_S, PRESENCE_MAX_AGE_S, UvPayload, UvRequest, UvRoomState
from hardware.clock import FakeClock
from hardware.relay import BreakableMockPin, Relay, RelaySpec

ROOM = 3
PIN = 24


class FakeSource:
    """The server's answer, set by the test; ``up = False`` makes every fetch fail (server unreachable)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.children = 0
        self.request: UvRequest | None = None
        self.up = True
        self.calls = 0

    def fetch(self, room_id: int) -> UvRoomState:
        self.calls += 1
        if not self.up:
            raise UvStateUnavailable("network: ConnectError")
        return UvRoomState(room_id=room_id, children_present=self.children, as_of=self.clock.now(),
                           request=self.request)

    def ask(self, request_id: int, minutes: int = 60, *, stop: bool = False) -> None:
        self.request = UvRequest(id=request_id, minutes=minutes, requested_at=self.clock.now(), stop=stop)


class Rig:
    def __init__(self, tmp_path: Path, clock: FakeClock, *, state_file: Path | None = None,
                 motion: list[bool] | None = None) -> None:
        self.clock = clock
        self.factory = MockFactory()
        self.pin = self.factory.pin(PIN, pin_class=BreakableMockPin)
        self.relay = Relay(RelaySpec("uv-room3", PIN), self.factory, clock)
        self.outbox = Outbox(tmp_path / "outbox.sqlite3", clock, "agent-1")
        self.source = FakeSource(clock)
        self.motion = motion if motion is not None else [False]
        self.lamp = UvInterlock(UvLampConfig("uv-room3", ROOM, PIN, motion_input="pir-room3", poll_s=5),
                                self.relay, self.outbox, clock, self.source, state_file=state_file,
                                motion_active=lambda: self.motion[0])

    def run(self, seconds: int) -> None:
        """Step once a second, as the agent's UV thread does."""
        for _ in range(seconds):
            self.clock.advance(seconds=1)
            self.lamp.step()

    def events(self) -> list[UvPayload]:
        batch = self.outbox.claim(1000)
        return [UvPayload.model_validate(event.payload) for event in batch]

    def close(self) -> None:
        self.outbox.close()
        self.factory.reset()
        self.factory.close()


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Iterator[Rig]:
    made = Rig(tmp_path, clock)
    yield made
    made.close()


def test_switches_on_for_a_request_and_off_when_the_minutes_run_out(rig: Rig) -> None:
    rig.lamp.step()
    assert not rig.relay.is_on
    rig.source.ask(7, minutes=60)
    rig.run(5)  # the next poll picks the request up
    assert rig.relay.is_on
    started = rig.relay.history[-1][0]
    rig.run(60 * 60 - 1)
    assert rig.relay.is_on
    rig.run(1)
    assert not rig.relay.is_on
    assert rig.relay.history[-1][0] - started == timedelta(minutes=60)
    events = rig.events()
    assert [(e.state, e.reason, e.request_id) for e in events] == [("on", None, 7), ("off", "done", 7)]
    assert events[0].minutes == 60 and events[0].children_present == 0


def test_never_answers_one_request_twice(rig: Rig) -> None:
    rig.source.ask(7, minutes=1)
    rig.run(5 + 60 + 30)  # on, done, and the server still offers the request for a while
    assert not rig.relay.is_on
    assert [(e.state, e.reason) for e in rig.events()] == [("on", None), ("off", "done")]


def test_refuses_while_children_are_checked_in(rig: Rig) -> None:
    rig.source.children = 2
    rig.source.ask(8)
    rig.run(10)
    assert not rig.relay.is_on and rig.relay.history == []
    events = rig.events()
    assert [(e.state, e.reason, e.children_present) for e in events] == [("refused", "children_present", 2)]


def test_refuses_after_recent_motion_and_accepts_once_quiet(rig: Rig) -> None:
    rig.motion[0] = True
    rig.run(1)
    rig.motion[0] = False
    rig.source.ask(9)
    rig.run(5)
    assert not rig.relay.is_on
    (refusal,) = rig.events()
    assert refusal.state == "refused" and refusal.reason == "motion" and refusal.last_motion_at is not None
    rig.run(MOTION_QUIET_S)
    rig.source.ask(10)  # a new request after the quiet period
    rig.run(5)
    assert rig.relay.is_on


def test_refuses_when_the_server_is_unreachable(rig: Rig) -> None:
    """Fail safe: no answer at all means no lamp, whatever the (old) request said."""
    rig.source.up = False
    rig.source.ask(11)
    rig.run(120)
    assert not rig.relay.is_on and rig.relay.history == []
    assert rig.events() == []  # it never heard of the request: nothing to refuse


def test_refuses_on_a_stale_answer(rig: Rig) -> None:
    rig.run(1)  # a fresh answer without a request
    rig.source.up = False
    rig.run(PRESENCE_MAX_AGE_S + 5)
    rig.source.up, rig.source.children = True, 0
    # The request arrives in an answer that is fresh, so it is taken; staleness is checked per decision:
    rig.source.ask(12)
    rig.run(5)
    assert rig.relay.is_on


def test_a_check_in_cuts_the_lamp_off_at_the_next_poll(rig: Rig) -> None:
    rig.source.ask(13)
    rig.run(5)
    assert rig.relay.is_on
    rig.run(600)
    rig.source.children = 1  # a child checked in
    seconds = 0
    while rig.relay.is_on:
        rig.run(1)
        seconds += 1
    assert seconds <= rig.lamp.config.poll_s  # worst case: one poll interval
    events = rig.events()
    assert [(e.state, e.reason) for e in events] == [("on", None), ("off", "children_present")]
    assert events[-1].children_present == 1


def test_motion_cuts_the_lamp_off_in_the_same_step(rig: Rig) -> None:
    rig.source.ask(14)
    rig.run(5)
    rig.run(100)
    rig.motion[0] = True
    rig.run(1)
    assert not rig.relay.is_on
    assert rig.events()[-1].reason == "motion"


def test_motion_edge_noted_by_the_agent_cuts_off(rig: Rig) -> None:
    rig.source.ask(15)
    rig.run(5)
    rig.lamp.note_motion()
    rig.run(1)
    assert not rig.relay.is_on and rig.events()[-1].reason == "motion"


def test_server_unreachable_while_on_cuts_off_within_the_presence_age(rig: Rig) -> None:
    rig.source.ask(16)
    rig.run(5)
    last_answer = rig.clock.monotonic()
    rig.source.up = False
    while rig.relay.is_on:
        rig.run(1)
    assert rig.clock.monotonic() - last_answer <= PRESENCE_MAX_AGE_S + 1
    events = rig.events()
    assert events[-1].reason == "presence_stale" and events[-1].children_present is None


def test_stop_request_switches_off(rig: Rig) -> None:
    rig.source.ask(17)
    rig.run(5)
    rig.run(300)
    rig.source.ask(17, stop=True)
    rig.run(5)
    assert not rig.relay.is_on
    assert [(e.state, e.reason) for e in rig.events()] == [("on", None), ("off", "stopped")]


def test_a_second_request_while_on_is_refused_busy(rig: Rig) -> None:
    rig.source.ask(18)
    rig.run(5)
    rig.source.ask(19)
    rig.run(5)
    assert rig.relay.is_on
    assert [(e.state, e.reason, e.request_id) for e in rig.events()] == [("on", None, 18), ("refused", "busy", 19)]


def test_a_broken_relay_refuses_with_fault(rig: Rig) -> None:
    rig.pin.broken = True
    rig.source.ask(20)
    rig.run(5)
    assert not rig.relay.is_on
    assert [(e.state, e.reason) for e in rig.events()] == [("refused", "fault")]


def test_a_relay_breaking_while_on_ends_the_session_as_fault(rig: Rig) -> None:
    rig.source.ask(21)
    rig.run(5)
    rig.pin.broken = True
    rig.run(3600)
    assert [(e.state, e.reason) for e in rig.events()] == [("on", None), ("off", "fault")]


def test_an_off_that_failed_is_tried_every_second_until_the_lamp_is_off(rig: Rig) -> None:
    """The board stops answering with the lamp on and children arriving: the session ends (fault) but the relay
    still holds; every later step drives it off again, and nothing switches it on meanwhile."""
    rig.source.ask(24)
    rig.run(5)
    rig.pin.broken = True
    rig.source.children = 3
    rig.run(10)
    assert rig.relay.is_on and rig.lamp.session is None and rig.lamp.off_pending  # the board still refuses
    rig.source.ask(25)
    rig.run(5)  # a new request meanwhile is refused: the relay never reads off
    rig.pin.broken = False
    rig.run(1)
    assert not rig.relay.is_on and not rig.lamp.off_pending
    assert [(e.state, e.reason) for e in rig.events()] == [("on", None), ("off", "fault"), ("refused", "fault")]


def test_any_exception_switches_the_lamp_off(rig: Rig) -> None:
    rig.source.ask(22)
    rig.run(5)

    def boom(room_id: int) -> UvRoomState:
        raise RuntimeError("a bug")

    rig.source.fetch = boom  # type: ignore[method-assign]
    rig.run(5)
    assert not rig.relay.is_on
    assert rig.events()[-1].reason == "fault"


def test_restart_with_the_lamp_on_switches_off_and_closes_the_session(tmp_path: Path, clock: FakeClock) -> None:
    state_file = tmp_path / "uv.json"
    first = Rig(tmp_path / "a", clock, state_file=state_file)
    first.source.ask(23)
    first.run(5)
    assert first.relay.is_on
    first.close()  # the agent dies (power cut): no off is recorded
    second = Rig(tmp_path / "b", clock, state_file=state_file)
    try:
        assert not second.relay.is_on
        assert [(e.state, e.reason, e.request_id) for e in second.events()] == [("off", "agent_restart", 23)]
        second.source.ask(23)
        second.run(10)  # the request it cut short is not re-run
        assert not second.relay.is_on
    finally:
        second.close()


def test_clean_start_emits_nothing(tmp_path: Path, clock: FakeClock) -> None:
    rig = Rig(tmp_path, clock, state_file=tmp_path / "uv.json")
    try:
        rig.run(10)
        assert rig.events() == [] and not rig.relay.is_on
    finally:
        rig.close()


def test_polls_at_its_interval(rig: Rig) -> None:
    assert rig.source.calls == 0
    rig.run(60)
    assert rig.source.calls == 12
