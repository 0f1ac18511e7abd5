"""The 24-h chart query for one room with a year of minute roll-ups present for the centre's rooms.

Fills `env_minute` (the demo's 3 rooms x 3 quantities x 525 600 minutes ≈ 4.7 M rows; executemany on SQLite, COPY on
PostgreSQL), then times
`server.environment.operations.chart_series` (the query the environment page runs per chart), median of 20.

Run: .venv/bin/python bench/chart_query.py [--rooms 3] [--days 365] [--postgres postgresql://postgres@127.0.0.1/postgres]
Target (issue #7): ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from figures import figure
from harness import scratch_database, tuoyu
from sqlalchemy import text

QUANTITIES = ("co2_ppm", "temperature_c", "humidity_pct")


def run(label: str, database_url: str, rooms_wanted: int, days: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TUOYU_INSTANCE_PATH": str(Path(tmp) / "instance"), "TUOYU_DATABASE_URL": database_url,
               "TUOYU_SECRET_KEY": "bench"}
        tuoyu(env, "db", "upgrade")
        tuoyu(env, "seed-demo")
        os.environ.update({k: v for k, v in env.items() if k.startswith("TUOYU_")})
        from sqlalchemy import select

        from server import create_app
        from server.auth.actor import Actor
        from server.centre.models import Centre, Room
        from server.database import db
        from server.environment.operations.queries import chart_series

        app = create_app()
        with app.app_context():
            centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
            rooms = db.session.execute(select(Room.id).where(Room.centre_id == centre.id)).scalars().all()
            rooms = (rooms * rooms_wanted)[:rooms_wanted]
            centre_id, now = centre.id, datetime.now(UTC).replace(second=0, microsecond=0)
            start = now - timedelta(days=days)
            sqlite = db.engine.dialect.name == "sqlite"
            # The demo seeds its month of minute roll-ups; the bench's own year replaces them.
            db.session.execute(text("DELETE FROM env_minute WHERE centre_id = :centre"), {"centre": centre_id})
            raw = db.session.connection().connection.driver_connection
            fill_start = time.perf_counter()
            rows = 0
            for room in dict.fromkeys(rooms):
                for quantity in QUANTITIES:
                    batch = [(centre_id, f"room:{room}", quantity, start + timedelta(minutes=m),
                              1, 600.0 + m % 300, 600.0 + m % 300, 600.0 + m % 300)
                             for m in range(days * 24 * 60)]
                    columns = "centre_id, point, quantity, at, n, total, low, high"
                    if sqlite:
                        raw.executemany(f"INSERT INTO env_minute ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                        [(*r[:3], r[3].replace(tzinfo=None).isoformat(" ", "microseconds"), *r[4:])
                                         for r in batch])
                    else:
                        with raw.cursor() as cursor, cursor.copy(f"COPY env_minute ({columns}) FROM STDIN") as copy:
                            for row in batch:
                                copy.write_row(row)
                    rows += len(batch)
            db.session.commit()
            if not sqlite:
                db.session.execute(text("ANALYZE env_minute"))
                db.session.commit()
            print(f"{label}: filled {rows:,} minute rows in {time.perf_counter() - fill_start:.1f} s")
            del batch
            gc.collect()
            gc.freeze()  # as server/gunicorn_conf.py does once a worker has loaded the app
            timings = []
            for _ in range(20):
                t = time.perf_counter()
                points = chart_series(centre, f"room:{rooms[0]}", "co2_ppm", "24h", actor=Actor.system(), now=now)
                timings.append((time.perf_counter() - t) * 1000)
                db.session.rollback()
            print(f"24-h chart query ({label}): {len(points)} points, median {statistics.median(timings):.1f} ms, "
                  f"max {max(timings):.1f} ms (target ≤ 100 ms)")
            figure(f"{label}: 24-h chart query, median", statistics.median(timings), "ms", at_most=100)
            db.session.remove()
            db.engine.dispose()  # before the scratch database is dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=3, help="at most the demo's 3 rooms")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL (a scratch database is made)")
    args = parser.parse_args()
    run("SQLite", "", args.rooms, args.days)
    if args.postgres:
        with scratch_database(args.postgres) as url:
            run("PostgreSQL", url, args.rooms, args.days)


if __name__ == "__main__":
    main()
