"""The PMS5003 driver over a fake serial port: frames, checksum, resync, faults."""

from __future__ import annotations

import pytest

from hardware.clock import FakeClock
from hardware.sensors import pms5003
from hardware.sensors.base import SensorFault
from hardware.sensors.fake_uart import FakePMS5003Port
from hardware.sensors.kinds import FaultCode, Quantity
from hardware.sensors.world import World

ROOM = "room:2"
# PM2.5 8 and PM10 9 µg/m³ (CF=1 and atmospheric), counts 1146/330/52/4/1/0; checksum 0x0270 = sum of bytes 0..29.
KNOWN_FRAME = bytes.fromhex("424d001c000500080009000500080009047a014a003400040001000097000270")


@pytest.fixture
def world(clock: FakeClock) -> World:
    world = World(3, clock)
    world.pin(ROOM, Quantity.PM25_UGM3, 42)
    world.pin(ROOM, Quantity.PM10_UGM3, 61)
    return world


@pytest.fixture
def port(world: World, clock: FakeClock) -> FakePMS5003Port:
    return FakePMS5003Port(world, ROOM, clock, seed=1)


@pytest.fixture
def driver(port: FakePMS5003Port, clock: FakeClock) -> pms5003.PMS5003:
    return pms5003.PMS5003(port, clock, warmup_s=0)


def fault_of(driver: pms5003.PMS5003) -> FaultCode:
    with pytest.raises(SensorFault) as caught:
        driver.read()
    return caught.value.fault


def test_known_frame_decodes_to_its_atmospheric_values() -> None:
    words = pms5003.decode_frame(KNOWN_FRAME)

    assert (words["pm25_atm"], words["pm10_atm"], words["n03"]) == (8, 9, 1146)
    assert pms5003.encode_frame(list(words.values())) == KNOWN_FRAME


def test_frame_with_a_wrong_checksum_is_not_valid() -> None:
    assert not pms5003.is_valid(KNOWN_FRAME[:-1] + b"\x71")


def test_reads_the_newest_frame_from_the_stream(driver: pms5003.PMS5003, world: World, clock: FakeClock) -> None:
    clock.advance(seconds=3)
    world.pin(ROOM, Quantity.PM25_UGM3, 55)
    clock.advance(seconds=1)

    assert driver.read().values == {Quantity.PM25_UGM3: 55.0, Quantity.PM10_UGM3: 61.0}


def test_the_first_30_s_are_warm_up(port: FakePMS5003Port, clock: FakeClock) -> None:
    driver = pms5003.PMS5003(port, clock)
    clock.advance(seconds=10)
    assert fault_of(driver) is FaultCode.NOT_READY

    clock.advance(seconds=21)
    assert driver.read().values[Quantity.PM25_UGM3] == 42.0


def test_resyncs_after_garbage_and_a_frame_cut_in_half(driver: pms5003.PMS5003, port: FakePMS5003Port,
                                                        clock: FakeClock) -> None:
    clock.advance(seconds=1)
    port.garble(40)
    half = port.read(len(port._buffer) - 20)  # noqa: F841 - the host lost these bytes
    clock.advance(seconds=1)

    assert driver.read().values[Quantity.PM25_UGM3] == 42.0


def test_only_corrupted_frames_is_a_crc_fault_then_it_recovers(driver: pms5003.PMS5003, port: FakePMS5003Port,
                                                               clock: FakeClock) -> None:
    port.corrupt(2)
    clock.advance(seconds=2)
    assert fault_of(driver) is FaultCode.CRC

    clock.advance(seconds=1)
    assert driver.read().values[Quantity.PM25_UGM3] == 42.0


def test_good_frame_after_a_bad_one_wins(driver: pms5003.PMS5003, port: FakePMS5003Port, clock: FakeClock) -> None:
    port.corrupt(1)
    clock.advance(seconds=2)

    assert driver.read().values[Quantity.PM10_UGM3] == 61.0


def test_silent_port_is_disconnected(driver: pms5003.PMS5003, port: FakePMS5003Port, clock: FakeClock) -> None:
    clock.advance(seconds=2)
    driver.read()
    port.disconnect()
    clock.advance(seconds=5)
    assert fault_of(driver) is FaultCode.NOT_READY  # a gap of a few seconds is not yet a lost sensor

    clock.advance(seconds=10)
    assert fault_of(driver) is FaultCode.DISCONNECTED


def test_port_that_cannot_be_opened_is_disconnected(clock: FakeClock) -> None:
    from hardware.sensors.uart import open_serial

    driver = pms5003.PMS5003(open_serial("/dev/tty-that-does-not-exist"), clock, warmup_s=0)

    assert fault_of(driver) is FaultCode.DISCONNECTED


def test_out_of_range_value_is_a_fault(driver: pms5003.PMS5003, port: FakePMS5003Port, clock: FakeClock) -> None:
    port.go_out_of_range()
    clock.advance(seconds=2)

    assert fault_of(driver) is FaultCode.OUT_OF_RANGE


def test_stuck_sensor_sends_identical_frames(driver: pms5003.PMS5003, port: FakePMS5003Port, world: World,
                                             clock: FakeClock) -> None:
    clock.advance(seconds=1)
    first = driver.read()
    port.stick()
    world.pin(ROOM, Quantity.PM25_UGM3, 99)
    clock.advance(seconds=60)

    assert driver.read().raw == first.raw


def test_working_sensor_frames_differ_in_their_counts(driver: pms5003.PMS5003, clock: FakeClock) -> None:
    raws = set()
    for _ in range(10):
        clock.advance(seconds=1)
        raws.add(driver.read().raw)

    assert len(raws) == 10


def test_full_tty_buffer_drops_what_arrives_later(port: FakePMS5003Port, clock: FakeClock) -> None:
    clock.advance(hours=1)

    assert port.in_waiting == 4096
    assert len(port.emitted) == 4096 // 32  # the first 128 seconds; the rest of the hour was lost
    port.read(4096)
    clock.advance(seconds=1)
    assert port.in_waiting == 32


def test_same_seed_gives_the_same_byte_stream(clock: FakeClock) -> None:
    def stream(seed: int) -> bytes:
        local = FakeClock(clock.current)
        port = FakePMS5003Port(World(seed, local), ROOM, local, seed=seed)
        local.advance(seconds=60)
        return port.read(4096)

    assert stream(5) == stream(5)
    assert stream(5) != stream(6)
