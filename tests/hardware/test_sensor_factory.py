"""Building drivers from config entries, over fakes and over (absent) real buses."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware.clock import FakeClock
from hardware.sensors.base import SensorFault
from hardware.sensors.factory import SensorSpec, open_sensor
from hardware.sensors.fake_w1 import FakeDS18B20
from hardware.sensors.kinds import DRIVERS, FaultCode, Quantity
from hardware.sensors.world import World


def spec_of(**entry: object) -> SensorSpec:
    spec, problems = SensorSpec.from_config(entry)
    assert spec is not None, problems
    return spec


def test_every_problem_of_an_entry_is_named() -> None:
    spec, problems = SensorSpec.from_config({"id": "Air 1", "driver": "bme680", "location": "kitchen!",
                                             "interval_s": 0, "colour": "red"})

    assert spec is None
    assert [problem.split(":")[0] for problem in problems] == [
        "sensors.colour", "sensors.id", "sensors.driver", "sensors.location", "sensors.interval_s"]


def test_uart_sensor_without_a_port_is_refused() -> None:
    _, problems = SensorSpec.from_config({"id": "pm", "driver": "pms5003", "location": "room:1"})

    assert problems == ["sensors.port: a pms5003 needs its serial port, e.g. /dev/ttyAMA0"]


def test_defaults_come_from_the_driver_table() -> None:
    spec = spec_of(id="hcho", driver="wzs", location="room:1", port="/dev/ttyUSB0")

    assert (spec.model_name, spec.interval_s, spec.stuck_after) == ("WZ-S", 60.0, 0)
    assert DRIVERS["scd4x"].quantities == (Quantity.CO2_PPM, Quantity.TEMPERATURE_C, Quantity.HUMIDITY_PCT)


@pytest.mark.parametrize("entry", [
    {"id": "air", "driver": "scd4x", "location": "room:1"},
    {"id": "pm", "driver": "pms5003", "location": "room:1", "port": "/dev/ttyAMA0"},
    {"id": "hcho", "driver": "wzs", "location": "room:1", "port": "/dev/ttyUSB0"},
    {"id": "fridge", "driver": "ds18b20", "location": "fridge-milk", "path": "28-0316a2791bff"},
])
def test_each_driver_opens_over_its_fake_and_reads_the_world(entry: dict[str, object], clock: FakeClock) -> None:
    world = World(1, clock)
    opened = open_sensor(spec_of(**entry), clock=clock, world=world, fake=True,
                         sleep=lambda s: clock.advance(seconds=s))
    values = None
    for _ in range(300):
        clock.advance(seconds=5)
        opened.tick()
        try:
            values = opened.driver.read().values
            break
        except SensorFault as fault:
            assert fault.fault is FaultCode.NOT_READY
    opened.close()

    assert values is not None and set(values) == set(DRIVERS[str(entry["driver"])].quantities)


def test_fake_1_wire_tree_is_removed_on_close(clock: FakeClock) -> None:
    opened = open_sensor(spec_of(id="fridge", driver="ds18b20", location="fridge-milk", path="28-00000000abcd"),
                         clock=clock, world=World(1, clock), fake=True)
    assert isinstance(opened.fake, FakeDS18B20)
    root = opened.fake.root
    assert (root / "28-00000000abcd" / "w1_slave").exists()

    opened.close()
    assert not root.exists()


def test_real_ds18b20_reads_under_the_configured_root(tmp_path: Path, clock: FakeClock) -> None:
    opened = open_sensor(spec_of(id="fridge", driver="ds18b20", location="fridge-milk", path="28-0316a2791bff"),
                         clock=clock, w1_root=tmp_path)

    with pytest.raises(SensorFault) as caught:
        opened.driver.read()
    assert caught.value.fault is FaultCode.DISCONNECTED
    assert opened.fake is None


def test_fakes_need_a_world(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="World"):
        open_sensor(spec_of(id="air", driver="scd4x", location="room:1"), clock=clock, fake=True)
