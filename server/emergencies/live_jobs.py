"""How the floors below open an emergency without importing this package: composed by the app factory.

A smoke or panic event opens one in the device event's own transaction (the safety handler, then this); any other
alert of severity `emergency` (the environment's) is taken in by a minute job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from devices.wire.protocol import Event
from server.emergencies.live import absorb_open_alerts
from server.fleet.models import Device
from server.scheduling.operations import ScheduledJob

DeviceHandler = Callable[[Device, Event, datetime], None]


def then_open_emergency(handler: DeviceHandler) -> DeviceHandler:
    """The safety handler, followed by opening (or joining) the centre's emergency for the alarm it raised."""

    def handle(device: Device, event: Event, now: datetime) -> None:
        handler(device, event, now)
        absorb_open_alerts(device.centre_id, now=now)

    handle.__doc__ = handler.__doc__
    return handle


def absorb_all(now: datetime) -> None:
    """Every centre's emergency alerts not yet in an emergency (environment emergencies, missed alarms)."""
    absorb_open_alerts(None, now=now)


EMERGENCY_ABSORB = ScheduledJob("emergencies.absorb_alerts", run=absorb_all, cron={"minute": "*"},
                                slot_format="%Y-%m-%dT%H:%M")
