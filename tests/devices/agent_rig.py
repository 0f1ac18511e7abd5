"""Helpers for the agent tests: a config mapping over fake hardware, and an agent built from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devices.agent.build import build_agent
from devices.agent.config import AgentConfig, parse_config
from devices.agent.core import Agent
from devices.fake_event_server import DEVICE, TOKEN
from hardware.clock import FakeClock

SENSORS: list[dict[str, Any]] = [
    {"id": "air-room1", "driver": "scd4x", "location": "room:1"},
    {"id": "pm-room1", "driver": "pms5003", "location": "room:1", "port": "/dev/ttyAMA0"},
    {"id": "hcho-room1", "driver": "wzs", "location": "room:1", "port": "/dev/ttyUSB0"},
    {"id": "fridge-milk", "driver": "ds18b20", "location": "fridge-milk", "path": "28-0316a2791bff"},
]
SAFETY: list[dict[str, Any]] = [
    {"name": "front-door", "kind": "door", "pin": 5, "location": "room:1", "label": "正门 / Front door"},
    {"name": "smoke-hall", "kind": "smoke", "pin": 6, "location": "room:1"},
    {"name": "panic-room1", "kind": "panic", "pin": 13, "location": "room:1"},
]


def config_mapping(data_dir: Path, server_url: str, **overrides: Any) -> dict[str, Any]:
    """A complete fake-hardware config as the TOML file would give it."""
    mapping: dict[str, Any] = {
        "device_id": DEVICE, "centre": "demo", "server_url": server_url, "token": TOKEN,
        "data_dir": str(data_dir), "fake": True, "seed": 7,
        "occupancy": [{"location": "room:1", "children": 15, "arrive": "08:00", "leave": "17:30"}],
        "sensors": SENSORS, "safety_inputs": SAFETY,
    }
    mapping.update(overrides)
    return mapping


def make_config(data_dir: Path, server_url: str, **overrides: Any) -> AgentConfig:
    """The validated config."""
    return parse_config(config_mapping(data_dir, server_url, **overrides))


def make_agent(config: AgentConfig, clock: FakeClock) -> Agent:
    """An agent whose drivers' waits move the fake clock (nothing sleeps)."""
    return build_agent(config, clock=clock, sleep=lambda seconds: clock.advance(seconds=seconds))
