"""Building an :class:`~devices.agent.core.Agent` from its configuration: outbox, sensors, safety inputs, uplink."""

from __future__ import annotations

import random
import ssl
import time
from collections.abc import Callable

import httpx

from devices.agent.config import AgentConfig
from devices.agent.core import Agent, HygieneMeta, SafetyMeta, agent_version
from devices.agent.fakes import WorldDoors, fake_pin_factory
from devices.agent.uv import HttpUvStateSource, UvInterlock, UvStateSource
from devices.mqtt_uplink import MqttUplink
from devices.outbox import Outbox
from devices.uplink import HttpUplink, Uplink
from hardware.clock import Clock
from hardware.gpio import SafetyInputs, SafetyWorld, open_pin_factory
from hardware.relay import BreakableMockPin, Relay, RelaySpec
from hardware.sensors.factory import open_sensor
from hardware.sensors.world import World


def _nothing() -> None:
    """Nothing to release."""


def make_uplink(config: AgentConfig, agent_version_text: str) -> tuple[Uplink, Callable[[], None]]:
    """The configured uplink and what closes its resources."""
    if config.uplink.kind == "mqtt":
        tls = ssl.create_default_context(cafile=config.uplink.ca_file) if config.uplink.tls else None
        mqtt_uplink = MqttUplink(config.uplink.host, config.uplink.port, centre=config.centre,
                                 device_id=config.device_id, token=config.token, tls=tls,
                                 ack_timeout_s=config.uplink.ack_timeout_s)
        return mqtt_uplink, _nothing
    client = httpx.Client(timeout=config.uplink.timeout_s, headers={"X-Device-Version": agent_version_text})
    return HttpUplink(config.server_url, config.token, client=client), client.close


def build_agent(config: AgentConfig, *, clock: Clock, sleep: Callable[[float], None] = time.sleep,
                uplink: Uplink | None = None, uv_source: UvStateSource | None = None) -> Agent:
    """Open the outbox, the sensors (real or fake), the safety inputs and the uplink that ``config`` names."""
    closers: list[Callable[[], None]] = []
    outbox = Outbox(config.outbox_path, clock, config.device_id)
    closers.append(outbox.close)
    try:
        world = World(config.seed, clock, occupancy=config.occupancy, timezone=config.timezone) if config.fake else None
        sensors = []
        for spec in config.sensors:
            # A fake 1-wire tree lives in the data directory, so a killed agent leaves no temporary folders.
            opened = open_sensor(spec, clock=clock, world=world, fake=config.fake, sleep=sleep,
                                 fake_root=config.data_dir / "fake-w1")
            sensors.append(opened)
            closers.append(opened.close)
        safety = safety_world = pin_factory = None
        specs = [entry.spec for entry in (*config.safety_inputs, *config.hygiene_inputs)]
        if specs or config.uv_lamps:
            pin_factory = fake_pin_factory(specs) if config.gpio_backend == "fake" else open_pin_factory("pi")
            closers.append(pin_factory.close)
            if config.gpio_backend == "fake":
                for lamp_config in config.uv_lamps:  # a relay a test (or the demo) can break
                    pin_factory.pin(lamp_config.pin, pin_class=BreakableMockPin)
        if specs:
            safety = SafetyInputs(specs, pin_factory, clock)
            closers.append(safety.close)
            if config.gpio_backend == "fake":
                safety_world = SafetyWorld(specs, pin_factory)
        close_uplink: Callable[[], None] = _nothing
        close_uv_client: Callable[[], None] = _nothing
        if uplink is None:
            uplink, close_uplink = make_uplink(config, agent_version())
        lamps: list[UvInterlock] = []
        if config.uv_lamps:
            if uv_source is None:
                uv_client = httpx.Client(timeout=min(config.uplink.timeout_s, 5.0),
                                         headers={"X-Device-Version": agent_version()})
                closers.append(uv_client.close)
                close_uv_client = uv_client.close
                uv_source = HttpUvStateSource(config.server_url, config.token, uv_client)
            for lamp_config in config.uv_lamps:
                relay = Relay(RelaySpec(lamp_config.name, lamp_config.pin, lamp_config.active_high), pin_factory,
                              clock)
                closers.append(relay.close)
                lamps.append(UvInterlock(lamp_config, relay, outbox, clock, uv_source,
                                         state_file=config.data_dir / f"uv-{lamp_config.name}.json",
                                         motion_active=_motion_reader(safety, lamp_config.motion_input)))
    except BaseException:
        for close in reversed(closers):
            close()
        raise
    meta = {entry.spec.name: SafetyMeta(entry.location, entry.label) for entry in config.safety_inputs}
    hygiene_meta = {entry.spec.name: HygieneMeta(entry.room_id, entry.location) for entry in config.hygiene_inputs}

    def on_close() -> None:
        close_uplink()
        close_uv_client()
        if pin_factory is not None:
            pin_factory.close()  # after the agent closed the inputs on it

    agent = Agent(clock=clock, outbox=outbox, uplink=uplink, sensors=sensors, safety=safety, safety_meta=meta,
                 rng=random.Random(config.seed if config.fake else None), heartbeat_s=config.heartbeat_s,
                 batch_size=config.batch_size, not_ready_grace_s=config.not_ready_grace_s,
                 safety_poll_s=config.safety_poll_ms / 1000.0, on_close=on_close, world=world,
                 safety_world=safety_world, hygiene_meta=hygiene_meta, uv_lamps=lamps)
    if world is not None and safety_world is not None and config.simulate_doors:
        doors = {entry.location: entry.spec.name for entry in config.safety_inputs if entry.spec.kind.value == "door"}
        agent.world_doors = WorldDoors(world, safety_world, doors, clock)
    return agent


def _motion_reader(safety: SafetyInputs | None, name: str | None) -> Callable[[], bool] | None:
    """Whether the motion input reads movement now (a PIR holds its output while it sees movement)."""
    if safety is None or name is None:
        return None
    return lambda: safety.states().get(name) == "motion"
