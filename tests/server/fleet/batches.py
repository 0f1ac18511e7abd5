"""Device batches for the MQTT tests: kiosk refusals, which the attendance domain stores one row each."""

from __future__ import annotations

from datetime import datetime

from devices.wire.protocol import Batch, Event, new_key


def refusal_events(device_id: str, count: int, at: datetime, *, first_sequence: int = 1) -> list[Event]:
    stream = new_key()
    return [Event(key=new_key(), device_id=device_id, stream=stream, sequence=first_sequence + n,
                  kind="attendance.refused", created_at=at, payload={"reason": "card_expired", "method": "card"})
            for n in range(count)]


def refusal_batch(device_id: str, count: int, at: datetime) -> Batch:
    return Batch(device_id=device_id, sent_at=at, events=refusal_events(device_id, count, at))
