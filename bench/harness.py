"""Shared pieces of the HTTP benchmarks: gunicorn on loopback, the `tuoyu` CLI, the bare reference."""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from figures import figure  # noqa: E402
from loadgen import LoadResult, run_load  # noqa: E402

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workers: int = 2, log: Path | None = None) -> Iterator[str]:
    """Serve `app_spec` with gunicorn on a free loopback port until the block ends (its stderr to `log` if given)."""
    port = free_port()
    # A control socket of its own: the default (~/.gunicorn/gunicorn.ctl) is shared by every gunicorn on the box.
    control = Path(tempfile.gettempdir()) / f"tuoyu-bench-gunicorn-{os.getpid()}-{port}.ctl"
    with (log.open("w") if log is not None else contextlib.nullcontext(None)) as sink:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:server.gunicorn_conf", "-w", str(workers), "-b",
             f"127.0.0.1:{port}", "--control-socket", str(control),
             *(["--log-level", "warning"] if log is None else []), app_spec],
            env=env, cwd=REPO, stderr=sink,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120  # a loaded machine boots a worker slowly
            while time.monotonic() < deadline:
                try:
                    httpx.get(base + "/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()  # graceful: streams still open are ended by gunicorn's graceful timeout (30 s)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def tuoyu(env: dict[str, str], *args: str) -> str:
    return subprocess.run([str(BIN / "tuoyu"), *args], env=env, check=True, capture_output=True, text=True).stdout


def demo_env(tmp: Path) -> dict[str, str]:
    """An instance with the demo centre migrated and seeded, on SQLite."""
    env = {**os.environ, "TUOYU_INSTANCE_PATH": str(tmp / "instance"), "TUOYU_DATABASE_URL": "",
           "TUOYU_SECRET_KEY": "bench"}
    tuoyu(env, "db", "upgrade")
    tuoyu(env, "seed-demo")
    return env


def child_body(i: int) -> dict:
    return {"name": f"压测儿童{i}", "sex": "female" if i % 2 else "male", "born_on": "2025-03-01",
            "enrolled_on": "2026-08-01", "service_type": "full_day"}


def bench_bare(tmp: Path, total: int, concurrency: int) -> LoadResult:
    """The reference: a bare Flask + SQLAlchemy insert endpoint under the same gunicorn."""
    env = {**os.environ, "BARE_DATABASE_URL": f"sqlite:///{tmp / 'bare.sqlite3'}", "PYTHONPATH": str(REPO / "bench")}
    with gunicorn("bare_app:create_app()", env) as base:
        run_load(base + "/children", child_body, total=100, concurrency=concurrency)
        return run_load(base + "/children", child_body, total=total, concurrency=concurrency)


def compare_with_bare(description: str, label: str, bench: Callable[[Path, int, int], LoadResult]) -> LoadResult:
    """Parse --requests/--concurrency, run `bench` then the bare reference, print both; returns `bench`'s result."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measured = bench(Path(tmp), args.requests, args.concurrency)
        bare = bench_bare(Path(tmp), args.requests, args.concurrency)
    print_table(f"POST, gunicorn -w 2, SQLite, {args.requests} requests, {args.concurrency} concurrent clients",
                [(label, measured), ("bare insert (reference)", bare)])
    print(f"{label} / bare throughput: {measured.rps / bare.rps:.0%} (target ≥ 50%); "
          f"p99 {measured.percentile(0.99):.1f} ms")
    figure("throughput", measured.rps, "req/s", reference=bare.rps)
    figure("throughput / bare", 100 * measured.rps / bare.rps, "%", at_least=50)
    figure("p99 latency", measured.percentile(0.99), "ms", at_most=50)
    figure("errors", measured.errors, at_most=0)
    return measured


def print_table(title: str, rows: list[tuple[str, LoadResult]]) -> None:
    print(f"\n{title}")
    print(f"{'endpoint':<40}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, r in rows:
        print(f"{name:<40}{r.rps:>9.0f}{r.p50:>9.1f}{r.percentile(0.99):>9.1f}{r.errors:>8}")


@contextlib.contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one run, dropped afterwards (the server's own stay untouched)."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"tuoyu_bench_{uuid.uuid4().hex[:10]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
