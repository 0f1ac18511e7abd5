"""Benchmark: a centre's whole morning at once, served the production way (issue #19).

30 simulated minutes around 08:00, compressed `--speed` times, against the server under gunicorn with
`server/gunicorn_conf.py` (the production command line of docs/serving.md), on SQLite and on PostgreSQL:

- two kiosks replaying the rush of 150 children: their real outbox (devices.outbox) and deliverer with the real
  HTTP uplink, one check-in event per child at its arrival (a peak at 08:00);
- 20 tablets and dashboards, logged in: every one keeps the shell's alert stream open, the 8 dashboards the presence
  and ratio streams too; the dashboards and room tablets reload their pages every 10 simulated minutes (they are
  live by their streams), the room tablets poll their board every 30 simulated seconds, and the 保健员's screens
  reload the 晨检 list every 2;
- tablets writing at a real room's rate: 晨检 for each child soon after arrival, meals, bottles and diapers, naps
  and their checks, two incidents and the 表6 ticks;
- 4 sensor agents posting one reading a minute per quantity (CO₂, temperature, humidity) for their rooms;
- the scheduler's minute jobs (ratios, nap patrol, environment, alerts, notices) once per simulated minute.

Printed: p50 / p99 per request type, the stream delay (a check-in scanned → the next presence message on a
dashboard), the longest wait for SQLite's write lock (server/database.py's writers' queue), errors: `database is
locked` / busy in the server's log, 5xx, refused requests. Targets: page loads and care writes p99 ≤ 100 ms, kiosk
batches p99 ≤ 50 ms, streams ≤ 1 s, no busy errors, no 5xx; exit status 1 if one is missed.
The reference, in the same run: `GET /healthz` under the same load (the cheapest request the server answers).

    .venv/bin/python bench/day.py [--speed 10] [--minutes 30] [--postgres postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from figures import figure
from harness import BIN, REPO, gunicorn, scratch_database, tuoyu

sys.path.insert(0, str(REPO))
from devices.delivery import Deliverer, Outcome  # noqa: E402
from devices.outbox import Outbox  # noqa: E402
from devices.uplink import HttpUplink  # noqa: E402
from hardware.clock import SystemClock  # noqa: E402

CHILDREN = 150
DASHBOARDS = 8
TARGETS_MS = {"page": 100.0, "board (tablet poll)": 100.0, "care write": 100.0, "kiosk batch": 50.0}
STREAM_TARGET_S = 1.0

# Runs inside the bench instance: 150 children with a card each, two kiosks, four agents, tokens for the tablets.
PREPARE = """
import json, sys
from datetime import date
from sqlalchemy import select
from server import create_app
from server.attendance.operations.credentials import issue_credential
from server.auth.actor import Actor
from server.auth.models import User
from server.auth.operations import create_token
from server.centre.models import Centre, Room
from server.clock import utcnow
from server.database import db
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.centre.models import ServiceType
from server.people.models import Child, ChildContact, Contact, Relationship, Sex, Staff
from server.people.operations import create_child, create_contact, link_contact
app = create_app()
with app.app_context():
    system, now = Actor.system(), utcnow()
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    rooms = db.session.execute(select(Room).where(Room.centre_id == centre.id).order_by(Room.id)).scalars().all()
    children = db.session.execute(select(Child).where(Child.centre_id == centre.id, Child.room_id.is_not(None))
                                  ).scalars().all()
    for n in range(len(children), int(sys.argv[1])):
        room = rooms[n % len(rooms)]
        child = create_child(centre, name=f"早高峰{n}", sex=Sex.FEMALE if n % 2 else Sex.MALE, born_on=date(2024, 9, 1),
                             enrolled_on=date(2026, 9, 1), service_type=ServiceType.FULL_DAY, room_id=room.id,
                             allergies=None, actor=system, now=now, today=now.date())
        contact = create_contact(centre, name=f"家长{n}", phone="13800138000", user_id=None, actor=system, now=now)
        link_contact(child, contact, relationship=Relationship.MOTHER, is_guardian=True, may_pick_up=True,
                     actor=system, now=now)
        children.append(child)
    families = []
    for child in children[: int(sys.argv[1])]:
        link = db.session.execute(select(ChildContact).where(ChildContact.child_id == child.id,
                                                             ChildContact.may_drop_off)).scalars().first()
        contact = db.session.get(Contact, link.contact_id)
        cred = issue_credential(centre, contact=contact, expires_on=date(2030, 1, 1), actor=system, now=now)
        families.append({"person_id": f"c{contact.id}", "child": child.id, "room": child.room_id,
                         "credential_id": cred.id})
    devices = {}
    for kind, names in ((DeviceKind.KIOSK, ["门1", "门2"]), (DeviceKind.AGENT, ["a1", "a2", "a3", "a4"])):
        for name in names:
            code, _ = create_enrolment_code(centre, kind=kind, name=name, actor=system, now=now)
            device, token = enroll_device(code, kind=kind, name=None, version="0.1.0", now=now)
            devices.setdefault(kind.value, []).append({"device": device.device_id, "token": token})
    tokens = {}
    for username in ("caregiver", "health", "director"):
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        tokens[username], _ = create_token(user, "bench-day", expires_at=None, actor=system, now=now)
    witness = db.session.execute(select(Staff.id).where(Staff.centre_id == centre.id)).scalars().first()
    db.session.commit()
    json.dump({"families": families, "devices": devices, "tokens": tokens, "rooms": [r.id for r in rooms],
               "witness": witness}, sys.stdout)
