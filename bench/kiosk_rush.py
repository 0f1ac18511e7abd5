"""Benchmark: the morning rush at the door, through the whole kiosk process, in accelerated time.

150 children of 110 families (40 with two children) arrive within 30 minutes at two kiosks. Each
kiosk is the real coordinator (``kiosk.machine.Kiosk``) on a FakeClock, with a ReplayCamera showing the
family's card or phone code at a realistic arrival time (a peak around 08:00), mock GPIO, a real
SQLite outbox and a real HTTP uplink to a local fake server (``kiosk.fake_server``). A family with
two children taps "confirm" 2.5 s after the scan. The server is down for ``--outage-min`` minutes in
the middle of the rush, so part of the morning is delivered late.

Printed: events created, delivered, duplicates on the server (must be 0), dropped (must be 0),
presence at the end (all 150 in, on the kiosks and replayed on the server), and the per-scan
processing time from frame capture to LED set (perf_counter; read + decode + verify + decide +
outbox commit + GPIO), median / p95 / max. Exit status 1 if a must-be figure is wrong.

The bare reference beside it is ``hardware.qr.decode`` alone on the same 720p frames with a code
in view: what the kiosk adds on top of decoding.

    .venv/bin/python bench/kiosk_rush.py [--families 110] [--twins 40] [--minutes 30] [--outage-min 10]
                                         [--phones 0.4] [--size 1280x720] [--seed 7] [--outbox-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import math
import platform
import random
import ssl
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from figures import figure

from devices.delivery import Deliverer
from devices.uplink import HttpUplink
from devices.wire.card import issue_card
from devices.wire.keys import public_key_text
from devices.wire.phone import phone_code
from devices.wire.roster import (
    PersonKind,
    PhoneEnrolment,
    RosterCentre,
    RosterChild,
    RosterCredential,
    RosterDocument,
    RosterPerson,
    expand_keys,
)
from hardware.camera.replay import ReplayCamera
from hardware.clock import FakeClock
from hardware.gpio import KioskSignals, open_pin_factory
from hardware.qr import decode
from kiosk.config import config_from_mapping
from kiosk.events import EventWriter
from kiosk.fake_server import FakeKioskServer
from kiosk.machine import Kiosk
from kiosk.presence import Presence
from kiosk.roster import RosterCache
from kiosk.screens import Screen
from kiosk.sync import Enrolment, PhotoCache, RosterSync

CENTRE_ID = 7
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 7, 7, 45, tzinfo=SHANGHAI).astimezone(UTC)  # Monday 07:45 in Shanghai
FPS = 30.0
FRAME = timedelta(seconds=1 / FPS)
HOLD_FRAMES = 36  # a card held up for 1.2 s
TAP_AFTER = timedelta(seconds=2.5)  # a parent of two taps "confirm"
WALK_THROUGH = timedelta(seconds=4)  # the next family steps up after this


def key(seed: str) -> Ed25519PrivateKey:
    """A deterministic Ed25519 key."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())


CENTRE_KEY = key("rush centre")


@dataclass(frozen=True)
class Family:
    """One adult bringing one or two children; ``phone`` families show a rotating phone code."""

    number: int
    children: tuple[int, ...]
    phone: bool
    arrival: datetime
    kiosk: int

    @property
    def person_id(self) -> str:
        return f"c{self.number}"

    @property
    def credential_id(self) -> int:
        return 1000 + self.number

    def text(self, at: datetime) -> str:
        """What the family holds up to the camera at ``at``."""
        if self.phone:
            return phone_code(key(f"phone {self.number}"), self.credential_id, at)
        return issue_card(CENTRE_KEY, centre_id=CENTRE_ID, credential_id=self.credential_id, person_id=self.person_id,
                          serial=1, issued_at=START - timedelta(days=30), expires_on=date(2027, 8, 31))


