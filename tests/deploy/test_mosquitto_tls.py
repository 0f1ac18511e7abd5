"""deploy/mosquitto/tuoyu.conf as shipped: devices reach the server's ingest account through its TLS listener.

The broker is a Mosquitto of the test's own on two free loopback ports, started from the real file with only its
paths and ports rewritten, the password and ACL files written by the same code as `tuoyu mqtt passwd-file` /
`acl-file`, and a certificate from a CA the test creates.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from server.fleet.mqtt_auth import (
    DeviceAccount,
    ServerAccount,
    acl_file_text,
    device_topics,
    hash_password,
    password_file_text,
)
from tests.deploy.certs import TestCA
from tests.deploy.processes import free_port, listens, require, stop, wait_until

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "deploy" / "mosquitto" / "tuoyu.conf"
DEVICE, DEVICE_TOKEN, CENTRE = "kiosk-door", "device-token-1234", "demo"
INGEST, INGEST_PASSWORD = "tuoyu-ingest", "ingest-secret-5678"
WITHIN_S = 10


@dataclass
class Broker:
    plain_port: int  # the loopback listener of `tuoyu mqtt-ingest`
    tls_port: int  # the devices' listener
    ca: Path


def _config(folder: Path, plain_port: int, tls_port: int, cert: Path, key: Path) -> str:
    """The shipped file with our paths and ports; fails if a line it rewrites is no longer there."""
    text = CONF.read_text()
    rewrites = {
        "pid_file /run/mosquitto/mosquitto.pid": f"pid_file {folder / 'mosquitto.pid'}",
        "log_dest file /var/log/mosquitto/mosquitto.log": f"log_dest file {folder / 'mosquitto.log'}",
        "password_file /etc/mosquitto/tuoyu/passwd": f"password_file {folder / 'passwd'}",
        "acl_file /etc/mosquitto/tuoyu/acl": f"acl_file {folder / 'acl'}",
        "persistence_location /var/lib/mosquitto/": f"persistence_location {folder}/",
        "listener 1883 127.0.0.1": f"listener {plain_port} 127.0.0.1",
        "listener 8883\n": f"listener {tls_port} 127.0.0.1\n",
        "certfile /etc/mosquitto/certs/server.crt": f"certfile {cert}",
        "keyfile /etc/mosquitto/certs/server.key": f"keyfile {key}",
    }
    for shipped, ours in rewrites.items():
        assert shipped in text, f"deploy/mosquitto/tuoyu.conf no longer has {shipped!r}"
        text = text.replace(shipped, ours)
    # As root, mosquitto would switch to its own user, who cannot read pytest's private tmp dir.
    return text + ("user root\n" if os.geteuid() == 0 else "")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    mosquitto = require("mosquitto", "mosquitto") if not os.access("/usr/sbin/mosquitto", os.X_OK) \
        else "/usr/sbin/mosquitto"
    ca = TestCA(tmp_path / "pki")
    site = ca.issue("broker", ["localhost", "127.0.0.1"])
    folder = tmp_path / "broker"
    folder.mkdir()
    device = DeviceAccount(DEVICE, CENTRE, hash_password(DEVICE_TOKEN))
    server = ServerAccount(INGEST, hash_password(INGEST_PASSWORD))
    (folder / "passwd").write_text(password_file_text([device], server))
    (folder / "acl").write_text(acl_file_text([device], INGEST))
    plain_port, tls_port = free_port(), free_port()
    config = folder / "mosquitto.conf"
    config.write_text(_config(folder, plain_port, tls_port, site.cert, site.key))
    process = subprocess.Popen([mosquitto, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: listens(plain_port) and listens(tls_port), process, "mosquitto", folder / "mosquitto.log")
        yield Broker(plain_port, tls_port, ca.cert)
    finally:
        stop(process)


class Client:
    """A paho client that runs its loop in the calling thread, with a deadline on everything it waits for."""

    def __init__(self, client_id: str, user: str, password: str, tls: ssl.SSLContext | None = None) -> None:
        self.paho = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
        self.paho.username_pw_set(user, password)
        if tls is not None:
            self.paho.tls_set_context(tls)
        self.connack: mqtt.ReasonCode | None = None
        self.closed = False
        self.subscribed = False
        self.published: set[int] = set()
        self.messages: list[tuple[str, bytes]] = []
        self.paho.on_connect = lambda c, u, flags, reason, props: setattr(self, "connack", reason)
        self.paho.on_disconnect = lambda c, u, flags, reason, props: setattr(self, "closed", True)
        self.paho.on_subscribe = lambda c, u, mid, reasons, props: setattr(self, "subscribed", True)
        self.paho.on_publish = lambda c, u, mid, reason, props: self.published.add(mid)
        self.paho.on_message = lambda c, u, message: self.messages.append((message.topic, message.payload))

    def connect(self, port: int) -> None:
        self.paho.connect("127.0.0.1", port, keepalive=30)
        self.until(lambda: self.connack is not None or self.closed)

    def until(self, condition) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + WITHIN_S
        while not condition() and time.monotonic() < deadline:
            if self.paho.loop(timeout=0.05) not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_AGAIN):
                self.closed = True
        assert condition(), "timed out"

    def close(self) -> None:
        if self.connack is not None and not self.closed:
            self.paho.disconnect()


def _trusting(ca: Path) -> ssl.SSLContext:
    # What a device and the ingest subscriber build (server/fleet/mqtt_ingest.py): the default context, the CA file.
    return ssl.create_default_context(cafile=str(ca))


def test_a_device_publishes_over_tls_and_the_ingest_account_receives_it_on_loopback(broker):
    events_topic, _ = device_topics(CENTRE, DEVICE)
    ingest = Client("ingest", INGEST, INGEST_PASSWORD)
    device = Client(DEVICE, DEVICE, DEVICE_TOKEN, tls=_trusting(broker.ca))
    try:
        ingest.connect(broker.plain_port)
        ingest.paho.subscribe(events_topic, qos=1)
        ingest.until(lambda: ingest.subscribed)
        device.connect(broker.tls_port)
        mid = device.paho.publish(events_topic, b'{"batch": 1}', qos=1).mid
        device.until(lambda: mid in device.published)
        ingest.until(lambda: ingest.messages)
        assert (str(device.connack), ingest.messages) == ("Success", [(events_topic, b'{"batch": 1}')])
    finally:
        device.close()
        ingest.close()


def test_the_tls_listener_refuses_a_wrong_password(broker):
    device = Client(DEVICE, DEVICE, "not-the-token", tls=_trusting(broker.ca))
    device.connect(broker.tls_port)
    assert str(device.connack) == "Not authorized"


def test_a_client_that_does_not_trust_the_brokers_ca_does_not_connect(broker, tmp_path):
    # The handshake a device's client makes (paho wraps its socket the same way), with another CA's root.
    stranger = _trusting(TestCA(tmp_path / "other-ca", name="another CA").cert)
    with socket.create_connection(("127.0.0.1", broker.tls_port), timeout=WITHIN_S) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            stranger.wrap_socket(raw, server_hostname="127.0.0.1")


def test_the_device_listener_speaks_only_tls(broker):
    plain = Client(DEVICE, DEVICE, DEVICE_TOKEN)
    plain.connect(broker.tls_port)
    assert (plain.connack, plain.closed) == (None, True)
