"""Start a server process of the test's own and wait (bounded) until it answers; stop it by its pid."""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.mqtt_broker import IN_CI, free_port, listens

__all__ = ["free_port", "listens", "require", "stop", "wait_until"]


def require(tool: str, package: str) -> str:
    """The path of `tool`; skips without it (fails under CI=true: the Makefile installs `package`)."""
    path = shutil.which(tool)
    if path is None:
        if IN_CI:
            pytest.fail(f"{tool} is required under CI=true (Debian package {package})")
        pytest.skip(f"{tool} is not installed (Debian package {package})")
    return path


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, what: str, log: Path,
               within_s: float = 60) -> None:
    """Poll `ready` until it holds; fail with the end of `log` if the process ends or the time runs out."""
    deadline = time.monotonic() + within_s
    pause = threading.Event()
    while time.monotonic() < deadline:
        if ready():
            return
        if process.poll() is not None:
            break
        pause.wait(0.05)
    text = log.read_text(errors="replace") if log.exists() else ""
    pytest.fail(f"{what} did not start (exit {process.poll()}):\n{text[-3000:]}")


def stop(process: subprocess.Popen, signum: int = signal.SIGTERM, within_s: float = 20) -> None:
    """End `process` (ours, by its pid) with `signum`, then SIGKILL if it outlives `within_s`."""
    if process.poll() is None:
        process.send_signal(signum)
        try:
            process.wait(within_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
