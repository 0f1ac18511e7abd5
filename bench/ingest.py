"""Reading ingest throughput: 500-reading batches to `POST /api/v1/devices/events` under gunicorn (2 workers),
on SQLite and PostgreSQL, side by side with a raw `executemany` of the same rows into the same table (the ceiling).

Each reading is one SCD41 sample (CO2, temperature, humidity: three rows). Each client is its own agent (a
device sends one batch at a time and waits for the ack), catching up on a backlog. Bodies are encoded before
the clock starts, so the figure is the server's. PostgreSQL runs when TUOYU_BENCH_PG_URL (default
postgresql://postgres@127.0.0.1:5432/postgres) is reachable; a database is created and dropped for the run.

Run: .venv/bin/python bench/ingest.py [--batches 200] [--concurrency 4]
Targets (issue #7): ≥ 20 000 readings/s over HTTP, ≥ 50 % of the raw ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from ceiling import executemany_seconds
from figures import figure
from harness import BIN, REPO, gunicorn, tuoyu
from loadgen import LoadResult
from synchronous_app import level

BATCH = 500
PREPARE = """
import json, sys
from sqlalchemy import select
from server import create_app
from server.auth.actor import Actor
from server.centre.models import Centre, Room
from server.clock import utcnow
from server.database import db
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
app = create_app()
with app.app_context():
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    rooms = db.session.execute(select(Room.id).where(Room.centre_id == centre.id)).scalars().all()
    now, devices = utcnow(), []
    for n in range(int(sys.argv[1])):
        code, _ = create_enrolment_code(centre, kind=DeviceKind.AGENT, name=f"bench-{n}", actor=Actor.system(),
                                        now=now)
        device, token = enroll_device(code, kind=DeviceKind.AGENT, name=None, version=None, now=now)
        devices.append({"device": device.device_id, "device_pk": device.id, "token": token})
    db.session.commit()
    json.dump({"devices": devices, "centre_id": centre.id, "rooms": rooms}, sys.stdout)
