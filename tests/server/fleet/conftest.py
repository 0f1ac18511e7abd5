"""Fixtures of the fleet tests: enrolled kiosks and agents, a private Mosquitto, the MQTT subscriber."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.database import db
from server.fleet.models import DeviceKind
from server.fleet.mqtt_ingest import MqttIngest
from tests.factories import make_centre
from tests.mqtt_broker import AuthBroker, require_mosquitto
from tests.server.fleet.enrolment import (
    INGEST_PASSWORD,
    INGEST_USER,
    Enrolled,
    enrol,
    ingest_settings,
    write_security_files,
)


@pytest.fixture
def devices(app, clock) -> dict[DeviceKind, Enrolled]:  # type: ignore[no-untyped-def]
    """One kiosk and one agent at centre alpha, committed so requests see them."""
    now = clock.now()
    centre = make_centre("alpha", now)
    enrolled = {kind: enrol(centre, f"{kind} 1", now, kind) for kind in DeviceKind}
    db.session.commit()
    return enrolled


@pytest.fixture
def fleet(app, clock) -> dict[str, Enrolled]:  # type: ignore[no-untyped-def]
    """Kiosks ``a`` and ``b`` at centre alpha, ``c`` at centre beta; committed so other threads see them."""
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)
    devices = {"a": enrol(alpha, "大门", now), "b": enrol(alpha, "侧门", now), "c": enrol(beta, "大门", now)}
    db.session.commit()
    return devices


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


@pytest.fixture
def ingest(app, broker: AuthBroker) -> Iterator[MqttIngest]:  # type: ignore[no-untyped-def]
    subscriber = MqttIngest(app, ingest_settings(broker))
    subscriber.start()
    assert subscriber.wait_subscribed(10)
    yield subscriber
    subscriber.stop()