def make_families(args: argparse.Namespace, rng: random.Random) -> list[Family]:
    """Families with arrival times peaking at the middle of the window (triangular distribution)."""
    window = args.minutes * 60.0
    families, child = [], 1
    for number in range(1, args.families + 1):
        count = 2 if number <= args.twins else 1
        arrival = START + timedelta(seconds=round(rng.triangular(0, window, window / 2), 3))
        families.append(Family(number, tuple(range(child, child + count)), rng.random() < args.phones, arrival,
                               rng.randrange(args.kiosks)))
        child += count
    return sorted(families, key=lambda f: f.arrival)


def make_roster(families: list[Family]) -> RosterDocument:
    """The centre's signed-roster document for these families."""
    persons, credentials, children = [], [], []
    for family in families:
        persons.append(RosterPerson(family.person_id, f"家长{family.number}", PersonKind.GUARDIAN,
                                    drop_off=family.children, pick_up=family.children))
        phones = (PhoneEnrolment(family.number, public_key_text(key(f"phone {family.number}"))),) if family.phone else ()
        credentials.append(RosterCredential(family.credential_id, family.person_id, date(2027, 8, 31), card_serial=1,
                                            phones=phones))
        children.extend(RosterChild(c, f"幼儿{c}", "托小班") for c in family.children)
    return RosterDocument(centre=RosterCentre(CENTRE_ID, "RUSH-001", "Asia/Shanghai"), version=1,
                          generated_at=START - timedelta(hours=2), keys=expand_keys([CENTRE_KEY.public_key()]),
                          persons=tuple(persons), credentials=tuple(credentials), children=tuple(children))


@dataclass
class Door:
    """One kiosk and its fakes."""

    kiosk: Kiosk
    clock: FakeClock
    camera: ReplayCamera
    events: EventWriter
    deliverer: Deliverer
    free_at: datetime
    resources: list[Any]

    def step_to(self, at: datetime) -> None:
        """Let time pass to ``at`` (the loop would have run meanwhile: one step applies what fell due)."""
        if at > self.clock.now():
            self.clock.advance(at - self.clock.now())
        self.kiosk.step()

    def close(self) -> None:
        self.camera.close()
        for resource in self.resources:
            resource.close()


def make_door(index: int, server: FakeKioskServer, base: Path, size: tuple[int, int], ssl_context: ssl.SSLContext,
              rng: random.Random) -> Door:
    """A kiosk wired as the runtime wires it, with its deliverer and roster sync stepped inline."""
    device, clock = f"kiosk-{index + 1:02d}", FakeClock(current=START)
    token = server.add_device(device)
    data_dir = base / device
    config = config_from_mapping({"server_url": server.base_url, "data_dir": str(data_dir),
                                  "label": f"门{index + 1}", "camera": {"kind": "replay", "size": list(size)}})
    enrolment = Enrolment(device, CENTRE_ID, "RUSH-001", server.base_url,
                          (public_key_text(CENTRE_KEY.public_key()),), token)
    enrolment.save(data_dir)
    camera = ReplayCamera(clock=clock, size=size, fps=FPS, seed=index)
    factory = open_pin_factory("fake")
    signals = KioskSignals(config.gpio.pins, factory, clock, config.gpio.timings)
    events = EventWriter(config.outbox_path, clock, device)
    clients = [httpx.Client(timeout=5.0, verify=ssl_context) for _ in range(2)]
    deliverer = Deliverer(events.outbox, HttpUplink(server.base_url, token, client=clients[0]), clock,
                          random.Random(rng.random()), batch_size=100)
    cache = RosterCache(config.roster_dir, enrolment.public_keys(), CENTRE_ID)
    sync = RosterSync(server.base_url, token, cache, PhotoCache(config.photo_dir), clock, clients[1])
    sync.sync_now()
    kiosk = Kiosk(config, clock=clock, camera=camera, signals=signals, events=events, roster_cache=cache,
                  photos=PhotoCache(config.photo_dir), deliverer=deliverer, sync=sync, inline_io=True,
                  presence=Presence(clock, SHANGHAI, config.presence_path), centre_code="RUSH-001")
    camera.start()
    return Door(kiosk, clock, camera, events, deliverer, START, [signals, factory, events, *clients])


