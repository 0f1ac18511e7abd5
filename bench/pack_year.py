"""Benchmark: a centre-year compliance pack built from the database, against the I/O floor of the same rows.

A year of a 150-child centre is seeded into a fresh migrated database (bench/year_seed.py: four weeks lived
through the operations, copied back over the year with Core executemany, the audit chain rechained), then
`tuoyu pack build` runs for the whole year in a subprocess (TUOYU_DATABASE_URL / TUOYU_INSTANCE_PATH, as
bench/harness.py's `tuoyu()`), with its peak RSS from wait4, and `tuoyu pack verify` checks the result.

The floor, measured in the same run: every table the pack reads (the SELECTs of an in-process pack of the seeded
month, recorded), streamed with a plain `SELECT *` and written by csv.writer into one plain ZIP (no hashing,
signing, JSON or PDF), also in a subprocess. Targets: build ≤ 3 × the floor, peak RSS ≤ 150 MB. Exit status 1 if
a target is missed or the pack does not verify.

    .venv/bin/python bench/pack_year.py [--postgres postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_RATIO = 3.0
TARGET_RSS_MB = 150.0
MIN_ROWS = 500_000
CODE = "demo"
NOT_COPIED = frozenset({"env_minute"})
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)  # a Monday, 15:30 in Shanghai
HISTORY_DAYS = 28  # the lived month; bench/year_seed.py copies it back over the year
# The demo's three classes grown to 150 children (capacity is at most 60 a room).
CLASSES_150 = ((40, 40, 10), (50, 50, 10), (60, 60, 8))  # capacity, children, caregivers
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
_FROM = re.compile(r'\b(?:FROM|JOIN)\s+"?([a-z_][a-z0-9_]*)"?', re.IGNORECASE)


def _app(url: str, instance: Path) -> Any:
    from hardware.clock import FakeClock
    from server import create_app

    return create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "CLOCK": FakeClock(current=NOW),
                       "SCHEMA_CHECK": False})


def _tables_the_pack_reads(centre: Any, period: Any) -> list[str]:
    """Build a pack of the lived month in-process, recording every table its SELECTs read; nothing is kept."""
    from sqlalchemy import event

    from server.auth.actor import Actor
    from server.database import db
    from server.inspections.operations import write_pack
    from server.inspections.sources import app_sources

    names = set(db.metadata.tables)
    seen: set[str] = set()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.update(t for t in _FROM.findall(statement) if t in names)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        write_pack(centre, period, io.BytesIO(), sources=app_sources(), actor=Actor.system(), now=NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        db.session.rollback()
    return sorted(seen)


def seed_month(url: str, instance: Path) -> None:
    """The lived month: the demo centre grown to 150 children, seeded through the operations."""
    from flask_migrate import upgrade

    import server.demo.seed as demo
    from server.database import db

    demo.CLASSES = tuple((name, kind, capacity, children, ages, caregivers) for (name, kind, _, _, ages, _),
                         (capacity, children, caregivers) in zip(demo.CLASSES, CLASSES_150, strict=True))
    app = _app(url, instance)
    with app.app_context():
        upgrade()
        db.session.commit()
        started = time.perf_counter()
        demo.seed_demo(code=CODE, now=NOW, history_days=HISTORY_DAYS, story=True)
        db.session.commit()
        print(f"seeded the month through the operations in {time.perf_counter() - started:.1f} s")
        db.session.remove()
        db.engine.dispose()


def seed_year(url: str, instance: Path) -> tuple[str, str, list[str]]:
    """Copy the lived month over the year; returns the period (ISO dates) and the tables the pack reads."""
    from sqlalchemy import func, select
    from year_seed import COPIES, SHIFT_DAYS, rebuild_chain, replicate_year

    from compliance import Period
    from server.audit.operations import verify_chain
    from server.centre.models import Centre
    from server.database import db

    app = _app(url, instance)
    with app.app_context():
        centre = db.session.execute(select(Centre).where(Centre.code == CODE)).scalar_one()
        today = NOW.astimezone(ZONE).date()
        first = today - timedelta(days=HISTORY_DAYS)
        # The sensors' minute series is read by the pack only as monthly aggregates: not copied, not in the floor.
        tables = [t for t in _tables_the_pack_reads(centre, Period(first, today)) if t not in NOT_COPIED]
        started = time.perf_counter()
        conn = db.session.connection()
        year_start = first - timedelta(days=SHIFT_DAYS * COPIES)
        added = replicate_year(conn, db.metadata, centre.id, (first, today), ZONE, tables)
        chained = rebuild_chain(conn, db.metadata, centre.id, (first, today), ZONE)
        db.session.commit()
        copied = time.perf_counter() - started
        chain = verify_chain(f"centre:{centre.id}")
        counts = {t: db.session.execute(select(func.count()).select_from(db.metadata.tables[t])).scalar_one()
                  for t in tables}
        db.session.remove()
        db.engine.dispose()
    print(f"copied over the year in {copied:.1f} s ({sum(added.values()):,} rows added to {len(added)} tables, "
          f"{chained:,} audit entries rechained, chain verifies: {'yes' if chain.ok else 'NO ' + str(chain.reason)})")
    print(f"tables the pack reads ({len(tables)}): " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    print(f"rows in those tables: {sum(counts.values()):,} (at least {MIN_ROWS:,} wanted)")
    if not chain.ok:
        raise SystemExit("the audit chain does not verify")
    return year_start.isoformat(), today.isoformat(), tables


def copy_to(source_url: str, target_url: str, instance: Path) -> None:
    """The seeded SQLite year into a migrated PostgreSQL database, table by table, keys and sequences kept."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from server.database import db

    app = _app(target_url, instance)
    with app.app_context():
        upgrade()
        db.session.commit()
        metadata = db.metadata
        db.engine.dispose()
    source, target = sa.create_engine(source_url), sa.create_engine(target_url)
    with source.connect() as read, target.begin() as write:
        write.exec_driver_sql("SET session_replication_role = replica")  # keys arrive in table order, cycles too
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            result = read.execution_options(yield_per=5000).execute(sa.select(table))
            for part in result.mappings().partitions():
                write.execute(table.insert(), [dict(r) for r in part])
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and isinstance(pk[0].type, sa.Integer) and pk[0].autoincrement is not False:
                write.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{pk[0].name}'), "
                    f"COALESCE((SELECT max(\"{pk[0].name}\") FROM \"{table.name}\"), 0) + 1, false) "
                    f"WHERE pg_get_serial_sequence('\"{table.name}\"', '{pk[0].name}') IS NOT NULL")
    source.dispose()
    target.dispose()


