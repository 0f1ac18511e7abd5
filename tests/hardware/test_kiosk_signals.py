"""KioskSignals: LEDs, buzzer and door relay timed exactly by the injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from hardware.clock import FakeClock
from hardware.gpio import KioskPins, KioskSignals, SignalTimings

PINS = KioskPins(green_led=17, red_led=27, buzzer=22, relay=23)


@pytest.fixture
def signals(pin_factory: Any, clock: FakeClock) -> Iterator[KioskSignals]:
    with KioskSignals(PINS, pin_factory, clock, SignalTimings(door_release_ms=3000)) as kiosk:
        yield kiosk


def ms(n: float) -> timedelta:
    return timedelta(milliseconds=n)


def test_door_relay_is_released_for_exactly_the_configured_time(
    signals: KioskSignals, clock: FakeClock
) -> None:
    t0 = clock.now()
    signals.release_door()
    clock.advance(ms(2999))
    signals.tick()
    clock.advance(ms(1))
    signals.tick()
    assert signals.history_for("relay") == [(t0, 1), (t0 + timedelta(seconds=3), 0)]


def test_door_relay_pin_follows_the_relay(signals: KioskSignals, pin_factory: Any, clock: FakeClock) -> None:
    signals.release_door(1.5)
    assert pin_factory.pin(PINS.relay).state
    clock.advance(seconds=1.5)
    signals.tick()
    assert not pin_factory.pin(PINS.relay).state


def test_active_low_relay_board_is_driven_low_to_release(pin_factory: Any, clock: FakeClock) -> None:
    pins = KioskPins(green_led=5, red_led=6, buzzer=13, relay=19, relay_active_high=False)
    with KioskSignals(pins, pin_factory, clock) as kiosk:
        assert pin_factory.pin(19).state  # idle high: the door stays locked
        kiosk.release_door()
        assert not pin_factory.pin(19).state
        assert kiosk.value("relay") == 1


def test_second_release_while_open_restarts_the_countdown(signals: KioskSignals, clock: FakeClock) -> None:
    t0 = clock.now()
    signals.release_door()
    clock.advance(seconds=2)
    signals.tick()
    signals.release_door()
    clock.advance(seconds=3)
    signals.tick()
    assert signals.history_for("relay") == [(t0, 1), (t0 + timedelta(seconds=5), 0)]


def test_door_release_beyond_the_safety_limit_is_refused(signals: KioskSignals) -> None:
    with pytest.raises(ValueError, match="door release"):
        signals.release_door(60)
    assert signals.history_for("relay") == []


def test_refuse_lights_the_red_led(signals: KioskSignals, pin_factory: Any) -> None:
    signals.refuse()
    assert signals.value("red_led") == 1
    assert pin_factory.pin(PINS.red_led).state
    assert signals.value("green_led") == 0


def test_refuse_sounds_a_double_beep(signals: KioskSignals, clock: FakeClock) -> None:
    t0 = clock.now()
    signals.refuse()
    for _ in range(70):
        clock.advance(ms(10))
        signals.tick()
    assert signals.history_for("buzzer") == [(t0, 1), (t0 + ms(250), 0), (t0 + ms(400), 1), (t0 + ms(650), 0)]


def test_accept_lights_green_with_one_short_beep_then_goes_dark(
    signals: KioskSignals, clock: FakeClock
) -> None:
    t0 = clock.now()
    signals.accept()
    for _ in range(200):
        clock.advance(ms(10))
        signals.tick()
    assert signals.history_for("green_led") == [(t0, 1), (t0 + ms(1500), 0)]
    assert signals.history_for("buzzer") == [(t0, 1), (t0 + ms(120), 0)]
    assert not signals.busy


def test_accept_after_refuse_puts_red_out_at_once(signals: KioskSignals, clock: FakeClock) -> None:
    t0 = clock.now()
    signals.refuse()
    clock.advance(ms(100))
    signals.tick()
    signals.accept()
    assert signals.history_for("red_led") == [(t0, 1), (t0 + ms(100), 0)]
    assert signals.value("green_led") == 1


def test_late_tick_jumps_to_the_latest_level_without_glitches(
    signals: KioskSignals, clock: FakeClock
) -> None:
    t0 = clock.now()
    signals.refuse()
    clock.advance(seconds=1)
    signals.tick()
    assert signals.history_for("buzzer") == [(t0, 1), (t0 + timedelta(seconds=1), 0)]


def test_close_turns_everything_off(pin_factory: Any, clock: FakeClock) -> None:
    kiosk = KioskSignals(PINS, pin_factory, clock)
    kiosk.release_door()
    kiosk.refuse()
    kiosk.close()
    assert [(name, value) for _at, name, value in kiosk.history[-3:]] == [
        ("red_led", 0),
        ("buzzer", 0),
        ("relay", 0),
    ]


def test_pins_and_timings_come_from_config_mappings() -> None:
    assert KioskPins.from_config({"relay": 26, "relay_active_high": False}) == KioskPins(
        relay=26, relay_active_high=False
    )
    assert SignalTimings.from_config({"refuse_beeps_ms": [100, 100, 100]}).refuse_beeps_ms == (100, 100, 100)


def test_unknown_config_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown KioskPins keys"):
        KioskPins.from_config({"door": 26})
