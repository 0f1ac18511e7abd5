"""Fixtures of the MQTT ingest tests: two centres with enrolled kiosks, a private broker, the subscriber."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.database import db
from server.fleet.models import Device, DeviceKind
from server.fleet.mqtt_ingest import MqttIngest, MqttSettings
from server.fleet.operations import create_enrolment_code, enroll_device
from tests.factories import SYSTEM, make_centre
from tests.server.mqtt.broker import AuthBroker, require_mosquitto

INGEST_USER, INGEST_PASSWORD = "tuoyu-ingest", "ingest-secret-for-tests"


@dataclass
class Enrolled:
    """A device as the test sees it: its registry row id, its token and its centre's code."""

    pk: int
    device_id: str
    token: str
    centre_code: str


def enrol(centre, name: str, now) -> Enrolled:  # type: ignore[no-untyped-def]
    code, _ = create_enrolment_code(centre, kind=DeviceKind.KIOSK, name=name, actor=SYSTEM, now=now)
    device, token = enroll_device(code, kind=DeviceKind.KIOSK, name=None, version="1.0", now=now)
    return Enrolled(device.id, device.device_id, token, centre.code)


@pytest.fixture
def fleet(app, clock) -> dict[str, Enrolled]:  # type: ignore[no-untyped-def]
    """Kiosks ``a`` and ``b`` at centre alpha, ``c`` at centre beta; committed so other threads see them."""
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    devices = {"a": enrol(alpha, "大门", now), "b": enrol(alpha, "侧门", now), "c": enrol(beta, "大门", now)}
    db.session.commit()
    return devices


def device_row(enrolled: Enrolled) -> Device:
    device = db.session.get(Device, enrolled.pk)
    assert device is not None
    return device


@pytest.fixture
def broker(app, fleet, tmp_path: Path) -> Iterator[AuthBroker]:  # type: ignore[no-untyped-def]
    """A private Mosquitto whose password and ACL files come from ``tuoyu mqtt passwd-file`` / ``acl-file``."""
    require_mosquitto()
    app.config.update(MQTT_USERNAME=INGEST_USER, MQTT_PASSWORD=INGEST_PASSWORD)
    server = AuthBroker(tmp_path / "broker")
    write_security_files(app, server)
    server.start()
    yield server
    server.stop()


def write_security_files(app, broker: AuthBroker) -> None:  # type: ignore[no-untyped-def]
    """Regenerate both files through the CLI, exactly as an operator does."""
    from server.cli import main

    db.session.commit()  # SQLite: the CLI's own session needs the write lock this one may hold
    runner = app.test_cli_runner()
    for command, path in (("passwd-file", broker.passwd), ("acl-file", broker.acl)):
        result = runner.invoke(main, ["mqtt", command, str(path)])
        assert result.exit_code == 0, result.output
    db.session.commit()  # the CLI ran in this app context: end its read transaction too


def ingest_settings(broker: AuthBroker) -> MqttSettings:
    # A client id of its own per test: the broker is new each time, but the name says whose session it is.
    return MqttSettings(host="127.0.0.1", port=broker.port, username=INGEST_USER, password=INGEST_PASSWORD,
                        client_id=f"tuoyu-ingest-{uuid.uuid4().hex[:6]}", reconnect_min_s=0.05,
                        reconnect_max_s=0.5)


@pytest.fixture
def ingest(app, broker: AuthBroker) -> Iterator[MqttIngest]:  # type: ignore[no-untyped-def]
    subscriber = MqttIngest(app, ingest_settings(broker))
    subscriber.start()
    assert subscriber.wait_subscribed(10)
    yield subscriber
    subscriber.stop()