def floor(url: str, output: str, tables: list[str]) -> None:
    """The I/O floor: every table streamed with SELECT * and written by csv.writer into one plain ZIP."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for table in tables:
            result = conn.execution_options(yield_per=5000).exec_driver_sql(f'SELECT * FROM "{table}"')
            with zf.open(f"{table}.csv", "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                out = csv.writer(text)
                for part in result.partitions():
                    out.writerows(part)
                text.flush()
                text.detach()
    engine.dispose()


def _sqlite_copy(source: Path, target: Path) -> None:
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _run(argv: list[str], env: dict[str, str], tmp: Path) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MB) of one child process (its own rusage, from wait4), and its stdout."""
    with (tmp / "out.txt").open("w+b") as out, (tmp / "err.txt").open("w+b") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=REPO, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code != 0:
            raise RuntimeError(f"{argv[1:3]} failed ({code}): {err.read().decode()[-2000:]}")
        return wall, usage.ru_maxrss / 1024, out.read().decode()


# `tuoyu pack build` with the findings' evaluation (and its evidence) replaced by none: what the pack's writing costs on its own.
WITHOUT_EVALUATION = ("import sys; import server.inspections.operations as o; o.evaluate = lambda *a, **k: []; "
                      "o.compliance_inputs = lambda *a, **k: None; "
                      "from server.cli import main; sys.argv[0] = 'tuoyu'; sys.exit(main())")


