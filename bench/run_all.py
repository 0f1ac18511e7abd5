"""Run every benchmark in turn and print one table of their figures (`make bench`). Each one also runs on its own.

Each bench's output streams through as it comes; the ``@figure`` lines it prints (bench/figures.py) are collected
instead and shown at the end as one table: bench, figure, value, reference, target, met/missed. A bench that exits
non-zero (or prints a malformed figure line, or no figure at all) is a row too. Exit status 1 if a target is
missed or a bench failed.

    .venv/bin/python bench/run_all.py [--only NAME ...]      (NAME: a script, e.g. `api` or `qr_decode.py`)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from figures import Row, parse, table  # bench/ is on the path: this script's own folder

HERE = Path(__file__).parent
POSTGRES = os.environ.get("TUOYU_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCHMARKS = [
    ["api.py"],
    ["checkin.py"],
    ["pack.py"],
    ["qr_decode.py"],
    ["qr_decode.py", "--latency"],
    ["kiosk_rush.py"],
    ["kiosk_idle.py"],
    ["ingest.py"],
    ["chart_query.py", "--postgres", POSTGRES],
    ["ratios.py", "--postgres", POSTGRES],
    ["ingest_mqtt.py"],
    ["demo_seed.py", "--postgres", POSTGRES],
    ["care_tablet.py"],
    ["parent_loop.py"],
    ["day.py", "--postgres", POSTGRES],
    ["pack_year.py", "--postgres", POSTGRES],
]


def label(args: Sequence[str]) -> str:
    """The bench as the table names it: the script and its flags, URLs left out."""
    return " ".join(a for a in args if "://" not in a)


def selected(benchmarks: Sequence[Sequence[str]], only: Sequence[str] | None) -> list[Sequence[str]]:
    """The entries whose script is one of ``only`` (with or without .py); all of them without ``only``."""
    if not only:
        return list(benchmarks)
    wanted = {name.removeprefix("bench/").removesuffix(".py") for name in only}
    known = {args[0].removesuffix(".py") for args in benchmarks}
    if unknown := wanted - known:
        raise SystemExit(f"unknown bench(es): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    return [args for args in benchmarks if args[0].removesuffix(".py") in wanted]


def run_one(script: Path, args: Sequence[str], cwd: Path) -> list[Row]:
    """Run one bench, echoing its output, and return its rows (its figures, and a failure if it failed)."""
    name = label(args)
    rows: list[Row] = []
    malformed: list[str] = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # its lines as they come, not at exit
    with subprocess.Popen([sys.executable, str(script), *args[1:]], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          text=True, encoding="utf-8", errors="replace") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                found = parse(line)
            except ValueError as exc:
                malformed.append(str(exc))
                found = None
            if found is None:
                sys.stdout.write(line)
                sys.stdout.flush()
            else:
                rows.append(Row(name, found))
        status = proc.wait()
    rows += [Row(name, failure=reason) for reason in malformed]
    if status != 0:
        rows.append(Row(name, failure=f"exit status {status}"))
    elif not rows:
        rows.append(Row(name, failure="no figures printed"))
    return rows


def main(argv: Sequence[str] | None = None, *, benchmarks: Sequence[Sequence[str]] | None = None,
         here: Path | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this bench (repeatable)")
    args = parser.parse_args(argv)
    here = HERE if here is None else here
    rows: list[Row] = []
    for entry in selected(BENCHMARKS if benchmarks is None else benchmarks, args.only):
        script = here / entry[0]
        if not script.exists():
            print(f"\n=== bench/{label(entry)}: not here, skipped ===", flush=True)
            continue
        print(f"\n=== bench/{label(entry)} ===", flush=True)
        rows += run_one(script, entry, here.parent)
    print("\n" + table(rows), flush=True)
    return 1 if any(row.bad for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
