"""The audit chain detects every kind of tampering and stays linear under concurrent writers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from server.audit.models import AuditEntry, chain_for
from server.audit.operations import entry_hash, verify_chain
from server.auth.actor import Actor
from server.cli import main
from server.database import db
from server.people.models import Child
from server.people.operations import update_child
from tests.factories import make_centre, make_child, make_room


@pytest.fixture
def chain(app, clock):
    """A centre whose chain holds 6 entries (centre, room, 4 children)."""
    centre = make_centre("alpha", clock.now())
    room = make_room(centre, clock.now())
    for i in range(4):
        clock.advance(minutes=1)
        make_child(centre, clock.now(), room=room, name=f"孩子{i}")
    db.session.commit()
    return chain_for(centre.id)


def _sql(statement: str, **params: object) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()


def test_untouched_chain_verifies(chain):
    report = verify_chain(chain)
    assert (report.ok, report.entries) == (True, 6)


def test_edited_entry_is_detected_at_that_entry(chain):
    _sql("UPDATE audit_entry SET object_id = '999' WHERE chain = :c AND seq = 3", c=chain)
    report = verify_chain(chain)
    assert (report.ok, report.broken_at_seq) == (False, 3)


def test_edited_timestamp_is_detected(chain):
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.chain == chain, AuditEntry.seq == 4)).scalar_one()
    entry.at = entry.at - timedelta(hours=2)
    db.session.commit()
    assert verify_chain(chain).broken_at_seq == 4


def test_deleted_entry_is_detected_where_the_gap_starts(chain):
    _sql("DELETE FROM audit_entry WHERE chain = :c AND seq = 3", c=chain)
    report = verify_chain(chain)
    assert (report.ok, report.broken_at_seq) == (False, 3)


def test_removed_tail_is_detected_against_the_head(chain):
    _sql("DELETE FROM audit_entry WHERE chain = :c AND seq = 6", c=chain)
    report = verify_chain(chain)
    assert (report.ok, report.broken_at_seq) == (False, 6)


def test_inserted_entry_is_detected(chain):
    last = db.session.execute(select(AuditEntry).where(AuditEntry.chain == chain, AuditEntry.seq == 6)).scalar_one()
    forged = AuditEntry(
        chain=chain, seq=7, centre_id=last.centre_id, at=last.at, actor_id=None, actor_kind="system",
        action="child.update", object_type="child", object_id="1", before_digest=None, after_digest=None,
        prev_hash=last.entry_hash,
    )
    forged.entry_hash = entry_hash(forged)  # a well-formed forgery: only the head betrays it
    db.session.add(forged)
    db.session.commit()
    report = verify_chain(chain)
    assert (report.ok, report.broken_at_seq) == (False, 7)


def test_reordered_entries_are_detected(chain):
    _sql("UPDATE audit_entry SET seq = -1 WHERE chain = :c AND seq = 2", c=chain)
    _sql("UPDATE audit_entry SET seq = 2 WHERE chain = :c AND seq = 3", c=chain)
    _sql("UPDATE audit_entry SET seq = 3 WHERE chain = :c AND seq = -1", c=chain)
    report = verify_chain(chain)
    assert (report.ok, report.broken_at_seq) == (False, 2)


def test_cli_verify_names_the_broken_entry_and_fails(app, chain):
    _sql("UPDATE audit_entry SET action = 'child.delete' WHERE chain = :c AND seq = 5", c=chain)
    result = app.test_cli_runner().invoke(main, ["audit", "verify", "--centre", "alpha"])
    assert result.exit_code == 1
    assert "5" in result.output and "BROKEN" in result.output


def test_cli_verify_passes_on_a_clean_chain(app, chain):
    result = app.test_cli_runner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_audit_rows_hold_no_personal_data(app, clock):
    centre = make_centre("alpha", clock.now())
    make_child(centre, clock.now(), name="独一无二的名字")
    db.session.commit()
    dump = str(db.session.execute(text("SELECT * FROM audit_entry")).all())
    assert "独一无二的名字" not in dump


def test_concurrent_writers_keep_one_linear_chain(app, clock):
    """8 threads x 200 audited changes: every entry chains, none forks."""
    centre = make_centre("alpha", clock.now())
    children = [make_child(centre, clock.now(), name=f"孩子{i}").id for i in range(8)]
    db.session.commit()
    errors: list[BaseException] = []

    def writer(child_id: int) -> None:
        try:
            with app.app_context():
                for n in range(200):
                    child = db.session.get(Child, child_id)
                    update_child(child, {"allergies": f"v{n}"}, actor=Actor.system(), now=clock.now(),
                                 today=clock.now().date())
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(cid,)) for cid in children]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    chain = chain_for(centre.id)
    count = db.session.execute(select(func.count()).where(AuditEntry.chain == chain)).scalar_one()
    distinct_prev = db.session.execute(
        select(func.count(func.distinct(AuditEntry.prev_hash))).where(AuditEntry.chain == chain)
    ).scalar_one()
    report = verify_chain(chain)
    assert (count, distinct_prev, report.ok) == (1 + 8 + 1600, 1 + 8 + 1600, True)