def measure(name: str, url: str, instance: Path, tmp: Path, period: tuple[str, str], tables: list[str],
            without_evaluation: bool = False) -> bool:
    env = {**os.environ, "TUOYU_DATABASE_URL": url, "TUOYU_INSTANCE_PATH": str(instance),
           "TUOYU_SECRET_KEY": "bench"}
    pack = tmp / f"pack-{name}.zip"
    command = [sys.executable, "-c", WITHOUT_EVALUATION] if without_evaluation else [str(BIN / "tuoyu")]
    if without_evaluation:
        print(f"\n{name}: DIAGNOSTIC, the evaluation of findings left out and the evidence it reads")
    build_s, rss_mb, _ = _run([*command, "pack", "build", "--centre", CODE, "--from", period[0],
                               "--to", period[1], "-o", str(pack)], env, tmp)
    verify_s, _, report = _run([str(BIN / "tuoyu"), "pack", "verify", str(pack)], env, tmp)
    floor_s, floor_rss, _ = _run([sys.executable, __file__, "--floor", url, str(tmp / f"floor-{name}.zip"),
                                  *tables], env, tmp)
    with zipfile.ZipFile(pack) as zf:
        registers = {}
        for info in zf.infolist():
            if info.filename.startswith("registers/"):
                with zf.open(info) as raw:
                    registers[info.filename[10:-4]] = sum(1 for _ in csv.reader(io.TextIOWrapper(
                        raw, encoding="utf-8-sig", newline=""))) - 1
        content_mb = sum(info.file_size for info in zf.infolist()) / 1e6
    rows = sum(registers.values())
    ratio = build_s / floor_s
    ok = ratio <= TARGET_RATIO and rss_mb <= TARGET_RSS_MB
    load = os.getloadavg()
    print(f"\n{name}: pack of {period[0]}..{period[1]}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("  registers: " + ", ".join(f"{n} {c:,}" for n, c in registers.items()))
    print(f"  rows in the pack's registers: {rows:,}; pack {pack.stat().st_size / 1e6:.1f} MB zipped, "
          f"{content_mb:.0f} MB of files")
    print(f"  build (tuoyu pack build):  {build_s:7.2f} s   peak RSS {rss_mb:6.1f} MB (target ≤ {TARGET_RSS_MB:g} MB)")
    print(f"  floor (SELECT * → csv → zip): {floor_s:7.2f} s   peak RSS {floor_rss:6.1f} MB")
    print(f"  ratio build / floor: {ratio:.2f} × (target ≤ {TARGET_RATIO:g} ×)")
    print(f"  verify (tuoyu pack verify): {verify_s:.2f} s: {report.strip().splitlines()[-1] if report.strip() else ''}")
    print(f"  {'targets met' if ok else 'TARGET MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL (a scratch database is made)")
    parser.add_argument("--month", default=None, help="a directory keeping the lived month between runs (it takes"
                        " minutes): seeded and saved there if empty, reused otherwise")
    parser.add_argument("--floor", nargs="+", help=argparse.SUPPRESS)  # URL OUTPUT TABLE...: the floor's child
    args = parser.parse_args()
    if args.floor:
        floor(args.floor[0], args.floor[1], args.floor[2:])
        return 0
    from harness import scratch_database

    ok = True
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        instance = tmp / "instance"
        sqlite_url = f"sqlite:///{tmp / 'year.db'}"
        started = time.perf_counter()
        cache = Path(args.month) if args.month else None
        if cache is not None and (cache / "month.db").exists():
            _sqlite_copy(cache / "month.db", tmp / "year.db")
            shutil.copytree(cache / "instance", instance)
            print(f"the lived month from {cache}")
        else:
            seed_month(sqlite_url, instance)
            if cache is not None:
                cache.mkdir(parents=True, exist_ok=True)
                _sqlite_copy(tmp / "year.db", cache / "month.db")
                shutil.copytree(instance, cache / "instance")
        start, end, tables = seed_year(sqlite_url, instance)
        print(f"seeding took {time.perf_counter() - started:.1f} s (not a figure)")
        ok &= measure("SQLite", sqlite_url, instance, tmp, (start, end), tables)
        if args.postgres:
            with scratch_database(args.postgres) as url:
                started = time.perf_counter()
                copy_to(sqlite_url, url, instance)
                print(f"\ncopied into PostgreSQL in {time.perf_counter() - started:.1f} s (not a figure)")
                ok &= measure("PostgreSQL", url, instance, tmp, (start, end), tables)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