def visit(door: Door, family: Family) -> tuple[bool, list[float]]:
    """One family at the door: hold the code up, confirm two children, walk through. (ok, scan-to-LED s)."""
    start = max(family.arrival, door.free_at)
    measured = len(door.kiosk.latencies)
    door.step_to(start - FRAME)  # the idle loop saw an empty scene just before
    door.camera.show(family.text(door.clock.now() + FRAME))
    verdicts = []
    for _ in range(HOLD_FRAMES):
        door.clock.advance(FRAME)
        verdicts.extend(door.kiosk.step())
    ok = len(verdicts) == 1 and verdicts[0].accepted
    if door.kiosk.screen is Screen.CONFIRM:
        door.clock.advance(TAP_AFTER - HOLD_FRAMES * FRAME)
        door.kiosk.confirm()
    door.camera.clear()
    door.free_at = door.clock.now() + WALK_THROUGH
    ok = ok and set(family.children) <= door.kiosk.presence.children
    return ok, list(door.kiosk.latencies)[measured:]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def decode_reference(size: tuple[int, int], texts: list[str]) -> list[float]:
    """hardware.qr.decode alone on 720p frames with a code in view: the bare reference."""
    camera = ReplayCamera(clock=FakeClock(current=START), size=size, fps=FPS)
    camera.start()
    times = []
    for text in texts:
        frame = camera.show(text)
        started = time.perf_counter()
        decode(frame)
        times.append(time.perf_counter() - started)
    camera.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=110)
    parser.add_argument("--twins", type=int, default=40, help="families with two children")
    parser.add_argument("--kiosks", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--outage-min", type=float, default=10.0, help="server down this long mid-rush (0: never)")
    parser.add_argument("--phones", type=float, default=0.4, help="share of families showing a phone code")
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--outbox-dir", type=Path, default=None, help="where the outbox files go (default: a temp dir)")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    assert len(size) == 2
    rng = random.Random(args.seed)
    families = make_families(args, rng)
    children_total = sum(len(f.children) for f in families)
    ssl_context = ssl.create_default_context()

    server = FakeKioskServer(CENTRE_KEY, centre_id=CENTRE_ID, centre_code="RUSH-001")
    server.publish(make_roster(families))
    server.up()
    outage_from = START + timedelta(minutes=(args.minutes - args.outage_min) / 2)
    outage_to = outage_from + timedelta(minutes=args.outage_min)
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=args.outbox_dir) as base:
        doors = [make_door(i, server, Path(base), size, ssl_context, rng) for i in range(args.kiosks)]
        queue = [(f.arrival, f.number, f) for f in families]
        heapq.heapify(queue)
        ok_count, frames, failures = 0, 0, []
        at_once: list[float] = []  # one child: the outbox commit happens before the LED
        confirm: list[float] = []  # two children: the scan shows the confirm screen, the commit waits for the tap
        while queue:
            _, _, family = heapq.heappop(queue)
            door = doors[family.kiosk]
            now = max(family.arrival, door.free_at)
            if args.outage_min > 0 and outage_from <= now < outage_to and server.is_up:
                server.down()
            elif (now >= outage_to or args.outage_min <= 0) and not server.is_up:
                server.up()
            ok, measured = visit(door, family)
            ok_count += ok
            frames += HOLD_FRAMES
            (confirm if len(family.children) > 1 else at_once).extend(s * 1000 for s in measured)
            if not ok:
                failures.append(family.number)
        if not server.is_up:
            server.up()
        end_of_rush = max(d.clock.now() for d in doors)
        for door in doors:  # the loops keep running after the rush: let the deliverers catch up
            door.step_to(end_of_rush)
            for _ in range(50):
                if door.events.pending_count() == 0:
                    break
                door.step_to(door.clock.now() + timedelta(seconds=max(door.deliverer.seconds_until_next_attempt(),
                                                                        1 / FPS)))
        wall = time.perf_counter() - wall
        created = sum(d.events.outbox.last_sequence() for d in doors)
        pending = sum(d.events.pending_count() for d in doors)
        dead = sum(d.events.outbox.dead_count() for d in doors)
        latencies = [s * 1000 for d in doors for s in d.kiosk.latencies]
        kiosk_presence = set().union(*(d.kiosk.presence.children for d in doors))
        per_kiosk = [len(d.kiosk.latencies) for d in doors]
        for door in doors:
            door.close()
    server.down()

    stored = server.events()
    delivered = len(stored)
    resent = sum(1 for count in server.deliveries.values() if count > 1)
    checked_in = Counter(c for e in stored if e.kind == "attendance.check_in" for c in e.payload["children"])
    duplicates = sum(n - 1 for n in checked_in.values() if n > 1)
    dropped = created - delivered - dead
    server_presence = server.presence()
    reference = decode_reference(size, [f.text(START) for f in families[:40]])

    print(f"machine   {platform.machine()} {platform.processor() or ''} python {platform.python_version()}".rstrip())
    print(f"rush      {args.families} families ({args.twins} with two children), {children_total} children, "
          f"{args.kiosks} kiosks, {args.minutes:g} min from 07:45, {args.phones:.0%} phone codes, "
          f"camera {size[0]}x{size[1]} @ {FPS:g} fps")
    print(f"outage    server down {args.outage_min:g} min "
          f"({outage_from.astimezone(SHANGHAI):%H:%M}-{outage_to.astimezone(SHANGHAI):%H:%M})"
          if args.outage_min > 0 else "outage    none")
    print(f"wall time {wall:.1f} s for {frames} frames held up plus idle steps")
    print()
    print(f"{'events created':<34} {created:>6}")
    print(f"{'  made while the server was down':<34} {sum(outage_from <= e.created_at < outage_to for e in stored):>6}")
    print(f"{'events delivered (stored once)':<34} {delivered:>6}")
    print(f"{'  resent, answered duplicate':<34} {resent:>6}")
    print(f"{'duplicates on the server':<34} {duplicates:>6}   must be 0")
    print(f"{'dropped':<34} {dropped:>6}   must be 0")
    print(f"{'dead letters / still waiting':<34} {dead:>3} / {pending:<3}")
    print(f"{'scans accepted first time':<34} {ok_count:>6} of {len(families)} (per kiosk {per_kiosk})")
    print(f"{'present on the kiosks':<34} {len(kiosk_presence):>6} of {children_total}")
    print(f"{'present replayed on the server':<34} {len(server_presence):>6} of {children_total}")
    print()
    print(f"{'scan to LED (ms)':<34} {'count':>6} {'median':>8} {'p95':>8} {'max':>8}")
    print(f"{'kiosk: read..decode..outbox..GPIO':<34} {len(latencies):>6} {statistics.median(latencies):>8.2f} "
          f"{percentile(latencies, 95):>8.2f} {max(latencies):>8.2f}")
    for label, values in (("  one child (commit, then LED)", at_once), ("  two children (confirm screen)", confirm)):
        if values:
            print(f"{label:<34} {len(values):>6} {statistics.median(values):>8.2f} "
                  f"{percentile(values, 95):>8.2f} {max(values):>8.2f}")
    ref_ms = [s * 1000 for s in reference]
    print(f"{'reference: decode() alone':<34} {len(ref_ms):>6} {statistics.median(ref_ms):>8.2f} "
          f"{percentile(ref_ms, 95):>8.2f} {max(ref_ms):>8.2f}")
    good = (duplicates == 0 and dropped == 0 and pending == 0 and dead == 0 and delivered == created
            and len(kiosk_presence) == len(server_presence) == children_total and not failures)
    if failures:
        print(f"families not checked in at the first scan: {failures}")
    print("OK" if good else "FAILED")
    figure("duplicates on the server", duplicates, at_most=0)
    figure("dropped", dropped, at_most=0)
    figure("dead letters + still waiting", dead + pending, at_most=0)
    figure("delivered of created", delivered, at_least=created)
    figure("scans accepted first time", ok_count, at_least=len(families))
    figure("present replayed on the server", len(server_presence), at_least=children_total)
    figure("scan to LED p95", percentile(latencies, 95), "ms", reference=percentile(ref_ms, 95))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
