"""Fixtures for the device tests: a fake clock, an outbox file, the fake event server and a deliverer."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from devices.delivery import Deliverer
from devices.fake_event_server import DEVICE, TOKEN, FakeEventServer
from devices.outbox import Outbox
from devices.uplink import HttpUplink
from hardware.clock import FakeClock


@pytest.fixture
def server() -> Iterator[FakeEventServer]:
    fake = FakeEventServer()
    fake.up()
    yield fake
    fake.down()


@pytest.fixture
def clock_start() -> datetime:
    """Device-side tests start at FakeClock's own default (2026-09-01 00:00 UTC), not at the server's T0."""
    return FakeClock().current


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.sqlite3"


@pytest.fixture
def ram_outbox_path(tmp_path: Path) -> Iterator[Path]:
    """An outbox file on tmpfs when there is one: for tests about timing and counting, not about disks.

    Every commit is fsynced (synchronous=FULL); on this box that is ~3 ms on ext4 and
    ~0.2 ms on tmpfs, which matters for tests that make thousands of commits.
    """
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path / "outbox.sqlite3"
        return
    folder = Path(tempfile.mkdtemp(prefix="tuoyu-outbox-", dir=shm))
    yield folder / "outbox.sqlite3"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def outbox(outbox_path: Path, clock: FakeClock) -> Iterator[Outbox]:
    box = Outbox(outbox_path, clock, DEVICE)
    yield box
    box.close()


@pytest.fixture
def http_client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=2.0) as client:
        yield client


@pytest.fixture
def uplink(server: FakeEventServer, http_client: httpx.Client) -> HttpUplink:
    return HttpUplink(server.base_url, TOKEN, client=http_client)


@pytest.fixture
def deliverer(outbox: Outbox, uplink: HttpUplink, clock: FakeClock) -> Deliverer:
    return Deliverer(outbox, uplink, clock, random.Random(1234), batch_size=20)
