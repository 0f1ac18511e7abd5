"""Benchmark: the parent loop (#16) — the family's day, the notifier's outbox drain, the hourly reminder job.

The demo centre (no history: its mothers have log-ins) on a migrated SQLite file, or a scratch PostgreSQL database
with --postgres URL. Each figure beside a reference measured in the same run:

- **The family's day.** The demo parent's child gets a full Monday through the real operations (a kiosk scan in,
  an abnormal 晨检, three meals, two bottles, water, four diapers, a nap checked every 15 min, the class outdoors,
  two notes and an observation, a scan out). Then, logged in as the mother through the form, through the app's test
  client (request path, authorisation, access logging included): `GET /centres/demo/family/children/<id>/day`
  (the page) and `GET /api/v1/family/children/<id>/day` (JSON), `--requests` each; p50 and p99 against
  `GET /healthz` (no query: the same request path alone).
- **The outbox drain.** An Apprise channel (`json://127.0.0.1:<port>/hook/{address}`) to a local HTTP receiver
  (a threaded stdlib server answering 200); every guardian with a log-in gives an address; `--notices` notices
  are queued (one portal row and one push row per guardian with a log-in), then `notices.jobs.drain_outbox` runs
  until nothing is due: pushes per second as the receiver counted them. Reference: the same number of JSON POSTs
  to the same receiver, from a bare loop with httpx — one `httpx.post` per message (a new client each: its TLS
  context is built every time), one `httpx.Client` with `Connection: close` (a new connection each, as Apprise
  makes) and one `httpx.Client` kept alive.
- **The reminder job.** 1 000 notices waiting for an acknowledgement; `notices.jobs.remind` the hour after their
  deadline (it issues 1 000 reminders, each with its push rows), then the hours after (nothing due: the job's
  steady cost, every hour). Reference: one `SELECT count(*)` of the notices through the same session.

    .venv/bin/python bench/parent_loop.py [--requests 200] [--notices 300] [--postgres postgresql://…]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from figures import figure  # noqa: E402
from harness import scratch_database  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from hardware.clock import FakeClock  # noqa: E402
from server import create_app  # noqa: E402
from server.database import db  # noqa: E402

START = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # Tuesday 8 December 2026, 07:00 in Shanghai
SUBJECT = "Something abnormal was found at your child's health check"
PASSWORD = "tuoyu-demo"
REMINDER_NOTICES = 1000


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def _timed(run: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return _percentiles(samples)


class _Receiver(BaseHTTPRequestHandler):
    """The local push receiver: reads the body, answers 200, counts."""

    count = 0
    lock = threading.Lock()
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms delayed-ACK stall per answer

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with _Receiver.lock:
            _Receiver.count += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def _log_in(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code in (302, 303), answer.status_code
    return client


def _full_day(clock: FakeClock) -> int:
    """The demo parent's first child's full day, through the real operations; answers the child's id."""
    from compliance.health import CheckKind
    from devices.wire.protocol import Event, new_key
    from server.attendance.models import Credential
    from server.attendance.operations.kiosk_events import handle_kiosk_event
    from server.auth.actor import Actor
    from server.auth.models import User
    from server.care.notes import write_note
    from server.care.operations.log import log_entry
    from server.care.operations.naps import end_nap, record_nap_check, start_nap
    from server.care.operations.outdoor import record_outdoor
    from server.centre.models import Centre, Room
    from server.fleet.models import DeviceKind
    from server.fleet.operations import create_enrolment_code, enroll_device
    from server.health.checks.operations import record_check
    from server.people.models import Child, ChildContact, Contact

    system = Actor.system()
    user = db.session.execute(select(User).where(User.username == "parent")).scalar_one()
    mother = db.session.execute(select(Contact).where(Contact.user_id == user.id)).scalar_one()
    child = db.session.execute(select(Child).join(ChildContact, ChildContact.child_id == Child.id)
                               .where(ChildContact.contact_id == mother.id).order_by(Child.id)).scalars().first()
    centre = db.session.get(Centre, child.centre_id)
    room = db.session.get(Room, child.room_id)
    card = db.session.execute(select(Credential).where(Credential.contact_id == mother.id)).scalar_one()
    code, _ = create_enrolment_code(centre, kind=DeviceKind.KIOSK, name="门口", actor=system, now=clock.now())
    device, _ = enroll_device(code, kind=DeviceKind.KIOSK, name=None, version=None, now=clock.now())

    def at(hour: int, minute: int = 0) -> datetime:
        clock.current = START + timedelta(hours=hour - 7, minutes=minute)
        return clock.current

    def scan(kind: str, now: datetime) -> None:
        handle_kiosk_event(device, Event(key=new_key(), device_id=device.device_id, stream=new_key(), sequence=1,
                                         kind=kind, created_at=now,
                                         payload={"person_id": f"c{mother.id}", "children": [child.id],
                                                  "method": "card", "credential_id": card.id}), now)

    scan("attendance.check_in", at(8, 5))
    record_check(child, kind=CheckKind.MORNING, temperature="36.9", hands_mouth_eyes_ok=True, skin_ok=False,
                 spirits_ok=True, asked_ok=True, dangerous_objects_found=False, findings="手背红疹",
                 to_observation_room=False, completes_id=None, actor=system, now=at(8, 10))
    for hour, minute, share in ((8, 40, "all"), (11, 30, "most"), (15, 0, "half")):
        log_entry(child, kind="meal", share_eaten=share, note="", actor=system, now=at(hour, minute))
    for hour in (9, 14):
        log_entry(child, kind="bottle", ml=150, actor=system, now=at(hour, 45))
    log_entry(child, kind="water", ml=100, actor=system, now=at(10, 20))
    for hour, kind in ((9, "wet"), (11, "soiled"), (14, "wet"), (16, "dry")):
        log_entry(child, kind="diaper", diaper_kind=kind, actor=system, now=at(hour, 30))
    record_outdoor(room, minutes=45, started_at=at(9, 50), actor=system, now=at(10, 40))
    nap = start_nap(child, actor=system, now=at(12, 15))
    for quarter in range(1, 9):
        record_nap_check(nap, position="back", actor=system, now=at(12, 15 + 15 * quarter))
    end_nap(nap, actor=system, now=at(14, 30))
    write_note(child, body="今天搭积木很专注。", actor=system, now=at(15, 30))
    write_note(child, body="能说出四个字的短句。", kind="observation", domain="language", actor=system, now=at(15, 31))
    write_note(child, body="午饭后有点困。", actor=system, now=at(15, 32))
    scan("attendance.check_out", at(17, 30))
    at(18, 0)
    db.session.commit()
    return child.id


