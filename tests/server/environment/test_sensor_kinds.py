"""The sensor-kind table's flat-line figures: derived from each kind's noise, and never reached by a working sensor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devices.readings import QUANTITY_KINDS, Quantity, flat_readings, implausible_after, repeat_odds
from hardware.clock import FakeClock
from hardware.sensors.base import SensorFault
from hardware.sensors.factory import DRIVERS, SensorSpec, open_sensor
from hardware.sensors.world import DaySchedule, World

NOISY = [kind for kind in QUANTITY_KINDS.values() if kind.noise > 0]


@pytest.mark.parametrize("kind", NOISY, ids=lambda kind: kind.quantity.value)
def test_a_noisy_kinds_figure_is_where_its_noise_makes_a_flat_line_implausible(kind):
    assert kind.flat_readings == implausible_after(kind.resolution, kind.noise)
    assert repeat_odds(kind.resolution, kind.noise) ** (kind.flat_readings - 1) <= 1e-9


def test_co2_is_stuck_after_nine_equal_readings():
    assert flat_readings("co2_ppm") == 9


def test_values_that_clean_air_holds_for_hours_never_make_a_flat_line_alone():
    assert [flat_readings(q) for q in ("pm25_ugm3", "pm10_ugm3", "hcho_mgm3", "nonsense")] == [0, 0, 0, 0]


def test_the_fridge_figure_is_the_agents_raw_check():
    assert QUANTITY_KINDS[Quantity.FRIDGE_C].flat_readings == DRIVERS["ds18b20"].stuck_reads == 60


def test_every_kind_says_why():
    assert all(kind.reason and kind.quantity is q for q, kind in QUANTITY_KINDS.items())


def test_a_day_of_working_fake_sensors_never_reaches_a_flat_line():
    clock = FakeClock(datetime(2026, 8, 31, 16, 0, tzinfo=UTC))
    world = World(7, clock, occupancy=DaySchedule(15))
    sensors = [open_sensor(SensorSpec(id="scd41-a", driver="scd4x", location="room:1"), clock=clock, world=world,
                           fake=True, sleep=lambda s: clock.advance(seconds=s)),
               open_sensor(SensorSpec(id="fridge", driver="ds18b20", location="fridge-sample", path="28-000000000001"),
                           clock=clock, world=world, fake=True)]
    last: dict[Quantity, float] = {}
    run: dict[Quantity, int] = {}
    longest: dict[Quantity, int] = {}
    try:
        for _minute in range(24 * 60):
            for sensor in sensors:
                sensor.tick()  # as the agent does before each read
                try:
                    values = sensor.driver.read().values
                except SensorFault:
                    continue
                for quantity, value in values.items():
                    run[quantity] = run.get(quantity, 0) + 1 if last.get(quantity) == value else 1
                    last[quantity] = value
                    longest[quantity] = max(longest.get(quantity, 0), run[quantity])
            clock.advance(minutes=1)
    finally:
        for sensor in sensors:
            sensor.close()
    assert set(longest) == {Quantity.CO2_PPM, Quantity.TEMPERATURE_C, Quantity.HUMIDITY_PCT, Quantity.FRIDGE_C}
    assert all(n < QUANTITY_KINDS[q].flat_readings for q, n in longest.items()), longest