"""


def _events(device: str, rooms: list[int], stream: str, first: int, count: int, at: datetime) -> list[dict]:
    out = []
    for i in range(first, first + count):
        created = (at - timedelta(milliseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        out.append({"key": str(uuid.uuid4()),
                    "device_id": device, "stream": stream, "sequence": i + 1, "kind": "reading",
                    "created_at": created,
                    "payload": {"sensor": f"scd41-{i % len(rooms)}", "model": "SCD41",
                                "location": f"room:{rooms[i % len(rooms)]}",
                                "values": {"co2_ppm": 600.0 + i % 400, "temperature_c": 22.0 + (i % 50) / 10,
                                           "humidity_pct": 45.0 + i % 20}}})
    return out


def _bodies(prepared: dict, batches: int) -> list[list[bytes]]:
    """Per device, its batches in outbox order (the batches are shared out evenly)."""
    now, devices = datetime.now(UTC), prepared["devices"]
    out: list[list[bytes]] = []
    for d, device in enumerate(devices):
        stream = str(uuid.uuid4())
        out.append([json.dumps({"protocol_version": 1, "device_id": device["device"], "sent_at": now.strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ"), "events": _events(device["device"], prepared["rooms"], stream, b * BATCH, BATCH,
                                                         now)}).encode()
            for b in range(d, batches, len(devices))])
    return out


def _post_all(url: str, prepared: dict, bodies: list[list[bytes]]) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def device(token: str, batches: list[bytes]) -> None:
        nonlocal errors
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with httpx.Client(headers=headers, timeout=60) as client:
            for body in batches:
                start = time.perf_counter()
                response = client.post(url, content=body)
                ok = response.status_code == 200 and all(
                    r["status"] == "accepted" for r in response.json()["results"])
                with lock:
                    latencies.append((time.perf_counter() - start) * 1000)
                    errors += 0 if ok else 1

    threads = [threading.Thread(target=device, args=(d["token"], b))
               for d, b in zip(prepared["devices"], bodies, strict=True)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return LoadResult(sum(map(len, bodies)), errors, time.perf_counter() - start, latencies)


def _raw_rows(prepared: dict, source_id: int, batches: int) -> list[list[tuple]]:
    """The rows the server would write for the same readings, one list per batch."""
    now = datetime.now(UTC)
    rooms = prepared["rooms"]
    out = []
    for b in range(batches):
        rows = []
        for i in range(b * BATCH, (b + 1) * BATCH):
            at = now - timedelta(milliseconds=i)
            common = (source_id, i + 1)
            room = f"room:{rooms[i % len(rooms)]}"
            for quantity, value in (("co2_ppm", 600.0 + i % 400), ("temperature_c", 22.0 + (i % 50) / 10),
                                    ("humidity_pct", 45.0 + i % 20)):
                rows.append((*common, quantity, prepared["centre_id"], room, f"scd41-{i % len(rooms)}", at, value,
                             None, now))
        out.append(rows)
    return out


def _raw_sqlite(path: str, prepared: dict, batches: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={level()}")  # the server's level for this run
    conn.execute("INSERT INTO env_reading_source (device_pk, stream, created_at) VALUES (?, ?, ?)",
                 (prepared["devices"][0]["device_pk"], str(uuid.uuid4()), datetime.now(UTC).replace(tzinfo=None)))
    source = conn.execute("SELECT max(id) FROM env_reading_source").fetchone()[0]
    seconds = executemany_seconds(conn, True, _raw_rows(prepared, source, batches))
    conn.close()
    return batches * BATCH / seconds


def _raw_postgres(url: str, prepared: dict, batches: int) -> float:
    import psycopg

    with psycopg.connect(url) as conn:
        source = conn.execute("INSERT INTO env_reading_source (device_pk, stream, created_at) VALUES (%s, %s, now()) "
                              "RETURNING id", (prepared["devices"][0]["device_pk"], str(uuid.uuid4()))).fetchone()[0]
        conn.commit()
        return batches * BATCH / executemany_seconds(conn, False, _raw_rows(prepared, source, batches))


def _prepare(env: dict[str, str], devices: int) -> dict:
    tuoyu(env, "db", "upgrade")
    tuoyu(env, "seed-demo")
    return json.loads(subprocess.run([str(BIN / "python"), "-c", PREPARE, str(devices)], env=env, cwd=REPO,
                                     check=True, capture_output=True, text=True).stdout)


def _run_http(env: dict[str, str], prepared: dict, batches: int) -> LoadResult:
    with gunicorn("bench.synchronous_app:create_app()", env) as base:
        url = base + "/api/v1/devices/events"
        _post_all(url, prepared, _bodies(prepared, len(prepared["devices"])))  # warm up both workers
        return _post_all(url, prepared, _bodies(prepared, batches))


def _postgres_database() -> tuple[str, str] | None:
    admin = os.environ.get("TUOYU_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            name = f"tuoyu_bench_{secrets.token_hex(4)}"
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL here: report and run SQLite only
        print(f"PostgreSQL not reachable ({exc}); SQLite only")
        return None
    return admin, admin.rsplit("/", 1)[0] + "/" + name


def _copy_database(admin: str, url: str) -> str:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}_raw" TEMPLATE "{url.rsplit("/", 1)[1]}"')
    return url + "_raw"


def _drop(admin: str, url: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    results: list[tuple[str, LoadResult, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TUOYU_INSTANCE_PATH": str(Path(tmp) / "instance"), "TUOYU_DATABASE_URL": "",
               "TUOYU_SECRET_KEY": "bench"}
        prepared = _prepare(env, args.concurrency)
        # The ceiling starts from the same database as the HTTP run: a copy taken before it.
        database = Path(tmp) / "instance" / "tuoyu.sqlite3"
        shutil.copy(database, Path(tmp) / "raw.sqlite3")
        http = _run_http(env, prepared, args.batches)
        raw = _raw_sqlite(str(Path(tmp) / "raw.sqlite3"), prepared, args.batches)
        results.append(("SQLite", http, raw))
        pg = _postgres_database()
        if pg is not None:
            admin, url = pg
            try:
                env = {**env, "TUOYU_INSTANCE_PATH": str(Path(tmp) / "pg"), "TUOYU_DATABASE_URL": url}
                prepared = _prepare(env, args.concurrency)
                copy = _copy_database(admin, url)
                http = _run_http(env, prepared, args.batches)
                results.append(("PostgreSQL", http, _raw_postgres(copy, prepared, args.batches)))
            finally:
                _drop(admin, url)
                _drop(admin, url + "_raw")
    print(f"\nReading ingest, {args.batches} batches x {BATCH} readings (3 rows each), gunicorn -w 2, "
          f"{args.concurrency} agents sending at once, SQLite synchronous={level()}")
    print(f"{'database':<12}{'HTTP readings/s':>17}{'rows/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
          f"{'raw readings/s':>16}{'HTTP/raw':>10}")
    for name, http, raw in results:
        per_s = http.rps * BATCH
        print(f"{name:<12}{per_s:>17.0f}{per_s * 3:>10.0f}{http.p50:>9.1f}{http.percentile(0.99):>9.1f}"
              f"{http.errors:>8}{raw:>16.0f}{per_s / raw:>10.0%}")
    print("Targets: ≥ 20 000 readings/s over HTTP, ≥ 50 % of the raw executemany ceiling.")
    for name, http, raw in results:
        per_s = http.rps * BATCH
        figure(f"{name}: HTTP readings/s", per_s, "/s", at_least=20_000, reference=raw)
        figure(f"{name}: HTTP / raw ceiling", 100 * per_s / raw, "%", at_least=50)
        figure(f"{name}: p99 per batch", http.percentile(0.99), "ms")
        figure(f"{name}: errors", http.errors, at_most=0)


if __name__ == "__main__":
    main()
