"""The kiosk's configuration file (TOML): every key validated, unknown keys refused, all problems at once.

A minimal file names the server and the hardware; everything else has a default::

    server_url = "http://192.168.1.10:5000"
    data_dir = "/var/lib/tuoyu-kiosk"
    label = "前门 / Front door"

    [camera]
    kind = "picamera2"          # replay | opencv | picamera2, then that backend's options
    size = [1280, 720]

    [gpio]
    backend = "pi"              # fake | pi
    pins = {relay = 23, relay_active_high = false}
    timings = {door_release_ms = 3000}

Relative paths (``data_dir``, replay ``images`` / ``video``) are relative to the file's folder.
See docs/kiosk.md for every key.
"""

from __future__ import annotations

import ipaddress
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hardware.gpio import KioskPins, SignalTimings

CAMERA_OPTIONS: dict[str, frozenset[str]] = {
    "replay": frozenset({"images", "video", "fps", "size", "loop", "seed"}),
    "opencv": frozenset({"device", "size", "fps", "api"}),
    "picamera2": frozenset({"camera_num", "size"}),
}
"""Options each camera backend takes (docs/hardware.md); anything else is a typo and is refused."""
GPIO_BACKENDS = frozenset({"fake", "pi"})
TOKEN_FILE = "token"
ENROLMENT_FILE = "enrolment.json"
ROSTER_DIR = "roster"
PHOTO_DIR = "photos"


