"""A Mosquitto of the test's own, configured as in production: no anonymous access, password and ACL files.

It runs on a free port in the test's temporary folder, with persistence on unless a test
asks otherwise, so a test can SIGKILL or SIGTERM it (by its pid) and start it again on the
same state (or, without persistence, on an empty one). Used by the server's MQTT ingest tests
(tests/server/fleet) and the device uplink tests (tests/devices).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.reasoncodes import ReasonCode

MOSQUITTO = "/usr/sbin/mosquitto"
IN_CI = os.environ.get("CI") == "true"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def require_mosquitto(*tools: str) -> None:
    """Skip (or fail under CI=true) when the broker binary, or one of ``tools`` beside it, is missing."""
    missing = not (os.access(MOSQUITTO, os.X_OK) or shutil.which("mosquitto"))
    if missing or any(shutil.which(tool) is None for tool in tools):
        if IN_CI:
            pytest.fail("mosquitto is required under CI=true")
        pytest.skip("mosquitto is not installed")


class AuthBroker:
    """``mosquitto -c <folder>/mosquitto.conf`` with ``allow_anonymous false``, a password file and an ACL file.

    ``acl=False`` leaves the ACL out (every user may use every topic); ``persistence=False`` makes a
    restarted broker forget what it held.
    """

    def __init__(self, folder: Path, *, acl: bool = True, persistence: bool = True) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.port = free_port()
        self.passwd = folder / "passwd"
        self.acl = folder / "acl"
        self.log = folder / "mosquitto.log"
        # As root, mosquitto would switch to its own user, who cannot read pytest's private tmp dir.
        run_as = "user root\n" if os.geteuid() == 0 else ""
        self.config = folder / "mosquitto.conf"
        self.config.write_text(
            "per_listener_settings false\n"
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous false\n"
            f"password_file {self.passwd}\n"
            + (f"acl_file {self.acl}\n" if acl else "")
            + (f"persistence true\npersistence_location {folder}/\n" if persistence else "persistence false\n")
            + "max_queued_messages 10000\n"
            "max_packet_size 5300000\n"
            f"log_dest file {self.log}\n"
            "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
            f"{run_as}"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def write_passwords(self, users: dict[str, str]) -> None:
        """The password file from ``mosquitto_passwd``, for tests that play the server without its CLI."""
        for number, (user, password) in enumerate(users.items()):
            create = ["-c"] if number == 0 else []
            subprocess.run(["mosquitto_passwd", "-b", *create, str(self.passwd), user, password], check=True,
                           capture_output=True)

    def start(self) -> None:
        """Start and wait (bounded) until the port answers."""
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        waiter = threading.Event()
        for _ in range(500):
            if listens(self.port) or self.process.poll() is not None:
                break
            waiter.wait(0.01)
        if not listens(self.port):
            log = self.log.read_text() if self.log.exists() else ""
            self.stop()
            pytest.fail(f"the test broker did not start: {log[-500:]}")

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def send(self, signum: int) -> None:
        """Send a signal to this broker (by its pid, never by name)."""
        assert self.process is not None
        self.process.send_signal(signum)

    def kill(self, signum: int = signal.SIGKILL) -> None:
        """End the broker with ``signum`` and wait for it to be gone."""
        if self.process is not None:
            self.process.send_signal(signum)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


def connect_client(port: int, username: str, password: str, *, client_id: str | None = None,
                   clean_session: bool = True) -> tuple[mqtt.Client, ReasonCode]:
    """A plain paho client with its network thread running; returns it with its CONNACK reason."""
    connected = threading.Event()
    answer: list[ReasonCode] = []

    def on_connect(client, userdata, flags, reason_code, properties):  # type: ignore[no-untyped-def]
        answer.append(reason_code)
        connected.set()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"t-{uuid.uuid4().hex[:8]}",
                         clean_session=clean_session, protocol=mqtt.MQTTv311, reconnect_on_failure=False)
    client.username_pw_set(username, password)
    client.on_connect = on_connect
    client.connect("127.0.0.1", port)
    client.loop_start()
    assert connected.wait(5), "no CONNACK"
    return client, answer[0]


def close_client(client: mqtt.Client) -> None:
    client.disconnect()
    client.loop_stop()
