"""Fixtures for the hardware drivers: a fake clock and a fresh gpiozero MockFactory per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hardware.clock import FakeClock
from hardware.gpio import open_pin_factory


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def pin_factory() -> Iterator[Any]:
    # One factory per test and never Device.pin_factory: no pin reservations leak between tests.
    factory = open_pin_factory("fake")
    yield factory
    factory.reset()
    factory.close()