"""

# Runs in its own process, as `tuoyu scheduler run` would: each minute job once per simulated minute (the slot
# names the simulated minute, so every run is a new slot), timed.
SCHEDULER = """
import json, sys, time
from datetime import UTC, datetime, timedelta
from server import create_app
from server.scheduling.operations import run_once
app = create_app()
jobs = [j for j in app.extensions["tuoyu.jobs"] if "hour" not in j.cron and str(j.cron.get("minute")).startswith("*")]
minutes, period = int(sys.argv[1]), float(sys.argv[2])
start = time.monotonic()
for minute in range(minutes):
    time.sleep(max(0.0, start + minute * period - time.monotonic()))
    for job in jobs:
        if job.cron["minute"] == "*/10" and minute % 10:
            continue
        began = time.perf_counter()
        with app.app_context():
            run_once(job, now=datetime.now(UTC), slot=f"bench-{minute}")
        print(json.dumps({"job": job.id, "ms": (time.perf_counter() - began) * 1000}), flush=True)
"""


@dataclass
class Record:
    """Every request's latency by type; errors by kind."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    stream_delays: list[float] = field(default_factory=list)
    scans: list[tuple[float, float]] = field(default_factory=list)
    watches: list[PresenceWatch] = field(default_factory=list)
    lock = threading.Lock()

    def timed(self, kind: str, client: httpx.Client, method: str, url: str, expect: tuple[int, ...] = (200, 201),
              **kwargs: object) -> httpx.Response | None:
        began = time.perf_counter()
        try:
            response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            self.error(f"{kind}: {type(exc).__name__}")
            return None
        self.add(kind, (time.perf_counter() - began) * 1000)
        if response.status_code >= 500:
            self.error("5xx")
        elif response.status_code not in expect:
            self.error(f"{kind}: HTTP {response.status_code}")
        return response

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            self.latencies[kind].append(ms)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


class Morning:
    """The simulated half hour: `at(minute)` is the real monotonic time of a simulated minute."""

    def __init__(self, minutes: int, speed: float) -> None:
        self.minutes, self.period = minutes, 60.0 / speed
        self.start = time.monotonic() + 1.0
        self.over = threading.Event()

    def at(self, minute: float) -> float:
        return self.start + minute * self.period

    def wait_until(self, minute: float) -> bool:
        """Sleep until the simulated minute; False once the morning is over."""
        return not self.over.wait(max(0.0, self.at(minute) - time.monotonic()))

    def minutes_left(self) -> Iterator[int]:
        for minute in range(self.minutes):
            if not self.wait_until(minute):
                return
            yield minute


# -- the actors ------------------------------------------------------------------------------------------------------

