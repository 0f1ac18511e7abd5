"""SafetyInputs: door contacts, smoke relay and panic button, debounced on the injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from hardware.clock import FakeClock
from hardware.gpio import (
    GPIOUnavailable,
    InputKind,
    SafetyEvent,
    SafetyInputs,
    SafetyInputSpec,
    SafetyWorld,
    open_pin_factory,
)

SPECS = [
    SafetyInputSpec("front_door", InputKind.DOOR, pin=5),
    SafetyInputSpec("smoke", InputKind.SMOKE, pin=6),
    SafetyInputSpec("panic", InputKind.PANIC, pin=13, stable_ms=50),
]


@pytest.fixture
def world(pin_factory: Any) -> SafetyWorld:
    world = SafetyWorld(SPECS, pin_factory)
    return world


@pytest.fixture
def inputs(pin_factory: Any, clock: FakeClock, world: SafetyWorld) -> Iterator[SafetyInputs]:
    with SafetyInputs(SPECS, pin_factory, clock) as safety:
        world.set("front_door", "closed")
        world.set("smoke", "clear")
        safety.poll()
        clock.advance(milliseconds=100)
        safety.poll()
        assert safety.states() == {"front_door": "closed", "smoke": "clear", "panic": "released"}
        safety.events.clear()
        yield safety


def ms(n: float) -> timedelta:
    return timedelta(milliseconds=n)


def hold(clock: FakeClock, inputs: SafetyInputs, duration_ms: int, step_ms: int = 5) -> list[SafetyEvent]:
    """Poll every ``step_ms`` as the agent loop would, for ``duration_ms``."""
    events: list[SafetyEvent] = []
    for _ in range(duration_ms // step_ms):
        clock.advance(ms(step_ms))
        events += inputs.poll()
    return events


def test_panic_bounce_of_20_ms_is_ignored(inputs: SafetyInputs, pin_factory: Any, clock: FakeClock) -> None:
    pin = pin_factory.pin(13)
    pin.drive_low()
    inputs.poll()
    hold(clock, inputs, 20)
    pin.drive_high()
    inputs.poll()
    hold(clock, inputs, 200)
    assert inputs.events == []


def test_panic_press_of_100_ms_is_reported_once(
    inputs: SafetyInputs, pin_factory: Any, clock: FakeClock
) -> None:
    pin = pin_factory.pin(13)
    t0 = clock.now()
    pin.drive_low()
    inputs.poll()
    hold(clock, inputs, 100)
    pin.drive_high()
    inputs.poll()
    hold(clock, inputs, 200)
    assert inputs.events == [
        SafetyEvent(InputKind.PANIC, "panic", "pressed", t0),
        SafetyEvent(InputKind.PANIC, "panic", "released", t0 + ms(100)),
    ]


def test_bouncing_contact_reports_one_change_stamped_when_it_settled(
    inputs: SafetyInputs, pin_factory: Any, clock: FakeClock
) -> None:
    pin = pin_factory.pin(13)
    for _ in range(3):  # 3 quick chatters of 5 ms each, then a firm press
        pin.drive_low()
        hold(clock, inputs, 5)
        pin.drive_high()
        hold(clock, inputs, 5)
    settled = clock.now()
    pin.drive_low()
    inputs.poll()
    hold(clock, inputs, 100)
    assert inputs.events == [SafetyEvent(InputKind.PANIC, "panic", "pressed", settled)]


def test_door_opening_is_reported_as_open(inputs: SafetyInputs, world: SafetyWorld, clock: FakeClock) -> None:
    t0 = clock.now()
    world.set("front_door", "open")
    events = [*inputs.poll(), *hold(clock, inputs, 60)]
    assert events == [SafetyEvent(InputKind.DOOR, "front_door", "open", t0)]


def test_smoke_relay_alarm_is_reported(inputs: SafetyInputs, world: SafetyWorld, clock: FakeClock) -> None:
    world.set("smoke", "alarm")
    inputs.poll()
    hold(clock, inputs, 60)
    assert inputs.states()["smoke"] == "alarm"


def test_unwired_door_and_smoke_inputs_read_as_open_and_alarm(pin_factory: Any, clock: FakeClock) -> None:
    # Normally-closed wiring with the pull-up: a cut wire must look like danger, not like calm.
    with SafetyInputs(SPECS, pin_factory, clock) as safety:
        assert safety.states() == {"front_door": "open", "smoke": "alarm", "panic": "released"}


def test_spec_from_config_uses_the_kind_default_wiring() -> None:
    spec = SafetyInputSpec.from_config({"name": "panic", "kind": "panic", "pin": 13})
    assert spec == SafetyInputSpec("panic", InputKind.PANIC, 13)
    assert spec.is_active_low


def test_world_refuses_a_state_the_kind_does_not_have(world: SafetyWorld) -> None:
    with pytest.raises(ValueError, match="states"):
        world.set("front_door", "pressed")


def test_duplicate_input_names_are_refused(pin_factory: Any, clock: FakeClock) -> None:
    specs = [SafetyInputSpec("door", InputKind.DOOR, 5), SafetyInputSpec("door", InputKind.DOOR, 6)]
    with pytest.raises(ValueError, match="two safety inputs"):
        SafetyInputs(specs, pin_factory, clock)


def test_unknown_gpio_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown GPIO backend"):
        open_pin_factory("arduino")


def test_pi_backend_without_gpio_libraries_says_what_to_install() -> None:
    pytest.importorskip("gpiozero")
    try:
        factory = open_pin_factory("pi")
    except GPIOUnavailable as exc:
        assert "python3-lgpio" in str(exc)
    else:  # on a real Pi this opens the real chip
        factory.close()
