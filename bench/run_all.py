"""Run every benchmark in turn and print its figures (`make bench`). Each one also runs on its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
POSTGRES = os.environ.get("TUOYU_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCHMARKS = [
    ["api.py"],
    ["checkin.py"],
    ["pack.py"],
    ["qr_decode.py"],
    ["qr_decode.py", "--latency"],
    ["kiosk_rush.py"],
    ["ingest.py"],
    ["chart_query.py", "--postgres", POSTGRES],
    ["ratios.py", "--postgres", POSTGRES],
    ["ingest_mqtt.py"],
    ["demo_seed.py"],
    ["care_tablet.py"],
    ["parent_loop.py"],
]


def main() -> int:
    failed = 0
    for args in BENCHMARKS:
        script = HERE / args[0]
        if not script.exists():
            continue
        print(f"\n=== bench/{' '.join(args)} ===", flush=True)
        failed += subprocess.run([sys.executable, str(script), *args[1:]], cwd=HERE.parent).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
