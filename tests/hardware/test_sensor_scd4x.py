"""The SCD4x driver over the fake chip: commands, timing, CRC per word, faults."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from smbus2 import i2c_msg

from hardware.clock import FakeClock
from hardware.sensors import scd4x
from hardware.sensors.base import Sample, SensorFault
from hardware.sensors.fake_scd4x import FakeSCD4x
from hardware.sensors.kinds import FaultCode, Quantity
from hardware.sensors.world import World

ROOM = "room:1"


@pytest.fixture
def world(clock: FakeClock) -> World:
    world = World(7, clock)
    world.pin(ROOM, Quantity.CO2_PPM, 812)
    world.pin(ROOM, Quantity.TEMPERATURE_C, 24.5)
    world.pin(ROOM, Quantity.HUMIDITY_PCT, 48.0)
    return world


@pytest.fixture
def chip(world: World, clock: FakeClock) -> FakeSCD4x:
    return FakeSCD4x(world, ROOM, clock)


def sleeper(clock: FakeClock) -> Callable[[float], None]:
    return lambda seconds: clock.advance(seconds=seconds)


def prime(driver: scd4x.SCD4x, clock: FakeClock) -> Sample:
    """Start the chip and take its first measurement."""
    with pytest.raises(SensorFault):
        driver.read()
    clock.advance(seconds=5)
    return driver.read()


@pytest.fixture
def driver(chip: FakeSCD4x, clock: FakeClock) -> scd4x.SCD4x:
    return scd4x.SCD4x(chip, clock, sleep=sleeper(clock))


def test_crc_of_the_datasheet_example_word() -> None:
    assert scd4x.sensirion_crc([0xBE, 0xEF]) == 0x92


def test_datasheet_measurement_example_decodes_to_500_ppm_25_c_37_percent() -> None:
    words = scd4x.decode_words(bytes.fromhex("01f4336667a25eb93c"))

    assert scd4x.convert(*words) == {Quantity.CO2_PPM: 500.0, Quantity.TEMPERATURE_C: 25.0,
                                     Quantity.HUMIDITY_PCT: 37.0}


def test_a_word_with_a_wrong_crc_is_a_crc_fault() -> None:
    with pytest.raises(SensorFault) as caught:
        scd4x.decode_words(bytes.fromhex("01f4336667a35eb93c"))
    assert caught.value.fault is FaultCode.CRC


def test_first_read_waits_for_the_first_5_s_measurement(driver: scd4x.SCD4x, clock: FakeClock) -> None:
    with pytest.raises(SensorFault) as caught:
        driver.read()
    assert caught.value.fault is FaultCode.NOT_READY

    clock.advance(seconds=5)
    sample = driver.read()

    assert sample.values == {Quantity.CO2_PPM: 812.0, Quantity.TEMPERATURE_C: 24.5, Quantity.HUMIDITY_PCT: 48.0}


def test_driver_stops_then_starts_periodic_mode_and_asks_data_ready_before_reading(
        driver: scd4x.SCD4x, chip: FakeSCD4x, clock: FakeClock) -> None:
    prime(driver, clock)

    assert [command for _, command in chip.commands] == [
        scd4x.STOP_PERIODIC_MEASUREMENT, scd4x.START_PERIODIC_MEASUREMENT, scd4x.GET_DATA_READY_STATUS,
        scd4x.GET_DATA_READY_STATUS, scd4x.READ_MEASUREMENT]
    # Start came only after the stop's 500 ms.
    assert chip.commands[1][0] - chip.commands[0][0] == pytest.approx(0.5)


def test_chip_nacks_a_read_sent_before_the_execution_time(chip: FakeSCD4x) -> None:
    chip.i2c_rdwr(i2c_msg.write(scd4x.ADDRESS, [0xE4, 0xB8]))

    with pytest.raises(OSError) as caught:
        chip.i2c_rdwr(i2c_msg.read(scd4x.ADDRESS, 3))
    assert caught.value.errno == 121


def test_chip_refuses_start_while_measuring(chip: FakeSCD4x, clock: FakeClock) -> None:
    chip.i2c_rdwr(i2c_msg.write(scd4x.ADDRESS, [0x21, 0xB1]))
    clock.advance(seconds=1)

    with pytest.raises(OSError):
        chip.i2c_rdwr(i2c_msg.write(scd4x.ADDRESS, [0x21, 0xB1]))


def test_a_restarted_agent_finds_the_chip_still_measuring_and_reads_it(
        chip: FakeSCD4x, world: World, clock: FakeClock) -> None:
    first = scd4x.SCD4x(chip, clock, sleep=sleeper(clock))
    prime(first, clock)

    second = scd4x.SCD4x(chip, clock, sleep=sleeper(clock))
    with pytest.raises(SensorFault):
        second.read()  # stopped and restarted: the next measurement is 5 s away
    clock.advance(seconds=5)
    assert second.read().values[Quantity.CO2_PPM] == 812.0


def test_each_measurement_is_read_once(driver: scd4x.SCD4x, clock: FakeClock) -> None:
    prime(driver, clock)

    with pytest.raises(SensorFault) as caught:
        driver.read()
    assert caught.value.fault is FaultCode.NOT_READY


def test_disconnected_chip_is_a_disconnected_fault_and_reconnecting_restarts_it(
        driver: scd4x.SCD4x, chip: FakeSCD4x, clock: FakeClock) -> None:
    prime(driver, clock)
    chip.disconnect()
    clock.advance(seconds=5)

    with pytest.raises(SensorFault) as caught:
        driver.read()
    assert caught.value.fault is FaultCode.DISCONNECTED

    chip.reconnect()  # powers up idle
    with pytest.raises(SensorFault):
        driver.read()
    clock.advance(seconds=5)
    assert driver.read().values[Quantity.CO2_PPM] == 812.0


def test_corrupted_answer_is_a_crc_fault_then_reading_resumes(
        driver: scd4x.SCD4x, chip: FakeSCD4x, clock: FakeClock) -> None:
    prime(driver, clock)
    chip.corrupt(1)
    clock.advance(seconds=5)

    with pytest.raises(SensorFault) as caught:
        driver.read()
    assert caught.value.fault is FaultCode.CRC
    assert driver.read().values[Quantity.CO2_PPM] == 812.0


def test_out_of_range_co2_is_a_fault_not_a_value(driver: scd4x.SCD4x, chip: FakeSCD4x, clock: FakeClock) -> None:
    prime(driver, clock)
    chip.go_out_of_range()
    clock.advance(seconds=5)

    with pytest.raises(SensorFault) as caught:
        driver.read()
    assert caught.value.fault is FaultCode.OUT_OF_RANGE


def test_stuck_chip_repeats_the_same_raw_words(driver: scd4x.SCD4x, chip: FakeSCD4x, world: World,
                                               clock: FakeClock) -> None:
    first = prime(driver, clock)
    chip.stick()
    world.pin(ROOM, Quantity.CO2_PPM, 1500)
    clock.advance(seconds=5)

    assert driver.read().raw == first.raw


def test_chip_that_lost_power_silently_is_restarted(driver: scd4x.SCD4x, chip: FakeSCD4x, clock: FakeClock) -> None:
    prime(driver, clock)
    chip._power_on()  # a brown-out: idle again, no I2C error seen
    for _ in range(4):
        clock.advance(seconds=5)
        with pytest.raises(SensorFault):
            driver.read()
    clock.advance(seconds=5)

    assert driver.read().values[Quantity.CO2_PPM] == 812.0
    assert [c for _, c in chip.commands].count(scd4x.START_PERIODIC_MEASUREMENT) == 2  # at first, after the loss


def test_missing_i2c_bus_reads_as_disconnected(clock: FakeClock) -> None:
    from hardware.sensors.factory import SensorSpec, open_sensor

    spec, _ = SensorSpec.from_config({"id": "air", "driver": "scd4x", "location": ROOM, "bus": 99})
    assert spec is not None
    opened = open_sensor(spec, clock=clock)

    with pytest.raises(SensorFault) as caught:
        opened.driver.read()
    assert caught.value.fault is FaultCode.DISCONNECTED
    opened.close()


def test_same_seed_gives_the_same_measurements(clock: FakeClock) -> None:
    def run(seed: int) -> list[dict[Quantity, float]]:
        local = FakeClock(clock.current)
        chip = FakeSCD4x(World(seed, local), ROOM, local)
        driver = scd4x.SCD4x(chip, local, sleep=sleeper(local))
        values = [prime(driver, local).values]
        for _ in range(20):
            local.advance(seconds=30)
            values.append(driver.read().values)
        return values

    assert run(11) == run(11)
    assert run(11) != run(12)
