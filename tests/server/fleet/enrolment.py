"""Enrolled devices as the fleet tests see them, and the MQTT ingest's side of a private broker."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from server.centre.models import Centre
from server.database import db
from server.fleet.models import Device, DeviceKind
from server.fleet.mqtt_ingest import MqttSettings
from server.fleet.operations import create_enrolment_code, enroll_device
from tests.factories import SYSTEM
from tests.mqtt_broker import AuthBroker

INGEST_USER, INGEST_PASSWORD = "tuoyu-ingest", "ingest-secret-for-tests"


@dataclass
class Enrolled:
    """A device as a test sees it: its registry row id, its device id, its bearer token and its centre's code."""

    pk: int
    device_id: str
    token: str
    centre_code: str = "alpha"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def row(self) -> Device:
        device = db.session.get(Device, self.pk)
        assert device is not None
        return device


def enrol(centre: Centre, name: str, now: datetime, kind: DeviceKind = DeviceKind.KIOSK) -> Enrolled:
    """Enrol a device through the real enrolment code, as an installer does."""
    code, _ = create_enrolment_code(centre, kind=kind, name=name, actor=SYSTEM, now=now)
    device, token = enroll_device(code, kind=kind, name=None, version="1.0", now=now)
    return Enrolled(device.id, device.device_id, token, centre.code)


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
    """The subscriber's settings for this broker."""
    # A client id of its own per test: the broker is new each time, but the name says whose session it is.
    return MqttSettings(host="127.0.0.1", port=broker.port, username=INGEST_USER, password=INGEST_PASSWORD,
                        client_id=f"tuoyu-ingest-{uuid.uuid4().hex[:6]}", reconnect_min_s=0.05,
                        reconnect_max_s=0.5)
