"""Under a real gunicorn with two workers: /metrics adds up both workers' counts (Prometheus multiprocess mode),
and the JSON log lines carry each request's id."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.server.monitoring.scrape import parse, total

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[3]
TOKEN = "scrape-secret-for-tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """gunicorn -w 2 on a free loopback port, its own control socket and metrics folder; stopped by its PID."""
    metrics_dir, log = tmp_path / "prometheus", tmp_path / "gunicorn.log"
    metrics_dir.mkdir()
    port = _free_port()
    env = {**os.environ, "TUOYU_DATABASE_URL": database_url, "TUOYU_INSTANCE_PATH": str(tmp_path / "instance"),
           "TUOYU_SECRET_KEY": "monitoring-test", "TUOYU_METRICS_TOKEN": TOKEN, "TUOYU_LOG_FORMAT": "json",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:server.gunicorn_conf", "-w", "2", "-b", f"127.0.0.1:{port}",
             "--control-socket", str(tmp_path / "gunicorn.ctl"), "--log-level", "warning", "server:create_app()"],
            env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        # Retried only until gunicorn listens; then one request waits for a worker to boot (about 3 s; the long
        # timeout is for a machine under heavy load, seen: 70 s at load 15), so no abandoned probe is answered later.
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/healthz", timeout=240)
                break
            except httpx.ConnectError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield base, metrics_dir, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _healthz_by_worker(metrics_dir: Path) -> dict[str, float]:
    """Each worker's own /healthz count, from its own counter file (what /metrics adds up)."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        samples = [s for metric in MultiProcessCollector.merge([str(path)]) for s in metric.samples]
        counts[path.stem.rsplit("_", 1)[1]] = sum(s.value for s in samples if s.name == "tuoyu_http_requests_total"
                                                  and s.labels.get("endpoint") == "healthz")
    return counts


def _scrape(client: httpx.Client) -> dict:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return parse(response.text)


def test_metrics_add_up_both_workers_and_logs_carry_the_request_id(served):
    base, metrics_dir, log = served
    with httpx.Client(base_url=base, timeout=60) as client, ThreadPoolExecutor(4) as pool:
        before, by_worker = _scrape(client), _healthz_by_worker(metrics_dir)
        # Concurrent rounds until both workers have answered some of them (the second may still be booting: a
        # generous ceiling for a loaded machine, about a second otherwise).
        sent, deadline = 0, time.monotonic() + 300
        while True:
            now_by_worker = _healthz_by_worker(metrics_dir)
            if len([pid for pid, n in now_by_worker.items() if n > by_worker.get(pid, 0)]) >= 2:
                break
            assert time.monotonic() < deadline, f"only one worker answered: {now_by_worker}"
            # A new connection each: a kept-alive one stays with the worker that accepted it (threaded workers).
            statuses = list(pool.map(lambda _: client.get("/healthz", headers={"Connection": "close"}).status_code,
                                     range(8)))
            assert statuses == [200] * 8
            sent += 8
            time.sleep(0.2)  # a poll's pause: requests back to back would starve a worker still importing the app
        tagged = client.get("/readyz", headers={"X-Request-ID": "probe-from-the-proxy-1"})
        refused = client.get("/metrics")
        after = _scrape(client)
    assert tagged.headers["X-Request-ID"] == "probe-from-the-proxy-1"
    assert refused.status_code == 401

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert moved("tuoyu_http_requests_total", endpoint="healthz") == sent
    assert moved("tuoyu_http_request_duration_seconds_count", endpoint="healthz") == sent
    assert moved("tuoyu_http_requests_total", endpoint="monitoring.readyz") == 1

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    probe = [line for line in lines if line["request_id"] == "probe-from-the-proxy-1"]
    assert [(line["logger"], line["path"], line["status"]) for line in probe] == [
        ("server.requests", "/readyz", tagged.status_code)]
