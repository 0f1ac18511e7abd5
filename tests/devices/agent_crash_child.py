"""Child side of the agent SIGKILL test: a pre-imported zygote that forks one agent life at a time.

Run as ``python agent_crash_child.py CONFIG BASE_URL MINUTES PROGRESS CLOCK``. On ``run SEED`` it forks
a worker and answers ``pid N``; ``reap`` SIGKILLs the worker if it still runs and answers ``exit STATUS``.

A worker builds the agent from CONFIG (fake sensors, FakeClock), then steps it once per simulated
minute until MINUTES of readings exist, then delivers until the outbox is empty and calls
``GET /test/done``. Before each step it writes the step's time to CLOCK, and a new life resumes one
minute after it, so no reading is ever made twice for the same minute. After each step it appends
``put KEY`` lines for the events the step made (those a person could have been told about).
"""

from __future__ import annotations

import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from zygote import serve

from devices.agent.build import build_agent
from devices.agent.config import load_config
from devices.delivery import Outcome
from hardware.clock import FakeClock

START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)


def work(config_path: str, base_url: str, minutes: int, progress_path: str, clock_path: str, seed: int) -> None:
    """One life of the agent; may be SIGKILLed at any instruction."""
    rng = random.Random(seed)
    clock_file = Path(clock_path)
    start = START
    if clock_file.exists():
        start = datetime.fromisoformat(clock_file.read_text().strip()) + timedelta(minutes=1)
    clock = FakeClock(start)
    end = START + timedelta(minutes=minutes)
    agent = build_agent(load_config(config_path), clock=clock, sleep=lambda s: clock.advance(seconds=s))
    agent.outbox.recover()
    progress = os.open(progress_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    while clock.now() < end:
        # Atomically: a kill in the middle of a plain write would leave an empty file and restart time.
        clock_file.with_suffix(".tmp").write_text(clock.now().isoformat())
        os.replace(clock_file.with_suffix(".tmp"), clock_file)
        report = agent.step()
        made = report.readings + ([report.heartbeat] if report.heartbeat else [])
        os.write(progress, "".join(f"put {key}\n" for key in made).encode())
        clock.advance(minutes=1)
        if rng.random() < 0.3:
            clock.advance(seconds=agent.deliverer.seconds_until_next_attempt())
    while True:
        outcomes = agent.deliver()
        if agent.outbox.pending_count() == 0:
            break
        if outcomes and outcomes[-1] in (Outcome.BACKING_OFF, Outcome.RETRY):
            clock.advance(seconds=agent.deliverer.seconds_until_next_attempt() + 0.001)
    agent.close()
    httpx.get(base_url + "/test/done", timeout=10)


def main() -> None:
    """Serve ``run`` / ``reap`` commands until stdin closes."""
    config_path, base_url, minutes, progress, clock_path = sys.argv[1:6]
    serve(lambda seed: work(config_path, base_url, int(minutes), progress, clock_path, seed))


if __name__ == "__main__":
    main()
