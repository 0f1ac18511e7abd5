"""Benchmark: seed the demo centre's month (`tuoyu seed-demo`) on a fresh database, phase by phase.

`seed_demo` with 30 days of history at a fixed Monday afternoon, on a migrated SQLite file (and on a scratch
PostgreSQL database with --postgres URL): the people (log-ins, families, cards), the month of kiosk events
through the real handler with the rooms' recompute, the month of minute roll-ups, and the scheduler's
environment evaluation of the last week. Wall and CPU seconds of each phase and the rows written, then a
check that nothing was skipped (the audit chain verifies, the ratio violations and exceedances are there).

The reference, measured in the same run: the seeded SQLite database written out again with no operation at
all (`VACUUM INTO` a new file): the cost of the bytes alone. Target: the whole seed in ≤ 10 s. Exit status 1
if it is missed or a check fails.

    .venv/bin/python bench/demo_seed.py [--days 30] [--postgres postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import figure  # noqa: E402
from harness import scratch_database  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from hardware.clock import FakeClock  # noqa: E402
from server import create_app  # noqa: E402
from server.database import db  # noqa: E402

TARGET_S = 10.0
NOW = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)  # a Monday, 15:30 in Shanghai: children in, a month behind
PHASES = (("server.demo.seed", "_seed_people", "people, log-ins, families, cards"),
          ("server.demo.seed", "seed_staff_files", "staff files: credentials, scans, managers, ban"),
          ("server.demo.seed", "seed_training", "the training log"),
          ("server.demo.seed", "seed_roster", "the roster: the month and this week"),
          ("server.demo.seed", "seed_attendance", "a month of kiosk events + rooms' recompute"),
          ("server.demo.seed", "seed_health_checks", "a month of 晨检 and follow-ups"),
          ("server.demo.seed", "seed_care", "a month of naps, patrol checks, meals, diapers, outdoor time"),
          ("server.demo.seed", "seed_health_profile", "allergies, 表5, entry exams, growth"),
          ("server.demo.seed", "seed_illness", "表4 cases, exclusion, the outbreak"),
          ("server.demo.seed", "seed_medication", "consents and doses"),
          ("server.demo.seed", "seed_environment", "a month of minute and hour roll-ups"),
          ("server.demo.seed", "evaluate_environment", "the environment job over the seeded week"),
          ("server.demo.seed", "warn_centre", "the staff files' expiry warnings"))


@contextmanager
def timed_phases(figures: dict[str, list[float]]) -> Iterator[None]:
    """Wrap each phase's function where `seed_demo` looks it up, adding its wall and CPU seconds to `figures`."""
    import importlib

    saved: list[tuple[Any, str, Callable[..., Any]]] = []
    for module_name, name, _ in PHASES:
        module = importlib.import_module(module_name)
        original = getattr(module, name, None)
        if original is None:  # an older seed without this phase (to measure it: run this file in its checkout)
            continue

        def wrapper(*args: Any, _original: Callable[..., Any] = original, _name: str = name, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                figure = figures.setdefault(_name, [0.0, 0.0])
                figure[0] += time.perf_counter() - wall
                figure[1] += time.process_time() - cpu

        saved.append((module, name, original))
        setattr(module, name, wrapper)
    try:
        yield
    finally:
        for module, name, original in saved:
            setattr(module, name, original)


def _count(model: Any) -> int:
    return int(db.session.execute(select(func.count()).select_from(model)).scalar() or 0)


def run(url: str, days: int, tmp: Path) -> dict[str, Any]:
    from flask_migrate import upgrade

    from server.attendance.models import AttendanceEvent
    from server.attendance.rooms.models import RatioViolation, RoomStatusLog
    from server.audit.models import AuditEntry
    from server.audit.operations import all_chains, verify_chain
    from server.demo.seed import seed_demo
    from server.environment.models import Exceedance, MinuteRollup

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp), "CLOCK": FakeClock(current=NOW),
                      "SCHEMA_CHECK": False})
    with app.app_context():
        upgrade()
        db.session.commit()
        figures: dict[str, list[float]] = {}
        with timed_phases(figures):
            wall, cpu = time.perf_counter(), time.process_time()
            seed_demo(code="demo", now=NOW, history_days=days)
            db.session.commit()
            total = (time.perf_counter() - wall, time.process_time() - cpu)
        rows = {name: _count(model) for name, model in (
            ("kiosk events", AttendanceEvent), ("audit entries", AuditEntry), ("room status changes", RoomStatusLog),
            ("ratio violations", RatioViolation), ("minute roll-ups", MinuteRollup), ("exceedances", Exceedance))}
        chains_ok = all(verify_chain(chain).ok for chain in all_chains())
        assert db.engine.url.get_backend_name() == url.split(":")[0].split("+")[0], db.engine.url  # the asked one
        db.session.remove()
        db.engine.dispose()
    return {"total": total, "phases": figures, "rows": rows, "chains_ok": chains_ok}


def bare_copy_s(path: Path) -> float:
    """Seconds to write the seeded SQLite database out again with no operation: the cost of the bytes alone."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        connection.execute("VACUUM INTO ?", (str(path.with_name("copy.db")),))
        return time.perf_counter() - started
    finally:
        connection.close()


def report(name: str, result: dict[str, Any], reference_s: float | None) -> bool:
    wall, cpu = result["total"]
    rows, ok = result["rows"], result["chains_ok"] and result["rows"]["ratio violations"] > 0 \
        and result["rows"]["exceedances"] > 0
    met = wall <= TARGET_S
    print(f"{name:<10} seed-demo, 30 days: {wall:.2f} s wall, {cpu:.2f} s CPU · target ≤ {TARGET_S:g} s: "
          f"{'met' if met else 'NOT met'}")
    for _module, phase, label in PHASES:
        phase_wall, phase_cpu = result["phases"].get(phase, [0.0, 0.0])
        print(f"{'':<10}   {label:<45} {phase_wall:6.2f} s wall {phase_cpu:6.2f} s CPU")
    print(f"{'':<10} rows: " + ", ".join(f"{count} {what}" for what, count in rows.items()))
    print(f"{'':<10} audit chains verify: {'yes' if result['chains_ok'] else 'NO'}; ratio violations and "
          f"exceedances recorded: {'yes' if ok else 'NO'}")
    if reference_s is not None:
        print(f"{'':<10} reference: the same database written out with no operation (VACUUM INTO): "
              f"{reference_s:.2f} s")
    figure(f"{name}: seed-demo, 30 days", wall, "s", at_most=TARGET_S,
           reference=None if reference_s is None else f"VACUUM INTO {reference_s:.2f} s")
    figure(f"{name}: chains verify, violations and exceedances there", bool(ok))
    return met and ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL (a scratch database is made)")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.db"
        result = run(f"sqlite:///{path}", args.days, Path(tmp))
        ok &= report("SQLite", result, bare_copy_s(path))
    if args.postgres:
        with scratch_database(args.postgres) as url, tempfile.TemporaryDirectory() as tmp:
            ok &= report("PostgreSQL", run(url, args.days, Path(tmp)), None)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
