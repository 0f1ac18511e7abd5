"""The DS18B20 driver over a fake 1-wire sysfs tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware.clock import FakeClock
from hardware.sensors import ds18b20
from hardware.sensors.base import SensorFault
from hardware.sensors.fake_w1 import FakeDS18B20, scratchpad
from hardware.sensors.kinds import FaultCode, Quantity
from hardware.sensors.world import World

FRIDGE = "fridge-sample"
# The kernel's text for 23.125 °C (raw 0x0172), as in the w1_therm documentation.
KNOWN = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n"


@pytest.fixture
def world(clock: FakeClock) -> World:
    world = World(5, clock)
    world.pin(FRIDGE, Quantity.FRIDGE_C, 4.0625)
    return world


@pytest.fixture
def thermometer(tmp_path: Path, world: World, clock: FakeClock) -> FakeDS18B20:
    fake = FakeDS18B20(tmp_path, "0316a2791bff", world, FRIDGE, clock)
    fake.tick()  # past the power-on scratchpad
    return fake


@pytest.fixture
def driver(thermometer: FakeDS18B20) -> ds18b20.DS18B20:
    return ds18b20.DS18B20(thermometer.folder)


def fault_of(driver: ds18b20.DS18B20) -> FaultCode:
    with pytest.raises(SensorFault) as caught:
        driver.read()
    return caught.value.fault


def test_known_kernel_text_parses_to_23_125_c() -> None:
    celsius, pad = ds18b20.parse(KNOWN)

    assert celsius == 23.125
    assert ds18b20.dallas_crc(pad[:8]) == 0x57


def test_negative_temperatures_are_twos_complement() -> None:
    text = ds18b20.scratchpad_lines(scratchpad(-10 * 16 - 8))

    assert ds18b20.parse(text)[0] == -10.5
    assert text.endswith("t=-10500\n")


def test_kernel_crc_no_is_a_crc_fault() -> None:
    with pytest.raises(SensorFault) as caught:
        ds18b20.parse(KNOWN.replace("YES", "NO"))
    assert caught.value.fault is FaultCode.CRC


def test_our_own_crc_check_catches_what_the_kernel_let_through() -> None:
    with pytest.raises(SensorFault) as caught:
        ds18b20.parse(KNOWN.replace("72 01 4b", "73 01 4b"))
    assert caught.value.fault is FaultCode.CRC


def test_all_zero_scratchpad_is_a_shorted_bus() -> None:
    with pytest.raises(SensorFault) as caught:
        ds18b20.parse(ds18b20.scratchpad_lines(bytes(9)))
    assert caught.value.fault is FaultCode.DISCONNECTED


def test_85_c_power_on_value_is_not_ready() -> None:
    with pytest.raises(SensorFault) as caught:
        ds18b20.parse(ds18b20.scratchpad_lines(scratchpad(ds18b20.POWER_ON_RAW)))
    assert caught.value.fault is FaultCode.NOT_READY


def test_garbled_text_is_a_crc_fault() -> None:
    with pytest.raises(SensorFault) as caught:
        ds18b20.parse("72 01 4b 46\n")
    assert caught.value.fault is FaultCode.CRC


def test_reads_the_fridge_temperature(driver: ds18b20.DS18B20) -> None:
    assert driver.read().values == {Quantity.FRIDGE_C: 4.0625}


def test_config_path_may_be_the_1_wire_id_under_the_devices_folder(tmp_path: Path) -> None:
    assert ds18b20.device_path("28-0316a2791bff", tmp_path) == tmp_path / "28-0316a2791bff"
    assert ds18b20.device_path("/elsewhere/28-1", tmp_path) == Path("/elsewhere/28-1")


def test_sensor_dropped_from_the_bus_is_disconnected_then_comes_back_at_85_c(
        driver: ds18b20.DS18B20, thermometer: FakeDS18B20) -> None:
    thermometer.disconnect()
    thermometer.tick()
    assert fault_of(driver) is FaultCode.DISCONNECTED

    thermometer.reconnect()
    thermometer.tick()
    assert fault_of(driver) is FaultCode.NOT_READY
    thermometer.tick()
    assert driver.read().values == {Quantity.FRIDGE_C: 4.0625}


def test_corrupted_transfer_is_a_crc_fault(driver: ds18b20.DS18B20, thermometer: FakeDS18B20) -> None:
    thermometer.corrupt()
    thermometer.tick()

    assert fault_of(driver) is FaultCode.CRC


def test_out_of_range_is_a_fault(driver: ds18b20.DS18B20, thermometer: FakeDS18B20) -> None:
    thermometer.go_out_of_range()
    thermometer.tick()

    assert fault_of(driver) is FaultCode.OUT_OF_RANGE


def test_stuck_sensor_keeps_its_file(driver: ds18b20.DS18B20, thermometer: FakeDS18B20, world: World) -> None:
    first = driver.read()
    thermometer.stick()
    world.pin(FRIDGE, Quantity.FRIDGE_C, 9.0)
    thermometer.tick()

    assert driver.read() == first


def test_fault_changes_are_recorded_with_the_clock(thermometer: FakeDS18B20, clock: FakeClock) -> None:
    t0 = clock.now()
    thermometer.disconnect()
    clock.advance(minutes=5)
    thermometer.reconnect()

    assert thermometer.states == [(t0, "ok"), (t0, "disconnected"), (clock.now(), "ok")]
