"""A bounded HTTP load generator for the benchmarks: N requests over C concurrent clients, on loopback."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)


def run_load(url: str, make_body: Callable[[int], dict], *, total: int, concurrency: int,
             headers: dict[str, str] | None = None, expect: int = 201) -> LoadResult:
    """POST `total` bodies to `url` from `concurrency` threads; latency per request, errors counted."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    lock = threading.Lock()

    def worker() -> None:
        nonlocal errors
        with httpx.Client(headers=headers, timeout=30) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                body = make_body(i)
                start = time.perf_counter()
                try:
                    ok = client.post(url, json=body).status_code == expect
                except httpx.HTTPError:
                    ok = False  # a timeout or reset counts as an error, and the worker goes on
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return LoadResult(total, errors, time.perf_counter() - start, latencies)
