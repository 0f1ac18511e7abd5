"""systemd's watchdog: sd_notify datagrams on a real unix socket, and an agent that pings only from its UV loop."""

from __future__ import annotations

import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.agent.build import build_agent
from devices.agent.config import load_config
from devices.agent.uv import UvStateUnavailable
from devices.agent.watchdog import Watchdog, sd_notify
from devices.wire.hygiene import UvRequest, UvRoomState
from hardware.clock import SystemClock


@pytest.fixture
def notify_socket() -> Iterator[tuple[str, socket.socket]]:
    """A datagram socket like systemd's (a short path: unix socket paths are limited to 108 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="sdn", dir="/tmp"))
    path = str(folder / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    try:
        yield path, sock
    finally:
        sock.close()
        Path(path).unlink(missing_ok=True)
        folder.rmdir()


def receive(sock: socket.socket, timeout_s: float) -> str | None:
    sock.settimeout(timeout_s)
    try:
        return sock.recv(4096).decode()
    except TimeoutError:
        return None


def drain(sock: socket.socket) -> list[str]:
    got = []
    while (message := receive(sock, 0.01)) is not None:
        got.append(message)
    return got


def test_ready_ping_and_stopping_arrive_as_datagrams(notify_socket: tuple[str, socket.socket]) -> None:
    path, sock = notify_socket
    watchdog = Watchdog({"NOTIFY_SOCKET": path})

    assert watchdog.ready("2 sensors") and watchdog.ping() and watchdog.stopping()

    assert [receive(sock, 2), receive(sock, 2), receive(sock, 2)] == ["READY=1\nSTATUS=2 sensors", "WATCHDOG=1",
                                                                     "STOPPING=1"]


def test_an_abstract_socket_address_is_understood() -> None:
    name = f"tuoyu-test-{threading.get_ident()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)

        assert sd_notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})

        assert receive(sock, 2) == "WATCHDOG=1"


def test_without_notify_socket_nothing_is_sent() -> None:
    watchdog = Watchdog({})

    assert not watchdog.enabled
    assert watchdog.ready() is False and watchdog.ping() is False


def test_a_vanished_socket_is_reported_not_raised(tmp_path: Path) -> None:
    assert sd_notify("WATCHDOG=1", {"NOTIFY_SOCKET": str(tmp_path / "gone")}) is False


def test_pings_are_sent_at_most_once_a_second(notify_socket: tuple[str, socket.socket]) -> None:
    path, sock = notify_socket
    now = [100.0]
    watchdog = Watchdog({"NOTIFY_SOCKET": path}, monotonic=lambda: now[0])

    sent = []
    for step in range(30):  # a 30 fps scan loop for one second, then one more frame
        now[0] = 100.0 + step / 30
        sent.append(watchdog.ping())
    now[0] = 101.0
    sent.append(watchdog.ping())

    assert sent.count(True) == 2 and sent[0] and sent[-1]
    assert drain(sock) == ["WATCHDOG=1", "WATCHDOG=1"]


def test_watchdog_interval_comes_from_systemd_for_this_process_only() -> None:
    assert Watchdog({"WATCHDOG_USEC": "30000000"}).interval_s == 30.0
    assert Watchdog({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}).interval_s is None
    assert Watchdog({}).interval_s is None


class BlockingSource:
    """The room's state, always free and asking for a session; ``block`` makes the next fetch hang."""

    def __init__(self) -> None:
        self.block = threading.Event()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.clock = SystemClock()

    def fetch(self, room_id: int) -> UvRoomState:
        if self.block.is_set():
            self.entered.set()
            if not self.release.wait(30):
                raise UvStateUnavailable("test never released the fetch")
        now = self.clock.now()
        return UvRoomState(room_id=room_id, children_present=0, as_of=now,
                           request=UvRequest(id=7, minutes=60, requested_at=now))


def wait_for(condition, timeout_s: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    done = threading.Event()
    for _ in range(int(timeout_s / 0.02)):
        if condition():
            return True
        done.wait(0.02)
    return condition()


def test_a_hung_uv_interlock_stops_the_pings_and_a_stop_switches_the_lamp_off(
        tmp_path: Path, notify_socket: tuple[str, socket.socket], monkeypatch: pytest.MonkeyPatch) -> None:
    path, sock = notify_socket
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    config_file = tmp_path / "agent.toml"
    config_file.write_text('''
device_id = "agent-wd"
centre = "demo"
server_url = "http://127.0.0.1:9"
token = "t"
data_dir = "state"
fake = true
seed = 1

[[uv_lamps]]
name = "uv-room1"
room_id = 1
pin = 24
poll_s = 1
''', encoding="utf-8")
    source = BlockingSource()
    agent = build_agent(load_config(config_file), clock=SystemClock(), uv_source=source)
    relay = agent.uv_lamps[0].relay
    stop = threading.Event()
    runner = threading.Thread(target=agent.run_forever, args=(stop,), daemon=True)
    runner.start()
    try:
        assert receive(sock, 10) == "READY=1\nSTATUS=0 sensors, 1 UV lamps"
        assert receive(sock, 5) == "WATCHDOG=1"
        assert wait_for(lambda: relay.is_on), "the lamp never came on for the request"

        source.block.set()  # the interlock hangs in its next poll (as in a wedged network call)
        assert source.entered.wait(5)
        drain(sock)  # a ping sent before it hung
        silent = receive(sock, 2.5)  # the UV loop would ping every second; nothing else may
        source.release.set()
        resumed = receive(sock, 5)
    finally:
        source.release.set()
        stop.set()
        runner.join(30)
        agent.close()

    assert silent is None
    assert resumed == "WATCHDOG=1"
    assert "STOPPING=1" in drain(sock)
    assert relay.history[-1][1] is False  # SIGTERM's path (stop, then close) leaves the lamp off
