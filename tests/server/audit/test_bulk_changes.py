"""Many changes appended to a chain in one go (`record_changes`): the same chain as one by one, and it verifies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.audit.models import AuditEntry, AuditHead, chain_for
from server.audit.operations import ChangeToAudit, record_change, record_changes, verify_chain
from server.auth.actor import Actor
from server.database import db
from tests.factories import make_centre


@pytest.fixture
def centre(app, clock):  # type: ignore[no-untyped-def]
    made = make_centre("alpha", clock.now())
    db.session.commit()
    return made


def _changes(clock) -> list[ChangeToAudit]:  # type: ignore[no-untyped-def]
    start = clock.now() - timedelta(days=3)
    return [ChangeToAudit(action="care_nap.check", object_type="care_nap_check", object_id=100 + i,
                          after={"nap_id": 7, "at": start + timedelta(minutes=9 * i), "position": "back"},
                          at=start + timedelta(minutes=9 * i)) for i in range(40)] + [
        ChangeToAudit(action="child.update", object_type="child", object_id="12", before={"allergies": None},
                      after={"allergies": "eggs"})]  # no `at`: the call's now


def _chain_rows(chain: str) -> list[tuple[object, ...]]:
    return [(e.seq, e.at, e.action, e.object_type, e.object_id, e.before_digest, e.after_digest, e.prev_hash,
             e.entry_hash, e.actor_id, e.actor_kind) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq))]


def test_the_same_chain_as_one_by_one(centre, clock):
    chain, actor, now = chain_for(centre.id), Actor.system(), clock.now()
    for change in _changes(clock):
        record_change(centre_id=centre.id, actor_id=actor.user_id, actor_kind=actor.kind, action=change.action,
                      object_type=change.object_type, object_id=change.object_id, before=change.before,
                      after=change.after, now=change.at or now)
    one_by_one = _chain_rows(chain)
    db.session.rollback()
    assert record_changes(_changes(clock), centre_id=centre.id, actor=actor, now=now) == 41
    db.session.commit()
    assert _chain_rows(chain) == one_by_one
    assert verify_chain(chain).ok and verify_chain(chain).entries == len(one_by_one)
    head = db.session.get(AuditHead, chain)
    assert (head.seq, head.head_hash) == (one_by_one[-1][0], one_by_one[-1][8])


def test_it_chains_on_from_single_entries_and_they_on_from_it(centre, clock):
    chain, actor = chain_for(centre.id), Actor.system()
    before = verify_chain(chain).entries
    record_changes(_changes(clock)[:5], centre_id=centre.id, actor=actor, now=clock.now())
    record_change(centre_id=centre.id, actor_id=None, actor_kind="system", action="centre.update",
                  object_type="centre", object_id=centre.id, before=None, after={"name": "x"}, now=clock.now())
    record_changes(_changes(clock)[5:], centre_id=centre.id, actor=actor, now=clock.now())
    db.session.commit()
    report = verify_chain(chain)
    assert report.ok and report.entries == before + 42


def test_nothing_to_append_changes_nothing(centre, clock):
    chain = chain_for(centre.id)
    head = db.session.get(AuditHead, chain)
    seq, head_hash = head.seq, head.head_hash
    assert record_changes([], centre_id=centre.id, actor=Actor.system(), now=clock.now()) == 0
    db.session.commit()
    assert (head.seq, head.head_hash) == (seq, head_hash) and verify_chain(chain).ok


def test_a_tampered_bulk_entry_is_caught_like_any_other(centre, clock):
    chain = chain_for(centre.id)
    record_changes(_changes(clock), centre_id=centre.id, actor=Actor.system(), now=clock.now())
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.chain == chain, AuditEntry.action ==
                                                        "care_nap.check").order_by(AuditEntry.seq).offset(10)).first()
    entry.object_id = "999"
    db.session.commit()
    assert verify_chain(chain).broken_at_seq == entry.seq
