"""The crash harness of the SIGKILL tests: a pre-imported "zygote" child that forks one worker life at a time.

Child side, ``serve(work)``: on ``run SEED`` it forks a worker that runs ``work(seed)`` and answers
``pid N``; on ``reap`` it SIGKILLs the worker if it still runs, waits for it and answers
``exit STATUS`` (the raw ``waitpid`` status); it stops when stdin closes. Parent side, ``Zygote``:
starts such a child script and drives it. Forking from an already-imported, single-threaded process
makes each restart cost milliseconds instead of the ~0.3 s of a fresh interpreter, so a test can
afford dozens of kills.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[2]


def serve(work: Callable[[int], None]) -> None:
    """Serve ``run`` / ``reap`` commands until stdin closes (the child script's ``main``)."""
    worker = 0
    for line in sys.stdin:
        command, *args = line.split()
        if command == "run":
            worker = os.fork()
            if worker == 0:
                status = 0
                try:
                    work(int(args[0]))
                except BaseException:
                    traceback.print_exc()
                    sys.stderr.flush()
                    status = 1
                os._exit(status)
            print(f"pid {worker}", flush=True)
        elif command == "reap":
            os.kill(worker, signal.SIGKILL)  # harmless if it already exited: it is a zombie until waited for
            _, status = os.waitpid(worker, 0)
            print(f"exit {status}", flush=True)


class Zygote:
    """Drives a child script that calls ``serve``: start a worker, kill it, learn how it ended."""

    def __init__(self, script: str, args: list[str], stderr: IO[str]) -> None:
        self._name = script
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        self._proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name(script)), *args],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                      cwd=REPO, env=env)
        self._lock = threading.Lock()
        self._status: int | None = 0  # no worker yet

    def _ask(self, command: str) -> str:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        answer = self._proc.stdout.readline()
        if not answer:
            raise AssertionError(f"{self._name} died (exit {self._proc.wait()})")
        return answer.split()[1]

    def run(self, seed: int) -> None:
        with self._lock:
            self._status = None
            self._ask(f"run {seed}")

    def reap(self) -> int:
        """SIGKILL the worker (if it still runs) and return its wait status; safe to call twice."""
        with self._lock:
            if self._status is None:
                self._status = int(self._ask("reap"))
            return self._status

    def close(self) -> None:
        """Kill any worker still running (a failed round), then end the zygote."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        if self._status is None and self._proc.poll() is None:
            self.reap()
        self._proc.stdin.close()
        self._proc.wait(10)
        self._proc.stdout.close()
