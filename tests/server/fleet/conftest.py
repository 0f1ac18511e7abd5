"""Fixtures of the fleet tests: a centre with one enrolled kiosk and one enrolled sensor agent."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from server.database import db
from server.fleet.models import Device, DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from tests.factories import SYSTEM, make_centre


@dataclass
class Enrolled:
    """A device as a test sees it: its row id, its device id and its bearer token."""

    pk: int
    device_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def row(self) -> Device:
        device = db.session.get(Device, self.pk)
        assert device is not None
        return device


@pytest.fixture
def devices(app, clock) -> dict[DeviceKind, Enrolled]:  # type: ignore[no-untyped-def]
    """One kiosk and one agent at centre alpha, committed so requests see them."""
    now = clock.now()
    centre = make_centre("alpha", now)
    enrolled = {}
    for kind in DeviceKind:
        code, _ = create_enrolment_code(centre, kind=kind, name=f"{kind} 1", actor=SYSTEM, now=now)
        device, token = enroll_device(code, kind=kind, name=None, version="1.0", now=now)
        enrolled[kind] = Enrolled(device.id, device.device_id, token)
    db.session.commit()
    return enrolled
