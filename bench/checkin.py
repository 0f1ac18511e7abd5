"""Kiosk check-in throughput: single-event batches to `POST /api/v1/devices/events` under gunicorn
(2 workers, SQLite) from 16 concurrent clients, side by side with the bare insert reference.

Run: .venv/bin/python bench/checkin.py [--requests 2000] [--concurrency 16]
Targets (issue): ≥ 50 % of the reference's throughput, p99 ≤ 50 ms.
"""

from __future__ import annotations

import json
import random
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from harness import BIN, REPO, compare_with_bare, demo_env, gunicorn
from loadgen import LoadResult, run_load

# Runs inside the bench instance: a credential for every adult who may drop off, and one kiosk.
PREPARE = """
import json, sys
from datetime import date
from sqlalchemy import select
from server import create_app
from server.attendance.operations.credentials import issue_credential
from server.auth.actor import Actor
from server.centre.models import Centre
from server.clock import utcnow
from server.database import db
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.people.models import ChildContact, Contact
app = create_app()
with app.app_context():
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    now, families = utcnow(), []
    for link in db.session.execute(select(ChildContact).where(ChildContact.may_drop_off)).scalars().all():
        contact = db.session.get(Contact, link.contact_id)
        cred = issue_credential(centre, contact=contact, expires_on=date(2030, 1, 1), actor=Actor.system(), now=now)
        families.append({"person_id": f"c{contact.id}", "child": link.child_id, "credential_id": cred.id})
    code, _ = create_enrolment_code(centre, kind=DeviceKind.KIOSK, name="bench", actor=Actor.system(), now=now)
    device, token = enroll_device(code, kind=DeviceKind.KIOSK, name=None, version=None, now=now)
    db.session.commit()
    json.dump({"device": device.device_id, "token": token, "families": families}, sys.stdout)
"""


def bench_checkin(tmp: Path, total: int, concurrency: int) -> LoadResult:
    env = demo_env(tmp)
    prepared = json.loads(subprocess.run([str(BIN / "python"), "-c", PREPARE], env=env, cwd=REPO, check=True,
                                         capture_output=True, text=True).stdout)
    rng = random.Random(7)
    device = prepared["device"]

    def batch(i: int) -> dict:
        family = rng.choice(prepared["families"])
        at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        event = {"key": f"00000000-0000-4000-8000-{i:012d}", "device_id": device, "stream": "bench", "sequence": i + 1,
                 "kind": "attendance.check_in" if i % 2 == 0 else "attendance.check_out", "created_at": at,
                 "payload": {"person_id": family["person_id"], "children": [family["child"]], "method": "card",
                             "credential_id": family["credential_id"]}}
        return {"protocol_version": 1, "device_id": device, "sent_at": at, "events": [event]}

    with gunicorn("server:create_app()", env) as base:
        url = base + "/api/v1/devices/events"
        headers = {"Authorization": f"Bearer {prepared['token']}"}
        counter = iter(range(10_000_000))
        run_load(url, lambda _: batch(next(counter)), total=100, concurrency=concurrency, headers=headers,
                 expect=200)
        return run_load(url, lambda _: batch(next(counter)), total=total, concurrency=concurrency,
                        headers=headers, expect=200)


def main() -> None:
    # Targets (issue): ≥ 50 % of the reference's throughput, p99 ≤ 50 ms.
    compare_with_bare(__doc__ or "", "check-in batch (/api/v1/devices/events)", bench_checkin)


if __name__ == "__main__":
    main()
