"""Injected time: every owner of I/O takes a Clock so tests advance time instead of sleeping."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What a driver, agent or kiosk needs to know about time."""

    def now(self) -> datetime:
        """Aware UTC wall-clock time."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin; never goes backwards."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass
class FakeClock:
    """A clock that only moves when a test says so."""

    current: datetime = field(default_factory=lambda: datetime(2026, 9, 1, 0, 0, tzinfo=UTC))
    mono: float = 1000.0

    def __post_init__(self) -> None:
        if self.current.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.mono

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move both clocks forward: ``clock.advance(minutes=10)``."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("time does not go backwards")
        self.current += step
        self.mono += step.total_seconds()
        return self.current
