"""The WZ-S formaldehyde driver over a fake serial port."""

from __future__ import annotations

import pytest

from hardware.clock import FakeClock
from hardware.sensors import wzs
from hardware.sensors.base import SensorFault
from hardware.sensors.fake_uart import FakeWZSPort
from hardware.sensors.kinds import FaultCode, Quantity
from hardware.sensors.world import World

ROOM = "room:3"


@pytest.fixture
def world(clock: FakeClock) -> World:
    world = World(4, clock)
    world.pin(ROOM, Quantity.HCHO_MGM3, 0.05)
    return world


@pytest.fixture
def port(world: World, clock: FakeClock) -> FakeWZSPort:
    return FakeWZSPort(world, ROOM, clock, seed=2)


@pytest.fixture
def driver(port: FakeWZSPort, clock: FakeClock) -> wzs.WZS:
    return wzs.WZS(port, clock, warmup_s=0)


def fault_of(driver: wzs.WZS) -> FaultCode:
    with pytest.raises(SensorFault) as caught:
        driver.read()
    return caught.value.fault


def test_checksum_is_the_twos_complement_of_bytes_1_to_7() -> None:
    # The Q&A read command printed in the datasheet: FF 01 86 00 00 00 00 00 79.
    assert wzs.checksum(bytes.fromhex("ff0186000000000079")) == 0x79
    assert wzs.SWITCH_TO_ACTIVE == bytes.fromhex("ff0178400000000047")


def test_active_upload_frame_decodes_to_ppb() -> None:
    # 37 ppb, full range 2000 ppb: 0x17 + 0x04 + 0x25 + 0x07 + 0xD0 = 0x117, so the checksum is 0xE9.
    frame = bytes.fromhex("ff1704000025 07d0e9".replace(" ", ""))

    assert wzs.is_valid(frame)
    assert wzs.ppb_of(frame) == 37


def test_ppb_converts_to_mg_per_cubic_metre_at_25_c() -> None:
    assert wzs.ppb_to_mgm3(1000) == pytest.approx(1.2282, abs=1e-4)


def test_decimal_places_byte_is_applied() -> None:
    assert wzs.ppb_of(wzs.encode_frame(375, decimals=1)) == 37.5


def test_a_frame_of_another_gas_or_unit_is_not_taken() -> None:
    ppm_frame = bytearray(wzs.encode_frame(37))
    ppm_frame[2] = 0x02
    ppm_frame[8] = wzs.checksum(ppm_frame)

    assert not wzs.is_valid(bytes(ppm_frame))


def test_driver_switches_the_module_to_active_upload(port: FakeWZSPort, clock: FakeClock) -> None:
    port.write(wzs.SWITCH_TO_QA)
    assert port.mode == "qa"

    driver = wzs.WZS(port, clock, warmup_s=0)
    clock.advance(seconds=2)

    assert port.mode == "active"
    assert driver.read().values == {Quantity.HCHO_MGM3: 0.0504}  # 41 ppb


def test_warm_up_lasts_three_minutes(port: FakeWZSPort, clock: FakeClock) -> None:
    driver = wzs.WZS(port, clock)
    clock.advance(seconds=170)
    assert fault_of(driver) is FaultCode.NOT_READY

    clock.advance(seconds=11)
    assert driver.read().values[Quantity.HCHO_MGM3] == pytest.approx(0.05, abs=0.001)


def test_resyncs_after_garbage_full_of_ff_bytes(driver: wzs.WZS, port: FakeWZSPort, clock: FakeClock) -> None:
    clock.advance(seconds=1)
    port.garble(30)
    clock.advance(seconds=1)

    assert driver.read().values[Quantity.HCHO_MGM3] == 0.0504


def test_corrupted_frames_only_is_a_crc_fault(driver: wzs.WZS, port: FakeWZSPort, clock: FakeClock) -> None:
    port.corrupt(3)
    clock.advance(seconds=3)

    assert fault_of(driver) is FaultCode.CRC


def test_disconnected_module_is_a_disconnected_fault(driver: wzs.WZS, port: FakeWZSPort, clock: FakeClock) -> None:
    port.disconnect()
    clock.advance(seconds=11)

    assert fault_of(driver) is FaultCode.DISCONNECTED


def test_out_of_range_concentration_is_a_fault(driver: wzs.WZS, port: FakeWZSPort, clock: FakeClock) -> None:
    port.go_out_of_range()
    clock.advance(seconds=1)

    assert fault_of(driver) is FaultCode.OUT_OF_RANGE


def test_stuck_module_repeats_its_frame(driver: wzs.WZS, port: FakeWZSPort, world: World, clock: FakeClock) -> None:
    clock.advance(seconds=1)
    first = driver.read()
    port.stick()
    world.pin(ROOM, Quantity.HCHO_MGM3, 0.2)
    clock.advance(seconds=5)

    assert driver.read() == first
