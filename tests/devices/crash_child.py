"""Child side of the SIGKILL test: a pre-imported "zygote" that forks one delivering worker at a time.

Run as ``python crash_child.py OUTBOX BASE_URL TOTAL PROGRESS_FILE``. Commands on stdin:

* ``run SEED`` forks a worker and answers ``pid N``. The worker opens the outbox,
  recovers, then interleaves ``put()`` (until TOTAL events were ever created) with
  ``Deliverer.step()`` until the outbox is empty, tells the server ``GET /test/done``
  and exits 0. After each ``put()`` returns it appends ``put SEQ KEY`` to PROGRESS_FILE:
  those are the events a kiosk would have shown green.
* ``reap`` SIGKILLs the worker if it is still running, waits for it and answers
  ``exit STATUS`` (the raw ``waitpid`` status).

Forking from an already-imported, single-threaded process makes each restart cost
milliseconds instead of the ~0.3 s of a fresh interpreter, so the test can afford
dozens of kills. Nothing (no SQLite connection, no socket) is opened before the fork.
"""

from __future__ import annotations

import os
import random
import sys

import httpx
from zygote import serve

from devices.delivery import Deliverer, Outcome
from devices.outbox import Outbox
from devices.uplink import HttpUplink
from hardware.clock import FakeClock

DEVICE = "kiosk-01"
TOKEN = "token-kiosk-01"


def work(outbox_path: str, base_url: str, total: int, progress_path: str, seed: int, ssl: object) -> None:
    """One life of a delivering process; may be SIGKILLed at any instruction."""
    rng = random.Random(seed)
    clock = FakeClock()  # back-offs are jumped over, never slept through
    progress = os.open(progress_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    outbox = Outbox(outbox_path, clock, DEVICE)
    outbox.recover()
    with httpx.Client(timeout=10.0, verify=ssl) as client:  # type: ignore[arg-type]
        deliverer = Deliverer(outbox, HttpUplink(base_url, TOKEN, client=client), clock, rng,
                              batch_size=rng.randint(1, 8))
        while True:
            for _ in range(rng.randint(0, 3)):
                n = outbox.last_sequence() + 1
                if n > total:
                    break
                kind = "safety.door" if n % 10 == 0 else "reading"
                event = outbox.put(kind, {"n": n})
                os.write(progress, f"put {event.sequence} {event.key}\n".encode())
            outcome = deliverer.step()
            if outcome in (Outcome.BACKING_OFF, Outcome.RETRY):
                clock.advance(seconds=deliverer.seconds_until_next_attempt() + 0.001)
            elif outcome is Outcome.IDLE and outbox.last_sequence() >= total and outbox.pending_count() == 0:
                break
            elif outcome is Outcome.UNAUTHORISED:
                raise RuntimeError("the fake server refused the device token")
        client.get(base_url + "/test/done")
    outbox.close()


def main() -> None:
    """Serve ``run`` / ``reap`` commands until stdin closes."""
    outbox_path, base_url, total, progress_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    ssl = httpx.create_ssl_context()  # built once here; building it costs more than the fork
    serve(lambda seed: work(outbox_path, base_url, total, progress_path, seed, ssl))


if __name__ == "__main__":
    main()
