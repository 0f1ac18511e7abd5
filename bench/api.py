"""Audited write throughput: `POST /api/v1/centres/demo/children` under gunicorn (2 workers, SQLite),
side by side with a bare Flask + SQLAlchemy insert endpoint (bench/bare_app.py) on the same machine.

Run: .venv/bin/python bench/api.py [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from harness import BIN, bench_bare, child_body, demo_env, gunicorn, print_table, tuoyu
from loadgen import LoadResult, run_load


def bench_audited(tmp: Path, total: int, concurrency: int) -> LoadResult:
    env = demo_env(tmp)
    token = tuoyu(env, "token", "create", "director").strip()
    with gunicorn("server:create_app()", env) as base:
        url = base + "/api/v1/centres/demo/children"
        headers = {"Authorization": f"Bearer {token}"}
        run_load(url, child_body, total=100, concurrency=concurrency, headers=headers)  # warm-up
        result = run_load(url, child_body, total=total, concurrency=concurrency, headers=headers)
    verify = subprocess.run([str(BIN / "tuoyu"), "audit", "verify", "--centre", "demo"], env=env,
                            capture_output=True, text=True)
    print(f"audit chain after the run: {verify.stdout.strip()}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        audited = bench_audited(Path(tmp), args.requests, args.concurrency)
        bare = bench_bare(Path(tmp), args.requests, args.concurrency)
    print_table(f"POST, gunicorn -w 2, SQLite, {args.requests} requests, {args.concurrency} concurrent clients",
                [("audited create child (/api/v1)", audited), ("bare insert (reference)", bare)])
    print(f"audited / bare throughput: {audited.rps / bare.rps:.0%} (target ≥ 50%)")


if __name__ == "__main__":
    main()
