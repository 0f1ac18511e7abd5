"""The restore drill (issue #20): back up, keep checking children in, restore the older backup, let the kiosk
reconnect. What the kiosk still holds arrives once; what the server acknowledged after the backup (and the kiosk
therefore deleted) is reported lost, never silently; the report gives the audit chain heads before and after.

The kiosk is the real outbox and HTTP uplink against the app served on 127.0.0.1 (`live_url`).
"""

from __future__ import annotations

import random
import re
import socket
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from devices.delivery import Deliverer, Outcome
from devices.outbox import Outbox, RowState
from devices.uplink import HttpUplink
from server.alerts.models import Alert
from server.attendance.models import AttendanceEvent
from server.audit.models import AuditHead, chain_for
from server.backup.status import last_backup
from server.cli import main
from server.database import db
from server.fleet.models import DeviceEvent
from tests.factories import link, make_child
from tests.server.attendance.kiosk_helpers import world  # noqa: F401 - the fixture


@pytest.fixture
def children(world, clock) -> list[int]:  # type: ignore[no-untyped-def]  # noqa: F811
    """Six children of the same mother (one check-in each, so a duplicate would show as a second row)."""
    ids = [world["child"].id]
    for i in range(5):
        child = make_child(world["centre"], clock.now(), name=f"孩子{i}")
        link(child, world["mother"], clock.now())
        ids.append(child.id)
    db.session.commit()
    return ids


@pytest.fixture
def outbox(world, clock, tmp_path_factory) -> Iterator[Outbox]:  # type: ignore[no-untyped-def]  # noqa: F811
    # Outside the instance folder: the kiosk's file is the device's, not the server's (a restore must not touch it).
    box = Outbox(tmp_path_factory.mktemp("kiosk") / "outbox.sqlite3", clock, world["kiosk"]["device_id"])
    yield box
    box.close()


@pytest.fixture
def dead_port() -> Iterator[int]:
    """A port bound but never listening: connections to it are refused (the server is down)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def check_in(world, outbox: Outbox, child_id: int, clock) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    clock.advance(timedelta(minutes=1))
    outbox.put("attendance.check_in", {"person_id": f"c{world['mother'].id}", "children": [child_id],
                                       "method": "card", "credential_id": world["credential"].id})


def deliver(kiosk: Deliverer) -> Outcome:
    db.session.commit()  # SQLite: the test's session must not hold the write lock the server needs
    outcome = kiosk.step()
    db.session.commit()
    return outcome


def checked_in() -> list[int]:
    return sorted(cid for (children,) in db.session.execute(select(AttendanceEvent.child_id)).all()
                  for cid in [children])


def test_the_restore_drill(app, world, children, outbox, live_url, dead_port, clock):  # noqa: F811
    """On both databases. A few seconds on SQLite; longer on PostgreSQL, where the restore first restores the
    archive into a scratch database it creates, verifies and drops, then replaces the live one."""
    runner = app.test_cli_runner()
    device_id = world["kiosk"]["device_id"]
    centre_chain = chain_for(world["centre"].id)
    with httpx.Client(timeout=10.0) as http:
        online = Deliverer(outbox, HttpUplink(live_url, world["kiosk"]["token"], client=http), clock,
                           random.Random(1))
        down = Deliverer(outbox, HttpUplink(f"http://127.0.0.1:{dead_port}", world["kiosk"]["token"], client=http),
                         clock, random.Random(2))
        for child_id in children[:2]:
            check_in(world, outbox, child_id, clock)
        assert deliver(online) is Outcome.DELIVERED

        clock.advance(timedelta(minutes=5))
        # Verification of a backup has its own tests; the restore below verifies this archive on a scratch database
        # before it replaces anything.
        backed_up = runner.invoke(main, ["backup", "--no-verify"])
        assert backed_up.exit_code == 0, backed_up.output
        archive = last_backup(app.instance_path).path
        backup_head = db.session.get(AuditHead, centre_chain).seq

        for child_id in children[2:4]:  # delivered and acknowledged after the backup: the kiosk deletes them
            check_in(world, outbox, child_id, clock)
        assert deliver(online) is Outcome.DELIVERED
        for child_id in children[4:]:  # the server is down: the kiosk holds them
            check_in(world, outbox, child_id, clock)
        assert deliver(down) is Outcome.RETRY
        assert outbox.counts()[RowState.PENDING] == 2
        head_before = db.session.get(AuditHead, centre_chain)
        before_seq, before_hash = head_before.seq, head_before.head_hash
        db.session.commit()

        clock.advance(timedelta(minutes=30))
        refused = runner.invoke(main, ["restore", archive])
        restored = runner.invoke(main, ["restore", archive, "--yes"])

        assert refused.exit_code != 0 and "--yes" in refused.output
        assert restored.exit_code == 0, restored.output
        # The report: the chain head before and after, and how many entries the restore rolled back.
        line = next(ln for ln in restored.output.splitlines() if ln.strip().startswith(centre_chain + ":"))
        assert f"#{before_seq} {before_hash[:16]}" in line and f"#{backup_head} " in line
        assert f"{before_seq - backup_head} entries rolled back" in line
        # Per device: what the backup holds, and the acknowledged events it rolled back (the kiosk deleted them).
        assert re.search(rf"{device_id} .*: 2 条 / events", restored.output)
        assert "acknowledged, rolled back: 2 条 / events" in restored.output

        assert deliver(online) is Outcome.DELIVERED  # the kiosk reconnects and delivers what it held

    # Held events arrived, nothing twice; the two acknowledged-then-lost check-ins are gone...
    assert checked_in() == sorted(children[:2] + children[4:])
    assert db.session.execute(select(func.count(DeviceEvent.id))).scalar_one() == 4
    assert (outbox.counts()[RowState.PENDING], outbox.dead_letters()) == (0, [])
    # ...and the server says so, not silently.
    alerts = db.session.execute(select(Alert.kind, Alert.severity, Alert.subject)).all()
    assert [(kind, severity, subject["device_id"], subject["events"]) for kind, severity, subject in alerts
            if kind == "backup.events_rolled_back"] == [("backup.events_rolled_back", "urgent", device_id, 2)]
    # The restored chain (with the restore's own entries appended) verifies.
    verified = runner.invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
