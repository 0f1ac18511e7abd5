"""Audited write throughput: `POST /api/v1/centres/demo/children` under gunicorn (2 workers, SQLite),
side by side with a bare Flask + SQLAlchemy insert endpoint (bench/bare_app.py) on the same machine.

Run: .venv/bin/python bench/api.py [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import LoadResult, run_load  # noqa: E402

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workers: int = 2) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
        env=env, cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def child_body(i: int) -> dict:
    return {"name": f"压测儿童{i}", "sex": "female" if i % 2 else "male", "born_on": "2025-03-01",
            "enrolled_on": "2026-08-01", "service_type": "full_day"}


def _tuoyu(env: dict[str, str], *args: str) -> str:
    return subprocess.run([str(BIN / "tuoyu"), *args], env=env, check=True, capture_output=True, text=True).stdout


def bench_audited(tmp: Path, total: int, concurrency: int) -> LoadResult:
    env = {**os.environ, "TUOYU_INSTANCE_PATH": str(tmp / "instance"), "TUOYU_DATABASE_URL": "",
           "TUOYU_SECRET_KEY": "bench"}
    _tuoyu(env, "db", "upgrade")
    _tuoyu(env, "seed-demo")
    token = _tuoyu(env, "token", "create", "director").strip()
    with gunicorn("server:create_app()", env) as base:
        url = base + "/api/v1/centres/demo/children"
        headers = {"Authorization": f"Bearer {token}"}
        run_load(url, child_body, total=100, concurrency=concurrency, headers=headers)  # warm-up
        result = run_load(url, child_body, total=total, concurrency=concurrency, headers=headers)
    verify = subprocess.run([str(BIN / "tuoyu"), "audit", "verify", "--centre", "demo"], env=env,
                            capture_output=True, text=True)
    print(f"audit chain after the run: {verify.stdout.strip()}")
    return result


def bench_bare(tmp: Path, total: int, concurrency: int) -> LoadResult:
    env = {**os.environ, "BARE_DATABASE_URL": f"sqlite:///{tmp / 'bare.sqlite3'}", "PYTHONPATH": str(REPO / "bench")}
    with gunicorn("bare_app:create_app()", env) as base:
        run_load(base + "/children", child_body, total=100, concurrency=concurrency)
        return run_load(base + "/children", child_body, total=total, concurrency=concurrency)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        audited = bench_audited(Path(tmp), args.requests, args.concurrency)
        bare = bench_bare(Path(tmp), args.requests, args.concurrency)
    print(f"\nPOST, gunicorn -w 2, SQLite, {args.requests} requests, {args.concurrency} concurrent clients")
    print(f"{'endpoint':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, r in (("audited create child (/api/v1)", audited), ("bare insert (reference)", bare)):
        print(f"{name:<34}{r.rps:>9.0f}{r.p50:>9.1f}{r.percentile(0.99):>9.1f}{r.errors:>8}")
    print(f"audited / bare throughput: {audited.rps / bare.rps:.0%} (target ≥ 50%)")


if __name__ == "__main__":
    main()
