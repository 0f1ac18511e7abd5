"""The seeded world behind the fake sensors: plausible, driven by occupancy and doors, reproducible."""

from __future__ import annotations

from datetime import UTC, datetime, time

from hardware.clock import FakeClock
from hardware.sensors.kinds import Quantity
from hardware.sensors.world import OUTDOOR_CO2_PPM, DaySchedule, World

# 2026-09-01 is a Tuesday; 00:00 UTC is 08:00 in Shanghai.
MIDNIGHT_SHANGHAI = datetime(2026, 8, 31, 16, 0, tzinfo=UTC)


def test_schedule_ramps_children_in_and_out_on_weekdays() -> None:
    schedule = DaySchedule(16, arrive=time(8, 0), leave=time(17, 30))

    assert schedule(datetime(2026, 8, 31, 23, 0, tzinfo=UTC)) == 0  # 07:00
    assert schedule(datetime(2026, 9, 1, 0, 0, tzinfo=UTC)) == 8  # 08:00, half arrived
    assert schedule(datetime(2026, 9, 1, 4, 0, tzinfo=UTC)) == 16  # 12:00
    assert schedule(datetime(2026, 9, 1, 11, 0, tzinfo=UTC)) == 0  # 19:00
    assert schedule(datetime(2026, 9, 5, 4, 0, tzinfo=UTC)) == 0  # Saturday noon


def test_co2_rises_with_children_and_falls_back_to_outdoor_air() -> None:
    clock = FakeClock(MIDNIGHT_SHANGHAI)
    world = World(1, clock, occupancy=DaySchedule(15))
    clock.advance(hours=6)
    night = world.value("room:1", Quantity.CO2_PPM)
    clock.advance(hours=6)  # noon, children in since the morning
    noon = world.value("room:1", Quantity.CO2_PPM)
    clock.advance(hours=10)  # 22:00, empty for hours
    evening = world.value("room:1", Quantity.CO2_PPM)

    assert abs(night - OUTDOOR_CO2_PPM) < 40
    assert noon > night + 200
    assert abs(evening - OUTDOOR_CO2_PPM) < 40


def test_open_door_spikes_pm25_and_it_settles_again() -> None:
    clock = FakeClock(MIDNIGHT_SHANGHAI)
    world = World(2, clock)
    clock.advance(hours=2)
    before = world.value("room:1", Quantity.PM25_UGM3)
    world.open_door("room:1", minutes=5)
    clock.advance(minutes=5)
    spike = world.value("room:1", Quantity.PM25_UGM3)
    clock.advance(hours=2)
    after = world.value("room:1", Quantity.PM25_UGM3)

    assert spike > before + 15
    assert abs(after - before) < 5


def test_fridge_stays_near_4_c_and_warms_with_its_door_open() -> None:
    clock = FakeClock(MIDNIGHT_SHANGHAI)
    world = World(3, clock)
    night = []
    for _ in range(36):
        clock.advance(minutes=10)
        night.append(world.value("fridge-milk", Quantity.FRIDGE_C))
    world.open_door("fridge-milk", minutes=4)
    clock.advance(minutes=4)

    assert all(1.5 < value < 6.5 for value in night)
    assert world.value("fridge-milk", Quantity.FRIDGE_C) > max(night[-3:]) + 3


def test_daily_temperature_cycle_is_warmest_in_the_afternoon() -> None:
    clock = FakeClock(MIDNIGHT_SHANGHAI)
    world = World(4, clock)
    clock.advance(hours=4)
    early = world.value("room:2", Quantity.TEMPERATURE_C)
    clock.advance(hours=11)
    afternoon = world.value("room:2", Quantity.TEMPERATURE_C)

    assert afternoon > early + 1.5


def test_values_do_not_depend_on_how_often_they_are_asked() -> None:
    often_clock, seldom_clock = FakeClock(MIDNIGHT_SHANGHAI), FakeClock(MIDNIGHT_SHANGHAI)
    often = World(9, often_clock, occupancy=DaySchedule(12))
    seldom = World(9, seldom_clock, occupancy=DaySchedule(12))
    for _ in range(360):
        often_clock.advance(minutes=2)
        often.value("room:5", Quantity.CO2_PPM)
    seldom_clock.advance(hours=12)

    for quantity in (Quantity.CO2_PPM, Quantity.PM25_UGM3, Quantity.TEMPERATURE_C, Quantity.HCHO_MGM3):
        assert often.value("room:5", quantity) == seldom.value("room:5", quantity)


def test_pinned_value_overrides_the_model_until_unpinned() -> None:
    clock = FakeClock(MIDNIGHT_SHANGHAI)
    world = World(1, clock)
    world.pin("room:1", Quantity.CO2_PPM, 1200)
    assert world.value("room:1", Quantity.CO2_PPM) == 1200

    world.unpin("room:1", Quantity.CO2_PPM)
    assert world.value("room:1", Quantity.CO2_PPM) < 600