class ConfigError(ValueError):
    """A configuration file that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        where = f"{source}: " if source else ""
        super().__init__(f"{where}配置错误 / invalid configuration:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class CameraConfig:
    """Which camera backend and its options (passed on to ``hardware.camera.open_camera``)."""

    kind: str = "replay"
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        """Frames per second the loop runs at (the backend's, else 30)."""
        return float(self.options.get("fps") or 30.0)


@dataclass(frozen=True)
class GpioConfig:
    """GPIO backend, BCM pins and signal timings (the door release time is ``timings.door_release_ms``)."""

    backend: str = "fake"
    pins: KioskPins = field(default_factory=KioskPins)
    timings: SignalTimings = field(default_factory=SignalTimings)


@dataclass(frozen=True)
class ScanConfig:
    """How the loop treats scans and how long screens stay up."""

    repeat_window_s: float = 5.0
    """The same code (or the same person) is ignored while in view and for this long after."""
    accepted_display_s: float = 6.0
    notice_display_s: float = 12.0
    """A staff check-in that shows the person's own credential notice (issue #14) stays up this long."""
    refused_display_s: float = 8.0
    confirm_timeout_s: float = 20.0
    """The children screen waits this long for a tap, then cancels without recording anything."""
    staff_alert_s: float = 120.0
    """How long the staff alert of a refused pick-up stays on screen."""
    demo_hold_s: float = 2.0
    """How long a QR shown through the demo hook stays in front of the (replay) camera."""
    check_out_confirm_s: float = 300.0
    """A check-out this soon after the child's check-in asks "要办理离园吗？ / Check out?" instead of acting."""
    health_screen_s: float = 90.0
    """The quick health screen waits this long per child (a thermometer takes a while), then records the
    check-in without the questions left (the parent confirmed who came; the 保健员 checks them anyway)."""


@dataclass(frozen=True)
class RosterConfig:
    """Roster sync and staleness."""

    max_age_hours: float = 24.0
    sync_interval_s: float = 300.0
    retry_interval_s: float = 60.0
    on_demand_interval_s: float = 30.0
    """A code newer than the roster fetches the roster at once, but at most once in this many seconds."""

    @property
    def max_age(self) -> timedelta:
        """Roster age after which the screen warns staff."""
        return timedelta(hours=self.max_age_hours)


@dataclass(frozen=True)
class UiConfig:
    """Where the local touch UI listens (loopback only: Chromium on the Pi is its one client)."""

    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class UplinkConfig:
    """Event delivery settings (see docs/outbox-uplink.md)."""

    batch_size: int = 100
    timeout_s: float = 15.0
    backoff_cap_s: float = 300.0


@dataclass(frozen=True)
class KioskConfig:
    """The whole configuration of one kiosk."""

    server_url: str
    data_dir: Path
    label: str = "签到终端 / Check-in kiosk"
    timezone: str = "Asia/Shanghai"
    """The centre's zone until the first roster names it (the roster's zone wins)."""
    camera: CameraConfig = field(default_factory=CameraConfig)
    gpio: GpioConfig = field(default_factory=GpioConfig)
    scan: ScanConfig = field(default_factory=ScanConfig)
    roster: RosterConfig = field(default_factory=RosterConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    uplink: UplinkConfig = field(default_factory=UplinkConfig)

    # -- files in the data directory (PIPL: owner-only; see docs/kiosk.md) --

    @property
    def outbox_path(self) -> Path:
        """The durable event outbox (SQLite)."""
        return self.data_dir / "outbox.sqlite3"

    @property
    def roster_dir(self) -> Path:
        """Where ``RosterCache`` keeps ``roster.signed``."""
        return self.data_dir / ROSTER_DIR

    @property
    def photo_dir(self) -> Path:
        """The local photo cache the sync fills."""
        return self.data_dir / PHOTO_DIR

    @property
    def presence_path(self) -> Path:
        """Today's presence as this kiosk knows it."""
        return self.data_dir / "presence.json"


def load_config(path: str | Path) -> KioskConfig:
    """Read and validate a TOML config file; raises :class:`ConfigError` listing every problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"cannot read the file: {exc.strerror or exc}"], str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"not valid TOML: {exc}"], str(path)) from None
    return config_from_mapping(raw, base_dir=path.resolve().parent, source=str(path))


def config_from_mapping(raw: Mapping[str, Any], *, base_dir: Path | None = None, source: str = "") -> KioskConfig:
    """Validate a parsed mapping (a TOML document, or a dict built by a test or the demo)."""
    reader = _Reader(base_dir or Path.cwd())
    config = reader.kiosk(raw)
    if reader.problems or config is None:
        raise ConfigError(reader.problems, source)
    return config


class _Reader:
    """Collects every problem, then the caller raises once."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.problems: list[str] = []

    def _table(self, raw: Mapping[str, Any], name: str, known: set[str] | frozenset[str]) -> Mapping[str, Any]:
        value = raw.get(name, {})
        if not isinstance(value, Mapping):
            self.problems.append(f"[{name}] must be a table")
            return {}
        self._unknown(value, known, f"[{name}]")
        return value

    def _unknown(self, table: Mapping[str, Any], known: set[str] | frozenset[str], where: str) -> None:
        unknown = sorted(set(table) - set(known))
        if unknown:
            self.problems.append(f"unknown key(s) in {where}: {', '.join(unknown)} (known: {', '.join(sorted(known))})")

    def _number(self, table: Mapping[str, Any], name: str, where: str, default: float, *, minimum: float = 0.0,
                integer: bool = False, maximum: float = math.inf) -> Any:
        value = table.get(name, default)
        ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type or not (minimum <= value <= maximum) or value != value:
            kind = "an integer" if integer else "a number"
            bound = f" between {minimum:g} and {maximum:g}" if maximum != math.inf else f" >= {minimum:g}"
            self.problems.append(f"{where}.{name} must be {kind}{bound}, got {value!r}")
            return default
        return value

    def _string(self, table: Mapping[str, Any], name: str, where: str, default: str | None) -> str | None:
        value = table.get(name, default)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{where}{name} must be a non-empty string, got {value!r}")
            return default
        return value

    def kiosk(self, raw: Mapping[str, Any]) -> KioskConfig | None:
        top_keys = {"server_url", "data_dir", "label", "timezone", "camera", "gpio", "scan", "roster", "ui", "uplink"}
        self._unknown(raw, top_keys, "the top level")
        server_url = self._string(raw, "server_url", "", None)
        if server_url is None:
            self.problems.append("server_url is required (e.g. \"http://192.168.1.10:5000\")")
        else:
            parts = urlsplit(server_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
                self.problems.append(f"server_url must be an http(s) URL without query, got {server_url!r}")
            server_url = server_url.rstrip("/")
        data_dir_text = self._string(raw, "data_dir", "", None)
        if data_dir_text is None:
            self.problems.append("data_dir is required (e.g. \"/var/lib/tuoyu-kiosk\")")
        label = self._string(raw, "label", "", KioskConfig.label) or KioskConfig.label
        if len(label) > 64:
            self.problems.append("label must be at most 64 characters")
        timezone = self._string(raw, "timezone", "", KioskConfig.timezone) or KioskConfig.timezone
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.problems.append(f"timezone {timezone!r} is not an IANA time zone")
        camera = self.camera(raw)
        gpio = self.gpio(raw)
        scan = self.scan(raw)
        roster = self.roster(raw)
        ui = self.ui(raw)
        uplink = self.uplink(raw)
        if self.problems or server_url is None or data_dir_text is None:
            return None
        return KioskConfig(server_url=server_url, data_dir=self._path(data_dir_text), label=label, timezone=timezone,
                           camera=camera, gpio=gpio, scan=scan, roster=roster, ui=ui, uplink=uplink)

    def _path(self, text: str) -> Path:
        path = Path(text).expanduser()
        return path if path.is_absolute() else (self.base_dir / path)

    def camera(self, raw: Mapping[str, Any]) -> CameraConfig:
        table = raw.get("camera", {})
        if not isinstance(table, Mapping):
            self.problems.append("[camera] must be a table")
            return CameraConfig()
        kind = table.get("kind", "replay")
        if kind not in CAMERA_OPTIONS:
            self.problems.append(f"[camera].kind must be one of {', '.join(CAMERA_OPTIONS)}, got {kind!r}")
            return CameraConfig()
        self._unknown(table, CAMERA_OPTIONS[kind] | {"kind"}, f"[camera] (kind {kind!r})")
        options = {name: value for name, value in table.items() if name != "kind" and name in CAMERA_OPTIONS[kind]}
        if "size" in options:
            size = options["size"]
            if (not isinstance(size, list | tuple) or len(size) != 2
                    or not all(isinstance(v, int) and not isinstance(v, bool) and 16 <= v <= 8192 for v in size)):
                self.problems.append(f"[camera].size must be [width, height] in pixels, got {size!r}")
            else:
                options["size"] = (int(size[0]), int(size[1]))
        if "fps" in options:
            self._number(options, "fps", "[camera]", 30.0, minimum=0.1, maximum=240)
        for name in ("images",):
            if name in options:
                images = options[name]
                if not isinstance(images, list) or not all(isinstance(p, str) for p in images):
                    self.problems.append("[camera].images must be a list of file paths")
                else:
                    options[name] = [str(self._path(p)) for p in images]
        if "video" in options:
            if not isinstance(options["video"], str):
                self.problems.append("[camera].video must be a file path")
            else:
                options["video"] = str(self._path(options["video"]))
        return CameraConfig(kind, options)

    def gpio(self, raw: Mapping[str, Any]) -> GpioConfig:
        table = self._table(raw, "gpio", {"backend", "pins", "timings"})
        backend = table.get("backend", "fake")
        if backend not in GPIO_BACKENDS:
            self.problems.append(f"[gpio].backend must be one of {', '.join(sorted(GPIO_BACKENDS))}, got {backend!r}")
            backend = "fake"
        pins, timings = KioskPins(), SignalTimings()
        for name in ("pins", "timings"):
            if not isinstance(table.get(name, {}), Mapping):
                self.problems.append(f"[gpio.{name}] must be a table")
        try:
            pins = KioskPins.from_config(table.get("pins", {}) if isinstance(table.get("pins", {}), Mapping) else {})
        except (TypeError, ValueError) as exc:
            self.problems.append(f"[gpio.pins]: {exc}")
        try:
            raw_timings = table.get("timings", {})
            timings = SignalTimings.from_config(raw_timings if isinstance(raw_timings, Mapping) else {})
        except (TypeError, ValueError) as exc:
            self.problems.append(f"[gpio.timings]: {exc}")
        for name in ("green_led", "red_led", "buzzer", "relay"):
            value = getattr(pins, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 27:
                self.problems.append(f"[gpio.pins].{name} must be a BCM pin number 0..27, got {value!r}")
        used = [getattr(pins, n) for n in ("green_led", "red_led", "buzzer", "relay")]
        if len(set(used)) != len(used):
            self.problems.append(f"[gpio.pins] uses a pin twice: {used}")
        if not isinstance(pins.relay_active_high, bool):
            self.problems.append("[gpio.pins].relay_active_high must be true or false")
        for name in ("accept_led_ms", "accept_beep_ms", "refuse_led_ms", "door_release_ms", "door_release_max_ms"):
            value = getattr(timings, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                self.problems.append(f"[gpio.timings].{name} must be a positive integer (ms), got {value!r}")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in timings.refuse_beeps_ms):
            self.problems.append("[gpio.timings].refuse_beeps_ms must be a list of positive integers (ms)")
        if (isinstance(timings.door_release_ms, int) and isinstance(timings.door_release_max_ms, int)
                and timings.door_release_ms > timings.door_release_max_ms):
            self.problems.append(f"[gpio.timings].door_release_ms ({timings.door_release_ms}) exceeds "
                                 f"door_release_max_ms ({timings.door_release_max_ms}): a door left released lets "
                                 "a child out")
        return GpioConfig(backend, pins, timings)

    def scan(self, raw: Mapping[str, Any]) -> ScanConfig:
        names = ("repeat_window_s", "accepted_display_s", "notice_display_s", "refused_display_s",
                 "confirm_timeout_s", "staff_alert_s", "demo_hold_s", "check_out_confirm_s", "health_screen_s")
        table = self._table(raw, "scan", set(names))
        defaults = ScanConfig()
        values = {n: float(self._number(table, n, "[scan]", getattr(defaults, n), minimum=0.1, maximum=3600))
                  for n in names}
        return ScanConfig(**values)

    def roster(self, raw: Mapping[str, Any]) -> RosterConfig:
        names = ("max_age_hours", "sync_interval_s", "retry_interval_s", "on_demand_interval_s")
        table = self._table(raw, "roster", set(names))
        defaults = RosterConfig()
        values = {n: float(self._number(table, n, "[roster]", getattr(defaults, n), minimum=0.01, maximum=24 * 365))
                  for n in names}
        return RosterConfig(**values)

    def ui(self, raw: Mapping[str, Any]) -> UiConfig:
        table = self._table(raw, "ui", {"host", "port"})
        host = self._string(table, "host", "[ui].", UiConfig.host) or UiConfig.host
        try:
            if not ipaddress.ip_address(host).is_loopback:
                self.problems.append(f"[ui].host must be a loopback address (the UI has no log-in), got {host!r}")
        except ValueError:
            if host != "localhost":
                self.problems.append(f"[ui].host must be a loopback IP address, got {host!r}")
        port = int(self._number(table, "port", "[ui]", UiConfig.port, minimum=0, maximum=65535, integer=True))
        return UiConfig(host, port)

    def uplink(self, raw: Mapping[str, Any]) -> UplinkConfig:
        table = self._table(raw, "uplink", {"batch_size", "timeout_s", "backoff_cap_s"})
        defaults = UplinkConfig()
        return UplinkConfig(
            batch_size=int(self._number(table, "batch_size", "[uplink]", defaults.batch_size, minimum=1, maximum=500,
                                        integer=True)),
            timeout_s=float(self._number(table, "timeout_s", "[uplink]", defaults.timeout_s, minimum=0.1,
                                         maximum=600)),
            backoff_cap_s=float(self._number(table, "backoff_cap_s", "[uplink]", defaults.backoff_cap_s, minimum=1,
                                             maximum=86400)),
        )

