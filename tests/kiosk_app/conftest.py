"""Fixtures for the kiosk process tests: the fake server on 127.0.0.1 and a kiosk on fakes stepped by the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kiosk_app_factories import Rig, make_rig, make_server

from kiosk.fake_server import FakeKioskServer


@pytest.fixture
def server() -> Iterator[FakeKioskServer]:
    fake = make_server()
    fake.up()
    yield fake
    fake.down()


@pytest.fixture
def rig(tmp_path: Path, server: FakeKioskServer) -> Iterator[Rig]:
    built = make_rig(tmp_path / "kiosk", server)
    yield built
    built.close()
