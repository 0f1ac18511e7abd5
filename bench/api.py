"""Audited write throughput: `POST /api/v1/centres/demo/children` under gunicorn (2 workers, SQLite),
side by side with a bare Flask + SQLAlchemy insert endpoint (bench/bare_app.py) on the same machine.

Run: .venv/bin/python bench/api.py [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness import BIN, child_body, compare_with_bare, demo_env, gunicorn, tuoyu
from loadgen import LoadResult, run_load
from synchronous_app import level


def bench_audited(tmp: Path, total: int, concurrency: int) -> LoadResult:
    env = demo_env(tmp)
    token = tuoyu(env, "token", "create", "director").strip()
    with gunicorn("bench.synchronous_app:create_app()", env) as base:
        url = base + "/api/v1/centres/demo/children"
        headers = {"Authorization": f"Bearer {token}"}
        run_load(url, child_body, total=100, concurrency=concurrency, headers=headers)  # warm-up
        result = run_load(url, child_body, total=total, concurrency=concurrency, headers=headers)
    verify = subprocess.run([str(BIN / "tuoyu"), "audit", "verify", "--centre", "demo"], env=env,
                            capture_output=True, text=True)
    print(f"audit chain after the run: {verify.stdout.strip()}")
    return result


def main() -> None:
    compare_with_bare(__doc__ or "", f"audited create child, sync={level()}", bench_audited)


if __name__ == "__main__":
    main()
