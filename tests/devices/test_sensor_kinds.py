"""The sensor-kind tables: the wire's figures (what the server judges) agree with the drivers' (what they measure).

The flat-line figures derive from each driver's noise, and a working sensor never reaches them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devices.wire import readings as wire
from devices.wire.readings import QUANTITY_KINDS, Quantity, flat_readings
from hardware.clock import FakeClock
from hardware.sensors import factory
from hardware.sensors import kinds as sensor_kinds
from hardware.sensors.base import SensorFault
from hardware.sensors.factory import SensorSpec, open_sensor
from hardware.sensors.kinds import DRIVERS, implausible_after, repeat_odds
from hardware.sensors.world import DaySchedule, World

MEASURES = [measure for info in DRIVERS.values() for measure in info.measures]
NOISY = [measure for measure in MEASURES if measure.noise > 0]


@pytest.mark.parametrize("measure", NOISY, ids=lambda measure: measure.quantity.value)
def test_a_noisy_kinds_figure_is_where_its_noise_makes_a_flat_line_implausible(measure):
    figure = QUANTITY_KINDS[Quantity(measure.quantity.value)].flat_readings
    assert figure == implausible_after(measure.resolution, measure.noise)
    assert repeat_odds(measure.resolution, measure.noise) ** (figure - 1) <= 1e-9


@pytest.mark.parametrize("measure", MEASURES, ids=lambda measure: measure.quantity.value)
def test_the_wire_range_of_each_quantity_is_its_drivers_measuring_range(measure):
    assert wire.PHYSICAL_RANGE[Quantity(measure.quantity.value)] == (measure.low, measure.high)


def test_the_wire_and_the_drivers_name_the_same_quantities_and_faults():
    assert [q.value for q in sensor_kinds.Quantity] == [q.value for q in wire.Quantity]
    assert [f.value for f in sensor_kinds.FaultCode] == [f.value for f in wire.FaultCode]


def test_sensor_entries_are_named_and_placed_as_the_wire_says():
    assert (factory.SENSOR_ID_PATTERN, factory.LOCATION_PATTERN) == (wire.SENSOR_ID_PATTERN, wire.LOCATION_PATTERN)


def test_co2_is_stuck_after_nine_equal_readings():
    assert flat_readings("co2_ppm") == 9


def test_values_that_clean_air_holds_for_hours_never_make_a_flat_line_alone():
    assert [flat_readings(q) for q in ("pm25_ugm3", "pm10_ugm3", "hcho_mgm3", "nonsense")] == [0, 0, 0, 0]


def test_the_fridge_figure_is_the_agents_raw_check():
    assert QUANTITY_KINDS[Quantity.FRIDGE_C].flat_readings == DRIVERS["ds18b20"].stuck_reads == 60


def test_every_kind_says_why():
    assert all(kind.reason and kind.quantity is q for q, kind in QUANTITY_KINDS.items())
    assert all(measure.reason for measure in MEASURES)


def test_a_day_of_working_fake_sensors_never_reaches_a_flat_line():
    clock = FakeClock(datetime(2026, 8, 31, 16, 0, tzinfo=UTC))
    world = World(7, clock, occupancy=DaySchedule(15))
    sensors = [open_sensor(SensorSpec(id="scd41-a", driver="scd4x", location="room:1"), clock=clock, world=world,
                           fake=True, sleep=lambda s: clock.advance(seconds=s)),
               open_sensor(SensorSpec(id="fridge", driver="ds18b20", location="fridge-sample", path="28-000000000001"),
                           clock=clock, world=world, fake=True)]
    last: dict[sensor_kinds.Quantity, float] = {}
    run: dict[sensor_kinds.Quantity, int] = {}
    longest: dict[sensor_kinds.Quantity, int] = {}
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
    assert set(longest) == {sensor_kinds.Quantity.CO2_PPM, sensor_kinds.Quantity.TEMPERATURE_C,
                            sensor_kinds.Quantity.HUMIDITY_PCT, sensor_kinds.Quantity.FRIDGE_C}
    assert all(n < flat_readings(q.value) for q, n in longest.items()), longest