class PresenceWatch:
    """A dashboard's presence stream: remembers when each message arrived, to time scans → screen."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.lock = threading.Lock()

    def seen(self) -> None:
        with self.lock:
            self.arrivals.append(time.monotonic())

    def first_after(self, moment: float) -> float | None:
        with self.lock:
            return next((t for t in self.arrivals if t >= moment), None)


def kiosk(morning: Morning, base: str, device: dict, arrivals: list[tuple[float, dict]], tmp: Path,
          record: Record, scans: list[tuple[float, float]]) -> None:
    """One door: each arrival is put in the real outbox, and the deliverer sends what waits, as the kiosk does."""
    clock = SystemClock()
    outbox = Outbox(tmp / f"{device['device']}.sqlite3", clock, device["device"])
    uplink = TimedUplink(HttpUplink(base, device["token"], client=httpx.Client(timeout=10)), record)
    deliverer = Deliverer(outbox, uplink, clock, random.Random(1), batch_size=100)
    try:
        for minute, family in arrivals:
            if not morning.wait_until(minute):
                break
            scanned = time.monotonic()
            outbox.put("attendance.check_in", {"person_id": family["person_id"], "children": [family["child"]],
                                               "method": "card", "credential_id": family["credential_id"]})
            while deliverer.step() is Outcome.DELIVERED:
                pass
            scans.append((scanned, time.monotonic()))
    finally:
        outbox.close()
        uplink.close()


class TimedUplink:
    """The real uplink, each batch timed as a `kiosk batch`."""

    def __init__(self, inner: HttpUplink, record: Record) -> None:
        self.inner, self.record = inner, record

    def send(self, batch):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return self.inner.send(batch)
        except Exception as exc:
            self.record.error(f"kiosk batch: {type(exc).__name__}")
            raise
        finally:
            self.record.add("kiosk batch", (time.perf_counter() - began) * 1000)

    def close(self) -> None:
        self.inner.close()


def log_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the log-in page"
    answer = client.post("/login", data={"username": username, "password": "tuoyu-demo", "csrf_token": token.group(1)})
    assert answer.status_code == 302 and "/login" not in answer.headers["location"], f"log-in as {username} failed"
    return client


def stream(client: httpx.Client, path: str, morning: Morning, record: Record, watch: PresenceWatch | None) -> None:
    """Keep a server-sent-events stream open all morning, reconnecting as the browser does."""
    while not morning.over.is_set():
        try:
            with client.stream("GET", path, timeout=httpx.Timeout(10, read=60)) as response:
                if response.status_code != 200:
                    record.error(f"stream {path}: HTTP {response.status_code}")
                    return
                for line in response.iter_lines():
                    if morning.over.is_set():
                        return
                    if line.startswith("data:") and watch is not None:
                        watch.seen()
        except httpx.HTTPError as exc:
            if not morning.over.is_set():
                record.error(f"stream: {type(exc).__name__}")


def viewer(base: str, session: httpx.Client, pages: list[str], every: float, morning: Morning, record: Record,
           rng: random.Random) -> None:
    """A tablet or dashboard (its streams' log-in) reloads its pages `every` simulated minutes; a room tablet's
    board asks for its room's cards every 30 simulated seconds, as the tablet's script does."""
    client = httpx.Client(base_url=base, timeout=60, cookies=session.cookies, follow_redirects=True)
    offset, board, last_load = rng.random() * every, None, -math.inf
    try:
        step = 0
        while morning.wait_until(offset + step * 0.5):
            minute, step = offset + step * 0.5, step + 1
            if minute - last_load >= every:
                last_load = minute
                for page in pages:
                    answer = record.timed("page", client, "GET", page)
                    room = re.search(r"/rooms/(\d+)/tablet", str(answer.url)) if answer is not None else None
                    board = f"/api/v1/rooms/{room.group(1)}/board" if room else board
            elif board is not None:
                record.timed("board (tablet poll)", client, "GET", board)
    finally:
        client.close()


def tablet_writes(base: str, prepared: dict, morning: Morning, record: Record, rng: random.Random,
                  arrival_minute: dict[int, float]) -> None:
    """The rooms' care at a real rate: 晨检 after arrival, meals/bottles/diapers, naps and checks, incidents, 表6."""
    carer = httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {prepared['tokens']['caregiver']}"})
    nurse = httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {prepared['tokens']['health']}"})
    checked: set[int] = set()
    naps: list[int] = []
    families = prepared["families"]
    day = datetime.now(UTC).astimezone().date().isoformat()
    try:
        for minute in morning.minutes_left():
            now = datetime.now(UTC).isoformat()
            arrived = [f for f in families if arrival_minute[f["child"]] <= minute]
            # 晨检: the 保健员 sees each child within about two minutes of arrival.
            for family in arrived:
                if family["child"] not in checked and arrival_minute[family["child"]] <= minute - 1:
                    checked.add(family["child"])
                    record.timed("care write", nurse, "POST", f"/api/v1/children/{family['child']}/health-checks",
                                 json={"kind": "morning", "temperature": round(36.3 + rng.random() * 0.6, 1)},
                                 expect=(201,))
            # Each room logs about two care entries a minute once children are in.
            for _ in range(2 * len(prepared["rooms"])):
                if not arrived:
                    break
                child = rng.choice(arrived)["child"]
                body = rng.choice([{"kind": "meal", "share_eaten": "half"}, {"kind": "bottle", "ml": 120},
                                   {"kind": "diaper", "diaper_kind": "wet"}])
                record.timed("care write", carer, "POST", f"/api/v1/children/{child}/care-entries",
                             json={**body, "at": now}, expect=(201,))
            if minute % 10 == 5 and len(arrived) > 3:  # a few early naps among the babies, checked every 5 minutes
                answer = record.timed("care write", carer, "POST",
                                      f"/api/v1/children/{rng.choice(arrived)['child']}/naps", json={"at": now},
                                      expect=(201, 409, 422))
                if answer is not None and answer.status_code == 201:
                    naps.append(answer.json()["id"])
            if minute % 5 == 0:
                for nap in naps:
                    record.timed("care write", carer, "POST", f"/api/v1/naps/{nap}/checks",
                                 json={"position": "back", "at": now}, expect=(201,))
            if minute in (12, 24) and arrived:  # two falls in the morning
                family = rng.choice(arrived)
                record.timed("care write", carer, "POST", f"/api/v1/children/{family['child']}/incidents",
                             json={"occurred_at": now, "room_id": family["room"], "injury_type": "fall",
                                   "body_regions": ["left_knee_front"], "cause": "绊倒", "first_aid": "冷敷",
                                   "treatment": "none", "witness_id": prepared["witness"]}, expect=(201,))
            if minute % 6 == 0:  # 表6: each room airs once in the half hour
                room = prepared["rooms"][(minute // 6) % len(prepared["rooms"])]
                record.timed("care write", carer, "POST", f"/api/v1/rooms/{room}/hygiene/{day}/entries",
                             json={"item": "ventilation", "minutes": 15, "started_at": now}, expect=(201,))
    finally:
        carer.close()
        nurse.close()


def agent(base: str, device: dict, rooms: list[int], morning: Morning, record: Record) -> None:
    """A sensor agent: each simulated minute, one reading per quantity for each of its rooms, in one batch."""
    client = httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {device['token']}"})
    stream_id, sequence = f"bench-{device['device']}", 0
    try:
        for minute in morning.minutes_left():
            at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            events = []
            for room in rooms:
                sequence += 1
                events.append({"key": str(uuid.uuid4()),
                               "device_id": device["device"], "stream": stream_id, "sequence": sequence,
                               "kind": "reading", "created_at": at,
                               "payload": {"sensor": f"scd41-{room}", "model": "SCD41", "location": f"room:{room}",
                                           "values": {"co2_ppm": 650.0 + 10 * minute, "temperature_c": 22.5,
                                                      "humidity_pct": 48.0}}})
            body = {"protocol_version": 1, "device_id": device["device"], "sent_at": at, "events": events}
            record.timed("sensor batch", client, "POST", "/api/v1/devices/events", json=body)
    finally:
        client.close()


def reference(base: str, morning: Morning, record: Record) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        for _minute in morning.minutes_left():
            for _ in range(5):
                record.timed("reference: /healthz", client, "GET", "/healthz")


# -- the run ---------------------------------------------------------------------------------------------------------

def arrival_minutes(n: int, minutes: int, rng: random.Random) -> list[float]:
    """The rush: a triangular peak in the middle of the half hour."""
    return sorted(rng.triangular(0, minutes - 1, minutes / 2) for _ in range(n))


def run_actors(base: str, code: str, prepared: dict, viewers: list[tuple[str, list[str], float]],
               doors: list[list[tuple[float, dict]]], arrival: dict[int, float], morning: Morning, record: Record,
               tmp: Path, minutes: int, scheduler: subprocess.Popen) -> str:
    """Start every actor of the morning, wait for its end, return the scheduler's timings."""
    watches, threads, scans = [], [], []
    for i, (username, pages, every) in enumerate(viewers[:20]):
        client = log_in(base, username)
        threads.append(threading.Thread(target=stream, args=(client, "/alerts/stream", morning, record, None)))
        if i < DASHBOARDS:
            watch = PresenceWatch()
            watches.append(watch)
            threads.append(threading.Thread(target=stream, args=(
                client, f"/api/v1/centres/{code}/presence/stream", morning, record, watch)))
            threads.append(threading.Thread(target=stream, args=(
                client, f"/api/v1/centres/{code}/ratios/stream", morning, record, None)))
        threads.append(threading.Thread(target=viewer, args=(base, client, pages, every, morning, record,
                                                              random.Random(i))))
    for door, device in zip(doors, prepared["devices"]["kiosk"], strict=True):
        threads.append(threading.Thread(target=kiosk, args=(morning, base, device, door, tmp, record, scans)))
    rooms = prepared["rooms"]
    for n, device in enumerate(prepared["devices"]["agent"]):
        threads.append(threading.Thread(target=agent, args=(base, device, rooms[n::4] or rooms[:1], morning,
                                                            record)))
    threads.append(threading.Thread(target=tablet_writes, args=(base, prepared, morning, record,
                                                                random.Random(3), arrival)))
    threads.append(threading.Thread(target=reference, args=(base, morning, record)))
    for thread in threads:
        thread.daemon = True
        thread.start()
    morning.wait_until(minutes + 0.5)
    morning.over.set()
    jobs_out, _ = scheduler.communicate(timeout=600)
    for thread in threads:
        thread.join(timeout=90)
    record.scans, record.watches = scans, watches
    return jobs_out


def warm_up(base: str, viewers: list[tuple[str, list[str], float]]) -> None:
    """Load each page once before the clock starts (templates compiled, rulebook loaded), as a centre's server is."""
    for username, pages, _every in {v[0]: v for v in viewers}.values():
        client = log_in(base, username)
        for page in pages:
            client.get(page)
        client.close()


def run_morning(env: dict[str, str], tmp: Path, minutes: int, speed: float,
                seeded: Path | None = None) -> tuple[Record, dict]:
    if seeded is not None and not env["TUOYU_DATABASE_URL"]:  # a copy of a seeded demo file, to save the seeding
        instance = Path(env["TUOYU_INSTANCE_PATH"])
        instance.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(seeded, instance / "tuoyu.sqlite3")
    tuoyu(env, "db", "upgrade")
    tuoyu(env, "seed-demo")
    prepared = json.loads(subprocess.run([str(BIN / "python"), "-c", PREPARE, str(CHILDREN)], env=env, cwd=REPO,
                                         check=True, capture_output=True, text=True).stdout)
    metrics_dir = tmp / "metrics"
    metrics_dir.mkdir()
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    record, rng, log = Record(), random.Random(19), tmp / "gunicorn.log"
    families = prepared["families"]
    minutes_in = arrival_minutes(len(families), minutes, rng)
    rng.shuffle(families)
    arrival = {f["child"]: m for f, m in zip(families, minutes_in, strict=True)}
    doors: list[list[tuple[float, dict]]] = [[], []]
    for i, family in enumerate(sorted(families, key=lambda f: arrival[f["child"]])):
        doors[i % 2].append((arrival[family["child"]], family))
    code = "demo"
    # (who, pages, reloaded every N simulated minutes): the dashboards are live by their streams, reloaded now and
    # then; the room tablets reload now and then and poll their board; the 保健员's 晨检 list is reloaded often.
    viewers = [("director", ["/", f"/centres/{code}/attendance", f"/centres/{code}/hygiene"], 10.0)] * DASHBOARDS
    viewers += [("caregiver", [f"/centres/{code}/tablet"], 10.0)] * len(prepared["rooms"])  # → the carer's room
    viewers += [("health", [f"/centres/{code}/health-checks"], 2.0)] * (20 - len(viewers))
    with gunicorn("server:create_app()", env, log=log) as base:
        warm_up(base, viewers)
        morning = Morning(minutes, speed)
        scheduler = subprocess.Popen([str(BIN / "python"), "-c", SCHEDULER, str(minutes), str(morning.period)],
                                     env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
        try:
            jobs_out = run_actors(base, code, prepared, viewers, doors, arrival, morning, record, tmp, minutes,
                                  scheduler)
        finally:
            if scheduler.poll() is None:
                scheduler.kill()
    for line in jobs_out.splitlines():
        record.add("scheduler minute job", json.loads(line)["ms"])
    for scanned, acked in record.scans:
        arrivals = [w.first_after(acked) for w in record.watches]
        seen = [t for t in arrivals if t is not None]
        if seen:
            record.stream_delays.extend(t - scanned for t in seen)
        else:
            record.error("stream: a check-in never reached a dashboard")
    text = log.read_text(errors="replace")
    busy = len(re.findall(r"database is locked|database is busy|SQLITE_BUSY", text))
    return record, {"busy": busy, "lock_wait_s": longest_lock_wait(metrics_dir), "families": len(families)}


def longest_lock_wait(metrics_dir: Path) -> float | None:
    """The longest wait for SQLite's write lock in any worker (server/database.py's gauge), or None."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(metrics_dir))
    waits = [s.value for m in registry.collect() if m.name == "tuoyu_sqlite_write_lock_wait_max_seconds"
             for s in m.samples]
    return max(waits) if waits else None


def report(database: str, title: str, record: Record, extra: dict) -> bool:
    print(f"\n{title}")
    print(f"{'request type':<28}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'target':>9}")
    ok = True
    reference = percentile(record.latencies.get("reference: /healthz", []), 0.99)
    for kind, values in sorted(record.latencies.items()):
        target = TARGETS_MS.get(kind)
        p99 = percentile(values, 0.99)
        ok &= target is None or p99 <= target
        print(f"{kind:<28}{len(values):>7}{percentile(values, 0.5):>9.1f}{p99:>9.1f}"
              f"{'' if target is None else f'≤ {target:.0f}':>9}")
        if target is not None:
            figure(f"{database}: {kind} p99", round(p99, 1), "ms", at_most=target,
                   reference=f"/healthz p99 {reference:.1f} ms")
    delays = record.stream_delays
    print(f"stream delay, scan → dashboard: p50 {percentile(delays, 0.5):.2f} s, max {max(delays, default=math.nan):.2f} s"
          f" (target ≤ {STREAM_TARGET_S:.0f} s)")
    ok &= bool(delays) and max(delays) <= STREAM_TARGET_S
    figure(f"{database}: stream delay, scan → dashboard, max", round(max(delays, default=math.inf), 2), "s",
           at_most=STREAM_TARGET_S)
    wait = extra["lock_wait_s"]
    print("longest write-lock wait: " + ("n/a (PostgreSQL locks rows)" if wait is None else f"{wait * 1000:.1f} ms"))
    print(f"database is locked / busy in the server log: {extra['busy']}")
    print("errors: " + (", ".join(f"{k} × {v}" for k, v in sorted(record.errors.items())) or "none"))
    ok &= extra["busy"] == 0 and not record.errors
    if wait is not None:
        figure(f"{database}: longest write-lock wait", round(wait * 1000, 1), "ms")
    figure(f"{database}: busy errors + 5xx + refused", extra["busy"] + sum(record.errors.values()), at_most=0)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--speed", type=float, default=10.0, help="simulated minutes per real minute")
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--postgres", help="also run on a scratch database of this PostgreSQL server")
    parser.add_argument("--seeded", type=Path, help="SQLite: start from a copy of this seeded demo database file")
    args = parser.parse_args()
    ok = True
    for kind in ["sqlite"] + (["postgresql"] if args.postgres else []):
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            env = {**os.environ, "TUOYU_INSTANCE_PATH": str(tmp / "instance"), "TUOYU_SECRET_KEY": "bench",
                   "TUOYU_DATABASE_URL": ""}
            with scratch_database(args.postgres) if kind == "postgresql" else nullcontext(None) as url:
                if url:
                    env["TUOYU_DATABASE_URL"] = url
                record, extra = run_morning(env, tmp, args.minutes, args.speed, args.seeded)
            ok &= report(kind, f"{kind}: {args.minutes} simulated minutes at {args.speed:g}×, {extra['families']} children, "
                         f"2 kiosks, 20 tablets/dashboards, 4 agents, minute jobs; gunicorn -w 2 "
                         f"(server/gunicorn_conf.py)", record, extra)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
