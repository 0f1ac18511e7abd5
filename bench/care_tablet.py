"""Benchmark: the room tablet's board, the nap-patrol minute job and the dashboard on the demo's lived-in month.

The demo centre is seeded with 30 days of history at a Monday 10:40 in Shanghai (children in, naps running, a
month of 晨检, naps with their checks, meals, diapers, consents, cases behind), on a migrated SQLite file (or a
scratch PostgreSQL database with --postgres URL). Then, through the app's test client (no HTTP server; the
app's request path, authorisation, JSON and access logging included):

- the board of each room (`GET /api/v1/rooms/<id>/board`, as the 保健员: health parts in, logged): what every
  tablet asks every 30 s;
- the nap-patrol job (`care.jobs.patrol_all`), one run per minute over the morning's open naps;
- the director's dashboard (`GET /`), which now counts 晨检, follow-ups, exclusions, naps and doses.

The reference, measured in the same run: `GET /healthz` (no query: the same request path alone). Each
figure is the median of `--rounds` runs, with p95. Target: a board in ≤ 100 ms, the patrol job in ≤ 100 ms (it
runs every minute, in the scheduler process); exit status 1 if missed.

    .venv/bin/python bench/care_tablet.py [--rounds 50] [--postgres postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import figure  # noqa: E402
from harness import scratch_database  # noqa: E402
from sqlalchemy import select  # noqa: E402

from hardware.clock import FakeClock  # noqa: E402
from server import create_app  # noqa: E402
from server.database import db  # noqa: E402

NOW = datetime(2026, 12, 7, 2, 40, tzinfo=UTC)  # a Monday, 10:40 in Shanghai: naps running, the morning behind
TARGET_BOARD_MS, TARGET_PATROL_MS = 100.0, 100.0
PASSWORD = "tuoyu-demo"


def _timed(run: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def _log_in(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code in (302, 303), answer.status_code
    return client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--postgres", help="a PostgreSQL server URL: run on a scratch database there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, \
            (scratch_database(args.postgres) if args.postgres else nullcontext(f"sqlite:///{tmp}/bench.sqlite3")) as url:
        clock = FakeClock(current=NOW)
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp, "CLOCK": clock, "RATELIMIT_ENABLED": False,
                          "SCHEMA_CHECK": False})
        with app.app_context():
            from flask_migrate import upgrade

            from server.care.jobs import patrol_all
            from server.centre.models import Room
            from server.demo.seed import seed_demo

            upgrade()
            started = time.perf_counter()
            seed_demo(code="demo", now=NOW)
            db.session.commit()
            print(f"demo seeded in {time.perf_counter() - started:.1f} s ({'PostgreSQL' if args.postgres else 'SQLite'})")
            rooms = db.session.execute(select(Room.id, Room.name).order_by(Room.id)).all()
        health, director = _log_in(app, "health"), _log_in(app, "director")
        reference = _timed(lambda: health.get("/healthz"), args.rounds)
        print(f"reference GET /healthz: median {reference[0]:.1f} ms, p95 {reference[1]:.1f} ms")
        worst = 0.0
        for room_id, name in rooms:
            answer = health.get(f"/api/v1/rooms/{room_id}/board")
            assert answer.status_code == 200, answer.status_code
            children = len(answer.get_json()["children"])
            median, p95 = _timed(lambda room_id=room_id: health.get(f"/api/v1/rooms/{room_id}/board"), args.rounds)
            worst = max(worst, median)
            print(f"board of {name} ({children} children): median {median:.1f} ms, p95 {p95:.1f} ms "
                  f"({median / reference[0]:.0f}× the reference)")
        dashboard = _timed(lambda: director.get("/"), max(5, args.rounds // 5))
        print(f"director's dashboard: median {dashboard[0]:.1f} ms, p95 {dashboard[1]:.1f} ms")
        minutes = []
        with app.app_context():
            for minute in range(args.rounds):
                clock.current = NOW + timedelta(minutes=minute)
                start = time.perf_counter()
                patrol_all(clock.current)
                db.session.commit()
                minutes.append((time.perf_counter() - start) * 1000)
        minutes.sort()
        patrol = statistics.median(minutes)
        print(f"nap-patrol job, {args.rounds} minutes: median {patrol:.1f} ms, "
              f"p95 {minutes[max(0, int(len(minutes) * 0.95) - 1)]:.1f} ms")
    ok = worst <= TARGET_BOARD_MS and patrol <= TARGET_PATROL_MS
    print(f"target: board ≤ {TARGET_BOARD_MS:.0f} ms, patrol ≤ {TARGET_PATROL_MS:.0f} ms: {'met' if ok else 'MISSED'}")
    db_name = "PostgreSQL" if args.postgres else "SQLite"
    figure(f"{db_name}: slowest room board, median", worst, "ms", at_most=TARGET_BOARD_MS,
           reference=f"/healthz {reference[0]:.1f} ms")
    figure(f"{db_name}: nap-patrol job, median", patrol, "ms", at_most=TARGET_PATROL_MS)
    figure(f"{db_name}: director's dashboard, median", dashboard[0], "ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
