"""Benchmark: one presence event → every room's ratio verdict updated, with 20 rooms and 300 people present.

A migrated database (SQLite file, or a fresh PostgreSQL database with --postgres URL) holds a
centre with 20 托大班 rooms (1:7), 240 children and 60 caregivers checked in (300 people): a caregiver
leaving takes a room near its limit, never over it (the usual event; a breach adds an alert). Each round applies one
kiosk event through the real path (`handle_kiosk_event`: the attendance row, its audit entry;
then `rooms.live.refresh_after_kiosk_batch`), alternating one caregiver a room out and in so states really
change. It times the recompute (`refresh`: whereabouts, verdicts, status rows, violation intervals,
alerts: the issue's figure) and, for context, the whole handler ("server time": no HTTP, no JSON).

    .venv/bin/python bench/ratios.py [--rounds 300] [--postgres postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from figures import figure  # noqa: E402
from harness import scratch_database  # noqa: E402

from devices.wire.protocol import Event, new_key  # noqa: E402
from hardware.clock import FakeClock  # noqa: E402
from server import create_app  # noqa: E402
from server.attendance.operations.kiosk_events import handle_kiosk_event  # noqa: E402
from server.attendance.rooms.operations import live  # noqa: E402
from server.auth.actor import Actor  # noqa: E402
from server.centre.models import ClassType, ServiceType  # noqa: E402
from server.centre.operations import create_centre, create_room  # noqa: E402
from server.database import db  # noqa: E402
from server.fleet.models import Device, DeviceKind  # noqa: E402
from server.people.models import Sex, StaffRole  # noqa: E402
from server.people.operations import create_child, create_staff  # noqa: E402

ROOMS, CHILDREN_PER_ROOM, CAREGIVERS_PER_ROOM = 20, 12, 3  # 240 children + 60 caregivers = 300 people
TARGET_MS = 5.0
T0 = datetime(2026, 9, 7, 1, 0, tzinfo=UTC)


def _event(device: Device, person: str, kind: str, at: datetime, children: list[int]) -> Event:
    return Event(key=new_key(), device_id=device.device_id, stream=new_key(), sequence=1, kind=kind, created_at=at,
                 payload={"person_id": person, "children": children, "method": "pin"})


def seed(now: datetime) -> tuple[Device, list[int]]:
    system = Actor.system()
    centre = create_centre(code="bench", name="基准托育中心", legal_form="for_profit", filing_status="filed",
                           filed_on=date(2025, 1, 1), approved_places=300, inclusive_places=60, actor=system, now=now)
    device = Device(centre_id=centre.id, device_id="kiosk-bench", kind=DeviceKind.KIOSK, name="门口",
                    token_hash=uuid.uuid4().hex * 2, token_prefix="tyd_bench", enrolled_at=now, health={})
    db.session.add(device)
    staff_ids: list[int] = []
    child_ids: list[int] = []
    for r in range(ROOMS):
        room = create_room(centre, name=f"班{r:02d}", class_type=ClassType.PRESCHOOL, capacity=20, actor=system, now=now)
        for c in range(CHILDREN_PER_ROOM):
            child_ids.append(create_child(centre, name=f"幼儿{r}-{c}", sex=Sex.FEMALE, born_on=date(2024, 3, 1),
                                          enrolled_on=date(2026, 3, 1), service_type=ServiceType.FULL_DAY,
                                          room_id=room.id, actor=system, now=now, today=now.date()).id)
        for s in range(CAREGIVERS_PER_ROOM):
            staff_ids.append(create_staff(centre, name=f"保育员{r}-{s}", role=StaffRole.CAREGIVER,
                                          hired_on=date(2025, 1, 1), home_room_id=room.id, actor=system, now=now).id)
    db.session.flush()
    at = now
    for staff_id in staff_ids:
        at += timedelta(seconds=1)
        handle_kiosk_event(device, _event(device, f"s{staff_id}", "attendance.check_in", at, []), at)
    for start in range(0, len(child_ids), 10):
        at += timedelta(seconds=1)
        handle_kiosk_event(device, _event(device, f"s{staff_ids[0]}", "attendance.check_in", at,
                                          child_ids[start:start + 10]), at)
    live.refresh_after_kiosk_batch(device, at)
    db.session.commit()
    return device, staff_ids


def rollcall_ms(app, centre_id: int, times: int = 20) -> list[float]:  # type: ignore[no-untyped-def]
    """The fire-drill roll call page with everyone present, as a logged-in director's tablet asks for it."""
    from server.auth.operations import create_user, grant_role
    from server.auth.roles import Role

    user = create_user("bench-director", "园长", "bench-password-1", actor=Actor.system(), now=T0)
    grant_role(user, centre_id, Role.ADMIN, expires_at=None, actor=Actor.system(), now=T0)
    db.session.commit()
    where = live.whereabouts(centre_id, T0 + timedelta(hours=2))
    present = len(where.children) + len(where.staff)
    client = app.test_client()
    client.post("/login", data={"username": "bench-director", "password": "bench-password-1"})
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        response = client.get("/centres/bench/rollcall")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        assert response.get_data(as_text=True).count('type="checkbox"') == present
    return timings


