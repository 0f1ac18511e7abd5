"""The agent's TOML config: valid files load, malformed ones give every problem in clear words."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from agent_rig import config_mapping

from devices.agent.config import ConfigError, load_config, parse_config
from devices.agent.enrol import AgentEnrolment, EnrolmentError, enroll

EXAMPLE = '''
device_id = "agent-room1"
centre = "demo"
server_url = "http://127.0.0.1:5000"
token = "secret-token"
data_dir = "state"
fake = true
seed = 3

[uplink]
kind = "mqtt"
host = "127.0.0.1"
port = 1883

[[occupancy]]
location = "room:1"
children = 12
arrive = "07:45"
leave = "17:00"

[[sensors]]
id = "air-room1"
driver = "scd4x"
location = "room:1"
interval_s = 30

[[sensors]]
id = "fridge-sample"
driver = "ds18b20"
location = "fridge-sample"
path = "28-0316a2791bff"

[[safety_inputs]]
name = "front-door"
kind = "door"
pin = 5
location = "room:1"
label = "正门 / Front door"
'''


def problems_of(tmp_path: Path, **overrides: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(config_mapping(tmp_path, "http://127.0.0.1:5000", **overrides))
    return caught.value.problems


def test_example_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(EXAMPLE, encoding="utf-8")

    config = load_config(path)

    assert (config.device_id, config.centre, config.uplink.kind, config.uplink.port) == (
        "agent-room1", "demo", "mqtt", 1883)
    assert config.outbox_path == tmp_path / "state" / "outbox.sqlite3"
    assert [s.id for s in config.sensors] == ["air-room1", "fridge-sample"]
    assert config.sensors[0].interval_s == 30.0
    assert config.safety_inputs[0].label == "正门 / Front door"
    assert config.occupancy["room:1"].children == 12
    assert config.gpio_backend == "fake"


def test_file_that_is_not_toml_says_so(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text("fake = yes please\n", encoding="utf-8")

    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_every_problem_is_listed_once_with_its_key(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, colour="red", seed="x", uplink={"kind": "carrier-pigeon"}, heartbeat_s=0,
                           sensors=[{"id": "air", "driver": "scd4x", "location": "room:1"},
                                    {"id": "air", "driver": "scd4x", "location": "room:2"}],
                           safety_inputs=[{"name": "door", "kind": "window", "pin": 5, "location": "room:1"}])

    assert problems == [
        "colour: unknown key",
        "seed: 'x' must be an integer",
        "uplink.kind: 'carrier-pigeon' must be \"http\" or \"mqtt\"",
        "sensors[1].id: 'air' is used twice",
        "safety_inputs[0]: kind 'window' must be one of door, smoke, panic",
        "heartbeat_s: 0 must be a number within 5..3600",
    ]


def test_missing_identity_points_at_enrolment(tmp_path: Path) -> None:
    mapping = config_mapping(tmp_path, "http://127.0.0.1:5000")
    for key in ("device_id", "centre", "server_url", "token"):
        mapping.pop(key)

    with pytest.raises(ConfigError) as caught:
        parse_config(mapping)

    assert len(caught.value.problems) == 4
    assert all("tuoyu-agent enroll" in problem for problem in caught.value.problems)
    assert "配置错误 / invalid configuration" in str(caught.value)


def test_centre_that_cannot_name_a_topic_is_refused(tmp_path: Path) -> None:
    assert problems_of(tmp_path, centre="centre/1") == [
        "centre: 'centre/1' must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$ (it names MQTT topics)"]


def test_occupancy_times_must_be_times_of_day(tmp_path: Path) -> None:
    assert problems_of(tmp_path, occupancy=[{"location": "room:1", "children": 5, "arrive": "8am"}]) == [
        "occupancy[0].arrive: '8am' must be a time of day like \"08:00\""]


def enrol_server(status: int, body: dict[str, object]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/devices/enroll"
        sent = json.loads(request.content)
        assert (sent["kind"], sent["code"]) == ("agent", "K7Q2-9XW4")
        return httpx.Response(status, json=body)

    return httpx.Client(transport=httpx.MockTransport(answer))


def test_enrolment_is_stored_privately_and_fills_the_identity(tmp_path: Path) -> None:
    client = enrol_server(201, {"device_id": "agent-7", "token": "tok-123", "centre_code": "demo", "centre_id": 1,
                                "trusted_keys": []})
    data_dir = tmp_path / "state"

    enrolment = enroll("http://server:5000/", "K7Q2-9XW4", data_dir=data_dir, name="room 1", version="0.1.0",
                       client=client)
    mapping = config_mapping(data_dir, "unused")
    for key in ("device_id", "centre", "server_url", "token"):
        mapping.pop(key)
    config = parse_config(mapping)

    assert enrolment == AgentEnrolment("agent-7", "demo", "http://server:5000", "tok-123")
    assert (config.device_id, config.centre, config.server_url, config.token) == (
        "agent-7", "demo", "http://server:5000", "tok-123")
    assert (data_dir / "token").stat().st_mode & 0o777 == 0o600


def test_refused_code_says_why_and_stores_nothing(tmp_path: Path) -> None:
    client = enrol_server(404, {"error": {"code": "unknown_code", "message": "no such code", "field": "code"}})

    with pytest.raises(EnrolmentError) as caught:
        enroll("http://server:5000", "K7Q2-9XW4", data_dir=tmp_path, name="x", version="0.1.0", client=client)

    assert caught.value.code == "unknown_code"
    assert AgentEnrolment.load(tmp_path) is None


def test_second_enrolment_needs_replace(tmp_path: Path) -> None:
    body = {"device_id": "agent-7", "token": "tok-123", "centre_code": "demo", "centre_id": 1, "trusted_keys": []}
    enroll("http://s", "K7Q2-9XW4", data_dir=tmp_path, name="x", version="1", client=enrol_server(201, body))

    with pytest.raises(EnrolmentError, match="already_enrolled"):
        enroll("http://s", "K7Q2-9XW4", data_dir=tmp_path, name="x", version="1", client=enrol_server(201, body))
