"""SIGKILL the agent at seeded random points while it reads and delivers: the server ends with every event once."""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from pathlib import Path

import pytest
from zygote import Zygote

from devices.fake_event_server import DEVICE, TOKEN, FakeEventServer
from devices.outbox import Outbox
from devices.wire.protocol import EventKind
from hardware.clock import FakeClock

MINUTES = 120
KILL_ROUNDS = 36
MODES = ("delay", "received", "stored")


def write_config(folder: Path, outbox: Path, base_url: str) -> Path:
    path = folder / "agent.toml"
    path.write_text(f'''
device_id = "{DEVICE}"
centre = "demo"
server_url = "{base_url}"
token = "{TOKEN}"
data_dir = "{folder / 'state'}"
outbox = "{outbox}"
fake = true
seed = 5
batch_size = 7

[[occupancy]]
location = "room:1"
children = 10

[[sensors]]
id = "air-room1"
driver = "scd4x"
location = "room:1"

[[sensors]]
id = "fridge-milk"
driver = "ds18b20"
location = "fridge-milk"
path = "28-0316a2791bff"
''', encoding="utf-8")
    return path


@pytest.mark.slow
def test_agent_killed_at_random_points_delivers_exactly_the_events_it_made(
        tmp_path: Path, ram_outbox_path: Path, server: FakeEventServer) -> None:
    rng = random.Random(20260902)
    progress, clock_file, stderr_path = tmp_path / "progress.txt", tmp_path / "clock.txt", tmp_path / "stderr.txt"
    config = write_config(tmp_path, ram_outbox_path, server.base_url)
    killed = threading.Event()
    arm: dict[str, object] = {}

    def hook(number: int, phase: str) -> bool:
        if arm.get("phase") == phase and arm.get("request") == number:
            zygote.reap()
            killed.set()
            return True
        return False

    server.hook = hook
    modes: Counter[str] = Counter()
    with stderr_path.open("w") as stderr:
        zygote = Zygote("agent_crash_child.py", [str(config), server.base_url, str(MINUTES), str(progress), str(clock_file)], stderr)
        try:
            for _ in range(KILL_ROUNDS):
                mode = rng.choice(MODES)
                server.done.clear()
                killed.clear()
                arm.clear()
                if mode != "delay":
                    arm.update(phase=mode, request=server.requests + rng.randint(1, 3))
                zygote.run(rng.randrange(2**32))
                if mode == "delay":
                    server.done.wait(rng.uniform(0.0, 0.08))
                else:
                    while not (killed.is_set() or server.done.wait(0.002)):
                        pass
                finished = server.done.is_set()
                arm.clear()
                status = zygote.reap()
                if not finished:
                    assert os.WIFSIGNALED(status), f"agent failed: {stderr_path.read_text()}"
                    modes[mode] += 1
            server.done.clear()
            zygote.run(rng.randrange(2**32))
            assert server.done.wait(60), f"the last life did not finish: {stderr_path.read_text()}"
            zygote.reap()
        finally:
            zygote.close()

    assert all(modes[mode] >= 6 for mode in MODES), modes
    told = {line.split()[1] for line in progress.read_text().splitlines() if line.startswith("put ")}
    with Outbox(ram_outbox_path, FakeClock(), DEVICE) as outbox:
        made = outbox.last_sequence()
        assert (outbox.pending_count(), outbox.dead_count()) == (0, 0)
        assert outbox.integrity_check() == "ok"
    # Every event the outbox ever numbered is on the server, once; none was lost, none made twice.
    assert sorted(event.sequence for event in server.stored.values()) == list(range(1, made + 1))
    assert told <= server.stored_keys()
    readings = [e for e in server.stored.values() if e.kind is EventKind.READING]
    assert len({(e.payload["sensor"], e.created_at) for e in readings}) == len(readings)
    assert len([e for e in readings if e.payload["sensor"] == "fridge-milk"]) >= MINUTES - 5
    assert max(server.deliveries.values()) >= 2  # lost acks happened and were answered "duplicate"
