"""The kiosk's events: attendance payloads, and an outbox whose events carry the *scan* time.

``devices.outbox.Outbox.put`` stamps ``created_at`` with its clock's ``now()``. A check-in confirmed
on the touch screen 15 s after the scan must still say when the card was shown, so the outbox here
is opened with a :class:`ScanTimeClock`: the real clock, except that inside ``at(scan_time)`` the
thread writing the event reads the scan time. Other threads (the deliverer claiming rows) are not
affected.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from devices.outbox import Outbox
from devices.wire.health_screen import QuickScreen, check_in_screens
from devices.wire.protocol import Event, EventKind
from hardware.clock import Clock
from kiosk.verify import KioskEvent, Method


class ScanTimeClock:
    """A clock that reads a pinned time in the thread that pinned it, and the real time elsewhere."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._local = threading.local()

    def now(self) -> datetime:
        """The pinned time in this thread, else the real one."""
        pinned: datetime | None = getattr(self._local, "at", None)
        return pinned if pinned is not None else self.clock.now()

    def monotonic(self) -> float:
        """Never pinned: durations stay real."""
        return self.clock.monotonic()

    @contextmanager
    def at(self, when: datetime) -> Iterator[None]:
        """Make ``now()`` return ``when`` in this thread for the duration of the block."""
        previous = getattr(self._local, "at", None)
        self._local.at = when
        try:
            yield
        finally:
            self._local.at = previous


class EventWriter:
    """The kiosk's durable outbox; every event is committed before any LED says it happened."""

    def __init__(self, path: str | Path, clock: Clock, device_id: str) -> None:
        self.clock = ScanTimeClock(clock)
        self.outbox = Outbox(path, self.clock, device_id)

    def put(self, event: KioskEvent, *, at: datetime, priority: bool | None = None) -> Event:
        """Store ``event`` with ``created_at = at`` (the scan time); returns after the commit."""
        with self.clock.at(at):
            return self.outbox.put(event.kind, event.payload, priority=priority)

    def pending_count(self) -> int:
        """Events not yet delivered."""
        return self.outbox.pending_count()

    def close(self) -> None:
        """Close the outbox file."""
        self.outbox.close()


def attendance_event(kind: EventKind, *, person_id: str, children: Iterable[int], method: Method,
                     credential_id: int | None, screens: Sequence[QuickScreen] = ()) -> KioskEvent:
    """``attendance.check_in`` / ``check_out`` with the contract's payload (staff: no children).

    ``screens``: the quick health screens of the children checked in (``devices.wire.health_screen``),
    validated here as the server will: a bad one never reaches the outbox.
    """
    if kind not in (EventKind.ATTENDANCE_CHECK_IN, EventKind.ATTENDANCE_CHECK_OUT):
        raise ValueError(f"{kind} is not an attendance action")
    payload: dict[str, Any] = {"person_id": person_id, "children": sorted(children), "method": method.value,
                               "credential_id": credential_id}
    if screens:
        if kind is not EventKind.ATTENDANCE_CHECK_IN:
            raise ValueError("only a check-in carries health screens")
        payload["screens"] = [s.as_json() for s in sorted(screens, key=lambda s: s.child_id)]
        check_in_screens(payload)  # raises ScreenError
    return KioskEvent(kind.value, payload)