def run(url: str, rounds: int) -> tuple[list[float], list[float], list[float]]:
    clock = FakeClock(current=T0 + timedelta(hours=2))  # the roll call asks the app's clock what "now" is
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "INSTANCE_PATH": tempfile.mkdtemp(),
                      "WTF_CSRF_ENABLED": False, "CLOCK": clock})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        device, staff_ids = seed(T0)
        present = sum(len(s.child_ids) + len(s.staff_ids) for s in live.statuses(device.centre_id))
        assert present == 300, present
        gc.collect()
        gc.freeze()  # as server/gunicorn_conf.py does once a worker has loaded the app
        timings, recompute = [], []
        refresh = live.refresh

        def timed_refresh(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return refresh(*args, **kwargs)
            finally:
                recompute.append((time.perf_counter() - started) * 1000)

        live.refresh = timed_refresh  # the handler looks it up at call time
        now = T0 + timedelta(minutes=30)
        movers = staff_ids[::CAREGIVERS_PER_ROOM]  # one caregiver a room: near its limit, never over it
        for n in range(rounds):
            now += timedelta(seconds=5)
            staff_id = movers[n % len(movers)]
            kind = "attendance.check_out" if (n // len(movers)) % 2 == 0 else "attendance.check_in"
            event = _event(device, f"s{staff_id}", kind, now, [])
            started = time.perf_counter()
            handle_kiosk_event(device, event, now)
            db.session.flush()
            live.refresh_after_kiosk_batch(device, now)  # as ingest_batch does after a batch
            timings.append((time.perf_counter() - started) * 1000)
            db.session.commit()
        live.refresh = refresh
        rollcall = rollcall_ms(app, device.centre_id)
        db.session.remove()
        db.drop_all()
    return recompute, timings, rollcall


def _percentiles(timings: list[float]) -> tuple[float, float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1], ordered[-1]


def report(name: str, figures: tuple[list[float], list[float], list[float]]) -> bool:
    recompute, handler, rollcall = figures
    p50, p95, worst = _percentiles(recompute)
    ok = p50 <= TARGET_MS
    figure(f"{name}: recompute after an event, p50", p50, "ms", at_most=TARGET_MS)
    print(f"{name:<10} recompute after an event (20 rooms, 300 present): p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
          f"max {worst:.2f} ms over {len(recompute)} events · target ≤ {TARGET_MS:g} ms: {'met' if ok else 'NOT met'}")
    p50, p95, worst = _percentiles(handler)
    print(f"{'':<10} whole kiosk-event handler incl. attendance row + audit entry: p50 {p50:.2f} ms, "
          f"p95 {p95:.2f} ms")
    figure(f"{name}: whole kiosk-event handler, p50", _percentiles(handler)[0], "ms")
    p50, p95, worst = _percentiles(rollcall)
    figure(f"{name}: roll call page, max", worst, "ms", at_most=2000)
    print(f"{'':<10} roll call page, 300 present (server, incl. template): p50 {p50:.1f} ms, max {worst:.1f} ms "
          f"· target ≤ 2000 ms: {'met' if worst <= 2000 else 'NOT met'}")
    return ok and worst <= 2000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL (a scratch database is made)")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        ok &= report("SQLite", run(f"sqlite:///{tmp}/bench.db", args.rounds))
    if args.postgres:
        with scratch_database(args.postgres) as url:
            ok &= report("PostgreSQL", run(url, args.rounds))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
