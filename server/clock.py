"""The server's time source: injected through the app so operations get `now` as an argument."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from flask import current_app


class WallClock(Protocol):
    def now(self) -> datetime: ...


class SystemWallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def utcnow() -> datetime:
    """The current instant of the app's clock (a FakeClock in tests)."""
    clock: WallClock = current_app.extensions["tuoyu.clock"]
    return clock.now()