def _bench_day(app, clock: FakeClock, requests: int) -> list[tuple[str, float, float]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        child_id = _full_day(clock)
    mother = _log_in(app, "parent")
    page, api = f"/centres/demo/family/children/{child_id}/day", f"/api/v1/family/children/{child_id}/day"
    answer = mother.get(api)
    assert answer.status_code == 200, (answer.status_code, answer.get_data(as_text=True)[:300])
    moments = len(answer.get_json().get("items", []))
    assert mother.get(page).status_code == 200
    for _ in range(10):  # warm up
        mother.get(page), mother.get(api), mother.get("/healthz")
    rows = [("GET /healthz (reference)", *_timed(lambda: mother.get("/healthz"), requests)),
            (f"family day page ({moments} moments)", *_timed(lambda: mother.get(page), requests)),
            (f"family day API ({moments} moments)", *_timed(lambda: mother.get(api), requests))]
    return rows


def _guardians_with_addresses(channel_id: int, now: datetime) -> int:
    from server.auth.models import User
    from server.auth.operations import actor_for
    from server.notices.settings_ops import save_preferences
    from server.people.models import Contact
    from server.people.operations import contacts_of_user

    count = 0
    for contact in db.session.execute(select(Contact).where(Contact.user_id.is_not(None))
                                      .order_by(Contact.id)).scalars().all():
        user = db.session.get(User, contact.user_id)
        save_preferences(contact, language="", quiet_start="", quiet_end="", addresses={channel_id: f"m{contact.id}"},
                         languages=["zh_Hans_CN", "en"], actor=actor_for(user, contacts_of_user), now=now)
        count += 1
    db.session.commit()
    return count


def _children() -> list[int]:
    from server.people.models import Child

    return list(db.session.execute(select(Child.id).where(Child.left_on.is_(None)).order_by(Child.id)).scalars())


def _queue(n: int, now: datetime) -> None:
    from server.auth.actor import Actor
    from server.centre.models import Centre
    from server.notices.operations import queue_notice

    centre_id = db.session.execute(select(Centre.id).where(Centre.code == "demo")).scalar_one()
    children = _children()
    for i in range(n):
        queue_notice(centre_id=centre_id, child_id=children[i % len(children)], kind="health_check.abnormal",
                     subject=SUBJECT, detail={}, actor=Actor.system(), now=now)
    db.session.commit()


def _bench_drain(app, clock: FakeClock, notices: int) -> list[tuple[str, float, str]]:  # type: ignore[no-untyped-def]
    from server.centre.models import Centre
    from server.notices.jobs import drain_outbox
    from server.notices.models import NoticeOutbox
    from server.notices.sealing import Sealer
    from server.notices.settings_ops import add_channel

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        with app.app_context():
            from server.auth.actor import Actor

            clock.current = START + timedelta(days=1, hours=3)  # Tuesday 10:00 local: no quiet hours
            now = clock.current
            centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
            channel = add_channel(centre, name="推送", url_template=f"json://127.0.0.1:{port}/hook/{{address}}",
                                  sealer=Sealer(str(app.config["SECRET_KEY"])), actor=Actor.system(), now=now)
            db.session.commit()
            guardians = _guardians_with_addresses(channel.id, now)
            drain_outbox(now)  # whatever the set-up queued, out of the way
            db.session.commit()
            _Receiver.count = 0
            _queue(notices, now)
            pushes = db.session.execute(select(func.count()).select_from(NoticeOutbox).where(
                NoticeOutbox.channel != "portal", NoticeOutbox.status == "pending")).scalar_one()
            start = time.perf_counter()
            while drain_outbox(now).sent:
                pass
            elapsed = time.perf_counter() - start
            delivered = _Receiver.count
            assert delivered == pushes, (delivered, pushes)
        body = {"version": "1.0", "title": "托育通知", "message": "有一条关于小明的通知，请查看并确认：/centres/demo/family/notices/1",
                "type": "info"}
        url = f"http://127.0.0.1:{port}/hook/m1"
        start = time.perf_counter()
        for _ in range(delivered):
            httpx.post(url, json=body)
        fresh = time.perf_counter() - start
        with httpx.Client(headers={"Connection": "close"}) as client:
            start = time.perf_counter()
            for _ in range(delivered):
                client.post(url, json=body)
            closed = time.perf_counter() - start
        with httpx.Client() as client:
            start = time.perf_counter()
            for _ in range(delivered):
                client.post(url, json=body)
            kept = time.perf_counter() - start
    finally:
        server.shutdown()
        server.server_close()
    note = f"{notices} notices, {delivered} pushes ({guardians} guardians with an address)"
    return [("outbox drain, Apprise json:// channel", delivered / elapsed, note),
            ("bare httpx.post loop (reference)", delivered / fresh, "a new client (TLS context too) per message"),
            ("bare httpx.Client, Connection: close", delivered / closed, "a new connection per message"),
            ("bare httpx.Client loop (reference)", delivered / kept, "one kept-alive connection")]


def _bench_reminders(app, clock: FakeClock, rounds: int) -> list[tuple[str, float, float]]:  # type: ignore[no-untyped-def]
    from server.notices.jobs import remind
    from server.notices.models import GuardianNotice, NoticeReminder

    with app.app_context():
        # Thursday 10:00 local: the drain's notices (Wednesday 10:00) and the day's 晨检 (Tuesday 08:10) fall due
        # for their next reminder the same hour as these or earlier, and not again within `rounds` hours.
        queued_at = START + timedelta(days=2, hours=3)
        _queue(REMINDER_NOTICES, queued_at)  # their first pushes stay in the outbox: the job does not send
        waiting = db.session.execute(select(func.count()).select_from(GuardianNotice)).scalar_one()
        reference = _timed(lambda: db.session.execute(select(func.count()).select_from(GuardianNotice)).scalar_one(),
                           rounds)
        first = queued_at + timedelta(hours=24, minutes=5)  # the job's :05 after the first reminder fell due
        start = time.perf_counter()
        remind(first)
        db.session.commit()
        issuing = (time.perf_counter() - start) * 1000
        issued = db.session.execute(select(func.count()).select_from(NoticeReminder)).scalar_one()
        quiet = []
        for hour in range(1, rounds + 1):
            start = time.perf_counter()
            remind(first + timedelta(hours=hour))
            db.session.commit()
            quiet.append((time.perf_counter() - start) * 1000)
        assert db.session.execute(select(func.count()).select_from(NoticeReminder)).scalar_one() == issued, \
            "a quiet hour issued reminders"
    p50, p99 = _percentiles(quiet)
    return [(f"SELECT count(*) of {waiting} notices (reference)", *reference),
            (f"reminder job issuing {issued} reminders (one run)", issuing, issuing),
            (f"reminder job, nothing due ({waiting} open, {rounds} runs)", p50, p99)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint of the family's day")
    parser.add_argument("--notices", type=int, default=300, help="notices queued for the outbox drain")
    parser.add_argument("--rounds", type=int, default=20, help="quiet runs of the reminder job (≤ 22)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL: run on a scratch database there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, \
            (scratch_database(args.postgres) if args.postgres else nullcontext(f"sqlite:///{tmp}/bench.sqlite3")) as url:
        clock = FakeClock(current=START)
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp, "CLOCK": clock, "RATELIMIT_ENABLED": False,
                          "SCHEMA_CHECK": False,
                          "NOTIFIER_SEND_TIMEOUT_S": 10})
        with app.app_context():
            from flask_migrate import upgrade

            from server.demo.seed import seed_demo

            upgrade()
            started = time.perf_counter()
            seed_demo(code="demo", now=START, history_days=0)
            db.session.commit()
            print(f"demo seeded in {time.perf_counter() - started:.1f} s "
                  f"({'PostgreSQL' if args.postgres else 'SQLite'}, no history)")
        day = _bench_day(app, clock, args.requests)
        print(f"\nThe family's day: {args.requests} requests each, through the app's test client")
        print(f"{'':<44}{'p50 ms':>9}{'p99 ms':>9}{'× ref':>8}")
        for name, p50, p99 in day:
            print(f"{name:<44}{p50:>9.1f}{p99:>9.1f}{p50 / day[0][1]:>8.1f}", flush=True)
        drain = _bench_drain(app, clock, args.notices)
        print("\nThe outbox drain: pushes to a local HTTP receiver")
        print(f"{'':<44}{'msg/s':>9}  note")
        for name, rate, note in drain:
            print(f"{name:<44}{rate:>9.0f}  {note}")
        print(f"drain / bare new-connection loop: {drain[0][1] / drain[2][1]:.0%}; "
              f"/ bare httpx.post: {drain[0][1] / drain[1][1]:.0%}", flush=True)
        reminders = _bench_reminders(app, clock, args.rounds)
        print(f"\nThe reminder job, {REMINDER_NOTICES} notices queued at once among the open ones (ms per run)")
        print(f"{'':<44}{'p50 ms':>9}{'p99 ms':>9}")
        for name, p50, p99 in reminders:
            print(f"{name:<44}{p50:>9.1f}{p99:>9.1f}")
    ref = day[0]
    rows = [(day[1][0], f"{day[1][1]:.1f} / {day[1][2]:.1f} ms", f"/healthz {ref[1]:.1f} / {ref[2]:.1f} ms",
             f"{day[1][1] / ref[1]:.1f}×"),
            (day[2][0], f"{day[2][1]:.1f} / {day[2][2]:.1f} ms", f"/healthz {ref[1]:.1f} / {ref[2]:.1f} ms",
             f"{day[2][1] / ref[1]:.1f}×"),
            (drain[0][0], f"{drain[0][1]:.0f} msg/s", f"new connection {drain[2][1]:.0f} msg/s",
             f"{drain[0][1] / drain[2][1]:.0%}"),
            (reminders[1][0], f"{reminders[1][1]:.0f} ms", f"count(*) {reminders[0][1]:.1f} ms", ""),
            (reminders[2][0], f"{reminders[2][1]:.1f} / {reminders[2][2]:.1f} ms", f"count(*) {reminders[0][1]:.1f} ms",
             f"{reminders[2][1] / reminders[0][1]:.0f}×")]
    print(f"\nSummary ({'PostgreSQL' if args.postgres else 'SQLite'}; p50 / p99 where two figures)")
    print(f"{'measure':<52}{'figure':>20}  {'reference (same run)':<30}{'ratio':>7}")
    for name, shown, reference, ratio in rows:
        print(f"{name:<52}{shown:>20}  {reference:<30}{ratio:>7}")
    db_name = "PostgreSQL" if args.postgres else "SQLite"
    healthz = f"/healthz p99 {ref[2]:.1f} ms"
    figure(f"{db_name}: family day page, p99", day[1][2], "ms", reference=healthz)
    figure(f"{db_name}: family day JSON, p99", day[2][2], "ms", reference=healthz)
    figure(f"{db_name}: outbox drain", drain[0][1], "msg/s", reference=drain[2][1])
    figure(f"{db_name}: reminder job issuing {REMINDER_NOTICES}", reminders[1][1], "ms")
    figure(f"{db_name}: reminder job, nothing due, p99", reminders[2][2], "ms",
           reference=f"count(*) {reminders[0][1]:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
