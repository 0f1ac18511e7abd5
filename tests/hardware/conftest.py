"""Fixtures for the hardware drivers: a fake clock and a fresh gpiozero MockFactory per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from hardware.clock import FakeClock
from hardware.gpio import open_pin_factory


@pytest.fixture
def clock_start() -> datetime:
    """Device-side tests start at FakeClock's own default (2026-09-01 00:00 UTC), not at the server's T0."""
    return FakeClock().current


@pytest.fixture
def pin_factory() -> Iterator[Any]:
    # One factory per test and never Device.pin_factory: no pin reservations leak between tests.
    factory = open_pin_factory("fake")
    yield factory
    factory.reset()
    factory.close()
