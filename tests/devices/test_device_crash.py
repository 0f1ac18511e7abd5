"""SIGKILL the delivering process at seeded random points; the server must end with every event exactly once."""

from __future__ import annotations

import os
import random
import signal
import threading
from collections import Counter
from pathlib import Path

import pytest
from zygote import Zygote

from devices.fake_event_server import DEVICE, FakeEventServer
from devices.outbox import Outbox
from hardware.clock import FakeClock

TOTAL_EVENTS = 400
KILL_ROUNDS = 64
MODES = ("delay", "received", "stored")
"""Where a round kills the worker: after a random delay (any instruction: put, claim, settle,
recover...), on the k-th request before the server stores it, or on the k-th request after
the server stored it but before the answer reached the device (the ack is lost)."""


def put_lines(progress: Path) -> dict[int, str]:
    """Events whose put() returned in some worker (complete lines only)."""
    done = {}
    for line in progress.read_text().splitlines(keepends=True):
        if line.endswith("\n"):
            _, sequence, key = line.split()
            done[int(sequence)] = key
    return done


@pytest.mark.slow
def test_sigkill_at_random_points_loses_nothing_and_doubles_nothing(
        tmp_path: Path, server: FakeEventServer) -> None:
    rng = random.Random(20260901)
    outbox_path = tmp_path / "outbox.sqlite3"
    progress = tmp_path / "progress.txt"
    stderr_path = tmp_path / "child-stderr.txt"
    killed = threading.Event()
    arm: dict[str, object] = {}

    def hook(number: int, phase: str) -> bool:
        if arm.get("phase") == phase and arm.get("request") == number:
            zygote.reap()
            killed.set()
            return True  # the worker is dead; drop this request here (after storing, if phase is "stored")
        return False

    server.hook = hook
    modes: Counter[str] = Counter()
    with stderr_path.open("w") as stderr:
        zygote = Zygote("crash_child.py", [str(outbox_path), server.base_url, str(TOTAL_EVENTS), str(progress)], stderr)
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
                    server.done.wait(rng.uniform(0.0, 0.05))
                else:
                    while not (killed.is_set() or server.done.wait(0.002)):
                        pass
                finished = server.done.is_set()
                arm.clear()
                status = zygote.reap()
                if not finished:
                    assert os.WIFSIGNALED(status), f"worker failed: see {stderr_path.read_text()}"
                    modes[mode] += 1
            # At the end, let one worker run to completion.
            server.done.clear()
            zygote.run(rng.randrange(2**32))
            assert server.done.wait(30), f"the last worker did not finish: {stderr_path.read_text()}"
            status = zygote.reap()
        finally:
            zygote.close()
    # It said "done"; it may have been reaped by SIGKILL a moment before it could exit by itself.
    assert (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0) or os.WTERMSIG(status) == signal.SIGKILL

    assert sum(modes.values()) >= 50, modes
    assert all(modes[mode] >= 10 for mode in MODES), modes
    created = put_lines(progress)
    # Exactly the created events, each once: no event lost, none stored twice (not even under a new key).
    assert server.payload_values("n") == list(range(1, TOTAL_EVENTS + 1))
    assert len(server.stored) == TOTAL_EVENTS
    # Every event a kiosk showed as saved reached the server under the key it was given.
    assert set(created.values()) <= server.stored_keys()
    # The lost-ack kills really happened: some events arrived more than once and were answered duplicate.
    assert max(server.deliveries.values()) >= 2
    with Outbox(outbox_path, FakeClock(), DEVICE) as outbox:
        assert (outbox.pending_count(), outbox.dead_count()) == (0, 0)
        assert outbox.integrity_check() == "ok"
