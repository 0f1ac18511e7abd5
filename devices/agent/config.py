"""The agent's configuration file (TOML): every key validated, unknown keys refused, all problems at once.

See docs/agent.md for every key. Relative paths are relative to the file's folder. The agent's
identity (device id, centre, server URL, token) comes from the file or, when it leaves them out,
from the enrolment ``tuoyu-agent enroll`` stored in ``data_dir``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from devices.agent.enrol import AgentEnrolment
from devices.agent.uv import UvLampConfig
from devices.wire.protocol import DEVICE_ID_PATTERN, MAX_BATCH_EVENTS
from devices.wire.readings import LOCATION_PATTERN, SENSOR_ID_PATTERN
from hardware.gpio import HYGIENE_KINDS, SAFETY_KINDS, InputKind, SafetyInputSpec
from hardware.sensors.factory import SensorSpec
from hardware.sensors.world import DaySchedule

TOP_KEYS = frozenset({
    "device_id", "centre", "server_url", "token", "token_file", "data_dir", "outbox", "fake", "seed", "timezone",
    "heartbeat_s", "batch_size", "not_ready_grace_s", "safety_poll_ms", "uplink", "gpio", "occupancy", "sensors",
    "safety_inputs", "simulate_doors", "hygiene_inputs", "uv_lamps",
})
HYGIENE_INPUT_KEYS = frozenset({"name", "kind", "pin", "active_low", "stable_ms", "room_id", "location"})
UV_LAMP_KEYS = frozenset({"name", "room_id", "pin", "active_high", "motion_input", "poll_s"})
UPLINK_KEYS = frozenset({"kind", "host", "port", "tls", "ca_file", "ack_timeout_s", "timeout_s"})
OCCUPANCY_KEYS = frozenset({"location", "children", "arrive", "leave"})
SAFETY_EXTRA_KEYS = frozenset({"location", "label"})


class ConfigError(ValueError):
    """A configuration that cannot be used; ``problems`` lists every problem, each naming its key."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        where = f"{source}: " if source else ""
        super().__init__(f"{where}配置错误 / invalid configuration:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class UplinkConfig:
    """How events reach the server: HTTP batches (default) or MQTT through a broker."""

    kind: str = "http"
    host: str = "127.0.0.1"
    port: int = 1883
    tls: bool = False
    ca_file: Path | None = None
    ack_timeout_s: float = 15.0
    timeout_s: float = 15.0


@dataclass(frozen=True)
class SafetyInput:
    """A wired safety input and where it is."""

    spec: SafetyInputSpec
    location: str
    label: str | None = None


@dataclass(frozen=True)
class HygieneInput:
    """A wired hygiene input (issue #18): a window contact or motion sensor of a room, or a cabinet's contact."""

    spec: SafetyInputSpec
    room_id: int | None = None  # window, motion
    location: str | None = None  # cabinet: "kitchen" or "room:<id>"


@dataclass(frozen=True)
class AgentConfig:
    """Everything the agent needs, validated."""

    device_id: str
    centre: str
    server_url: str
    token: str = field(repr=False)
    data_dir: Path
    outbox_path: Path
    uplink: UplinkConfig = field(default_factory=UplinkConfig)
    sensors: tuple[SensorSpec, ...] = ()
    safety_inputs: tuple[SafetyInput, ...] = ()
    gpio_backend: str = "pi"
    fake: bool = False
    seed: int = 0
    timezone: str = "Asia/Shanghai"
    occupancy: dict[str, DaySchedule] = field(default_factory=dict)
    heartbeat_s: float = 60.0
    batch_size: int = MAX_BATCH_EVENTS
    not_ready_grace_s: float = 300.0
    safety_poll_ms: int = 10
    simulate_doors: bool = False
    """With ``fake``: the world's door openings (drop-off, pick-up) move the fake door contacts."""
    hygiene_inputs: tuple[HygieneInput, ...] = ()
    uv_lamps: tuple[UvLampConfig, ...] = ()


def load_config(path: str | Path) -> AgentConfig:
    """Read and validate a config file; :class:`ConfigError` lists every problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"cannot read the file: {exc}"], str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"not valid TOML: {exc}"], str(path)) from None
    return parse_config(raw, base=path.parent, source=str(path))


def _number(raw: Mapping[str, Any], key: str, default: float, low: float, high: float, problems: list[str],
            where: str = "") -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        problems.append(f"{where}{key}: {value!r} must be a number within {low:g}..{high:g}")
        return default
    return float(value)


def _clock_time(value: Any, key: str, problems: list[str]) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        return time.fromisoformat(value)
    problems.append(f"{key}: {value!r} must be a time of day like \"08:00\"")
    return time(0, 0)


def parse_config(raw: Mapping[str, Any], *, base: Path = Path("."), source: str = "") -> AgentConfig:
    """Validate a parsed TOML mapping (see :func:`load_config`)."""
    problems = [f"{key}: unknown key" for key in sorted(set(raw) - TOP_KEYS)]

    fake, simulate_doors = raw.get("fake", False), raw.get("simulate_doors", False)
    for key, flag in (("fake", fake), ("simulate_doors", simulate_doors)):
        if not isinstance(flag, bool):
            problems.append(f"{key}: {flag!r} must be true or false")
    fake, simulate_doors = fake is True, simulate_doors is True
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        problems.append(f"seed: {seed!r} must be an integer")
        seed = 0
    timezone = raw.get("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"timezone: {timezone!r} is not an IANA time zone")
        timezone = "Asia/Shanghai"

    data_dir = base / str(raw.get("data_dir", "instance/agent"))
    outbox_path = data_dir / str(raw.get("outbox", "outbox.sqlite3"))
    identity = _identity(raw, base, data_dir, problems)
    uplink = _uplink(raw.get("uplink", {}), base, problems)
    sensors = _sensors(raw.get("sensors", []), problems)
    safety = _safety(raw.get("safety_inputs", []), problems)
    occupancy = _occupancy(raw.get("occupancy", []), str(timezone), problems)
    hygiene = _hygiene_inputs(raw.get("hygiene_inputs", []), problems)
    lamps = _uv_lamps(raw.get("uv_lamps", []), hygiene, problems)
    pins = [entry.spec.pin for entry in (*safety, *hygiene)] + [lamp.pin for lamp in lamps]
    if len(pins) != len(set(pins)):
        problems.append(f"pins: a GPIO pin is used twice across safety_inputs, hygiene_inputs and uv_lamps: {pins}")
    names = [entry.spec.name for entry in (*safety, *hygiene)]
    if len(names) != len(set(names)):
        problems.append("names: an input name is used twice across safety_inputs and hygiene_inputs")

    gpio = raw.get("gpio", {})
    backend = gpio.get("backend", "fake" if fake else "pi") if isinstance(gpio, dict) else None
    if backend not in ("fake", "pi") or (isinstance(gpio, dict) and set(gpio) - {"backend"}):
        problems.append(f"gpio: must be {{backend = \"fake\" | \"pi\"}}, got {gpio!r}")
        backend = "fake"

    heartbeat_s = _number(raw, "heartbeat_s", 60.0, 5, 3600, problems)
    batch_size = int(_number(raw, "batch_size", MAX_BATCH_EVENTS, 1, MAX_BATCH_EVENTS, problems))
    grace = _number(raw, "not_ready_grace_s", 300.0, 0, 86400, problems)
    poll_ms = int(_number(raw, "safety_poll_ms", 10, 1, 1000, problems))
    if problems:
        raise ConfigError(problems, source)
    device_id, centre, server_url, token = identity
    return AgentConfig(device_id=device_id, centre=centre, server_url=server_url, token=token, data_dir=data_dir,
                       outbox_path=outbox_path, uplink=uplink, sensors=sensors, safety_inputs=safety,
                       gpio_backend=str(backend), fake=fake, seed=seed, timezone=str(timezone), occupancy=occupancy,
                       heartbeat_s=heartbeat_s, batch_size=batch_size, not_ready_grace_s=grace,
                       safety_poll_ms=poll_ms, simulate_doors=simulate_doors, hygiene_inputs=hygiene,
                       uv_lamps=lamps)


def _identity(raw: Mapping[str, Any], base: Path, data_dir: Path, problems: list[str]) -> tuple[str, str, str, str]:
    try:
        enrolment = AgentEnrolment.load(data_dir)
    except ValueError as exc:
        problems.append(f"data_dir: {exc}")
        enrolment = None
    token = raw.get("token")
    if token is None and "token_file" in raw:
        try:
            token = (base / str(raw["token_file"])).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"token_file: cannot read it: {exc}")
            token = ""
    values = {
        "device_id": raw.get("device_id", enrolment.device_id if enrolment else None),
        "centre": raw.get("centre", enrolment.centre_code if enrolment else None),
        "server_url": raw.get("server_url", enrolment.server_url if enrolment else None),
        "token": token if token is not None else (enrolment.token if enrolment else None),
    }
    for key, value in values.items():
        if value is None:
            problems.append(f"{key}: missing (set it here, or run `tuoyu-agent enroll` to fill {data_dir})")
        elif not isinstance(value, str):
            problems.append(f"{key}: {value!r} must be text")
    for key in ("device_id", "centre"):
        if isinstance(values[key], str) and not re.fullmatch(DEVICE_ID_PATTERN, values[key]):
            problems.append(f"{key}: {values[key]!r} must match {DEVICE_ID_PATTERN} (it names MQTT topics)")
    url = values["server_url"]
    if isinstance(url, str) and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        problems.append(f"server_url: {url!r} must be an http(s) URL")
    tok = values["token"]
    if isinstance(tok, str) and (not tok or not tok.isascii() or any(c.isspace() for c in tok)):
        problems.append("token: must be non-empty printable ASCII without spaces")
    return tuple(str(v) if isinstance(v, str) else "" for v in values.values())  # type: ignore[return-value]


def _uplink(raw: Any, base: Path, problems: list[str]) -> UplinkConfig:
    if not isinstance(raw, dict):
        problems.append("uplink: must be a table")
        return UplinkConfig()
    problems.extend(f"uplink.{key}: unknown key" for key in sorted(set(raw) - UPLINK_KEYS))
    kind = raw.get("kind", "http")
    if kind not in ("http", "mqtt"):
        problems.append(f"uplink.kind: {kind!r} must be \"http\" or \"mqtt\"")
    port = raw.get("port", 1883)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        problems.append(f"uplink.port: {port!r} must be a TCP port")
        port = 1883
    tls = raw.get("tls", False)
    if not isinstance(tls, bool):
        problems.append(f"uplink.tls: {tls!r} must be true or false")
        tls = False
    ca_file = base / str(raw["ca_file"]) if "ca_file" in raw else None
    return UplinkConfig(kind=str(kind), host=str(raw.get("host", "127.0.0.1")), port=port, tls=tls, ca_file=ca_file,
                        ack_timeout_s=_number(raw, "ack_timeout_s", 15.0, 0.1, 300, problems, "uplink."),
                        timeout_s=_number(raw, "timeout_s", 15.0, 0.1, 300, problems, "uplink."))


def _entries(raw: Any, name: str, problems: list[str]) -> list[Mapping[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        problems.append(f"{name}: must be a list of tables ([[{name}]])")
        return []
    return raw


def _sensors(raw: Any, problems: list[str]) -> tuple[SensorSpec, ...]:
    specs: list[SensorSpec] = []
    for index, entry in enumerate(_entries(raw, "sensors", problems)):
        spec, found = SensorSpec.from_config(entry, f"sensors[{index}]")
        problems.extend(found)
        if spec is not None:
            if any(other.id == spec.id for other in specs):
                problems.append(f"sensors[{index}].id: {spec.id!r} is used twice")
            specs.append(spec)
    return tuple(specs)


def _safety(raw: Any, problems: list[str]) -> tuple[SafetyInput, ...]:
    inputs: list[SafetyInput] = []
    for index, entry in enumerate(_entries(raw, "safety_inputs", problems)):
        where = f"safety_inputs[{index}]"
        name, location, label = entry.get("name"), entry.get("location"), entry.get("label")
        if not isinstance(name, str) or not re.fullmatch(SENSOR_ID_PATTERN, name):
            problems.append(f"{where}.name: {name!r} must match {SENSOR_ID_PATTERN}")
        if not isinstance(location, str) or not re.fullmatch(LOCATION_PATTERN, location):
            problems.append(f"{where}.location: {location!r} must be room:<id> or a key like front-hall")
        if label is not None and (not isinstance(label, str) or len(label) > 60):
            problems.append(f"{where}.label: must be text of at most 60 characters")
        try:
            if entry.get("kind") not in {kind.value for kind in SAFETY_KINDS}:
                raise ValueError(f"kind {entry.get('kind')!r} must be one of door, smoke, panic")
            spec = SafetyInputSpec.from_config({k: v for k, v in entry.items() if k not in SAFETY_EXTRA_KEYS})
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        if any(other.spec.name == spec.name or other.spec.pin == spec.pin for other in inputs):
            problems.append(f"{where}: name or pin used twice")
        if isinstance(location, str) and (label is None or isinstance(label, str)):
            inputs.append(SafetyInput(spec, location, label))
    return tuple(inputs)


def _occupancy(raw: Any, timezone: str, problems: list[str]) -> dict[str, DaySchedule]:
    schedules: dict[str, DaySchedule] = {}
    for index, entry in enumerate(_entries(raw, "occupancy", problems)):
        where = f"occupancy[{index}]"
        problems.extend(f"{where}.{key}: unknown key" for key in sorted(set(entry) - OCCUPANCY_KEYS))
        location, children = entry.get("location"), entry.get("children")
        if not isinstance(location, str) or not re.fullmatch(LOCATION_PATTERN, location):
            problems.append(f"{where}.location: {location!r} must be room:<id>")
            continue
        if isinstance(children, bool) or not isinstance(children, int) or not 0 <= children <= 200:
            problems.append(f"{where}.children: {children!r} must be a whole number within 0..200")
            continue
        arrive = _clock_time(entry.get("arrive", "08:00"), f"{where}.arrive", problems)
        leave = _clock_time(entry.get("leave", "17:30"), f"{where}.leave", problems)
        schedules[location] = DaySchedule(children, arrive, leave, timezone)
    return schedules


def _room_id(value: Any, where: str, problems: list[str]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 9_999_999_999:
        problems.append(f"{where}: {value!r} must be the server's room id (a whole number ≥ 1)")
        return None
    return value


def _hygiene_inputs(raw: Any, problems: list[str]) -> tuple[HygieneInput, ...]:
    """``[[hygiene_inputs]]``: window contacts and motion sensors (room_id), cabinet contacts (location)."""
    inputs: list[HygieneInput] = []
    for index, entry in enumerate(_entries(raw, "hygiene_inputs", problems)):
        where = f"hygiene_inputs[{index}]"
        unknown = sorted(set(entry) - HYGIENE_INPUT_KEYS)
        problems.extend(f"{where}.{key}: unknown key" for key in unknown)
        name, kind = entry.get("name"), entry.get("kind")
        if not isinstance(name, str) or not re.fullmatch(SENSOR_ID_PATTERN, name):
            problems.append(f"{where}.name: {name!r} must match {SENSOR_ID_PATTERN}")
            continue
        if kind not in {k.value for k in HYGIENE_KINDS}:
            problems.append(f"{where}.kind: {kind!r} must be one of window, cabinet, motion")
            continue
        room_id = location = None
        if kind == InputKind.CABINET:
            location = entry.get("location", "kitchen")
            if not isinstance(location, str) or not re.fullmatch(LOCATION_PATTERN, location):
                problems.append(f"{where}.location: {location!r} must be \"kitchen\" or room:<id>")
                continue
        else:
            room_id = _room_id(entry.get("room_id"), f"{where}.room_id", problems)
            if room_id is None:
                continue
        try:
            spec = SafetyInputSpec.from_config({k: v for k, v in entry.items() if k not in ("room_id", "location")})
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        inputs.append(HygieneInput(spec, room_id, location))
    return tuple(inputs)


def _uv_lamps(raw: Any, hygiene: tuple[HygieneInput, ...], problems: list[str]) -> tuple[UvLampConfig, ...]:
    """``[[uv_lamps]]``: a room's UV relay and the motion input that guards it."""
    lamps: list[UvLampConfig] = []
    motion = {entry.spec.name: entry.room_id for entry in hygiene if entry.spec.kind is InputKind.MOTION}
    for index, entry in enumerate(_entries(raw, "uv_lamps", problems)):
        where = f"uv_lamps[{index}]"
        problems.extend(f"{where}.{key}: unknown key" for key in sorted(set(entry) - UV_LAMP_KEYS))
        name, pin = entry.get("name"), entry.get("pin")
        if not isinstance(name, str) or not re.fullmatch(SENSOR_ID_PATTERN, name):
            problems.append(f"{where}.name: {name!r} must match {SENSOR_ID_PATTERN}")
            continue
        room_id = _room_id(entry.get("room_id"), f"{where}.room_id", problems)
        if isinstance(pin, bool) or not isinstance(pin, int) or not 0 <= pin <= 27:
            problems.append(f"{where}.pin: {pin!r} must be a BCM pin 0..27")
            continue
        active_high = entry.get("active_high", True)
        if not isinstance(active_high, bool):
            problems.append(f"{where}.active_high: must be true or false")
            continue
        motion_input = entry.get("motion_input")
        if motion_input is not None and motion_input not in motion:
            problems.append(f"{where}.motion_input: {motion_input!r} is not a motion input in hygiene_inputs")
            continue
        if motion_input is not None and room_id is not None and motion[motion_input] != room_id:
            problems.append(f"{where}.motion_input: {motion_input!r} watches room {motion[motion_input]}, "
                            f"not room {room_id}")
            continue
        poll_s = _number(entry, "poll_s", 5.0, 1, 30, problems, f"{where}.")
        if room_id is None:
            continue
        if any(other.name == name or other.room_id == room_id for other in lamps):
            problems.append(f"{where}: a lamp name or room is used twice")
            continue
        lamps.append(UvLampConfig(name=name, room_id=room_id, pin=pin, active_high=active_high,
                                  motion_input=motion_input, poll_s=poll_s))
    return tuple(lamps)
