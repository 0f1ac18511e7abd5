"""Guardian notices: queued undelivered with an audit entry, listed per child and per centre for the parent loop;
a delivery is its own row (the notice is never updated), audited, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.audit.models import AuditEntry
from server.database import db
from server.errors import Conflict
from server.notices.models import GuardianNotice, GuardianNoticeDelivery
from server.notices.operations import delivery_of, notices_of, queue_notice, record_delivery, undelivered
from tests.factories import SYSTEM, make_centre, make_child, make_room


@pytest.fixture
def child(app, clock):  # type: ignore[no-untyped-def]
    centre = make_centre("alpha", clock.now())
    return make_child(centre, clock.now(), room=make_room(centre, clock.now()))


def test_a_notice_is_queued_undelivered_and_audited(child, clock):
    notice = queue_notice(centre_id=child.centre_id, child_id=child.id, kind="health_check.abnormal",
                          subject="Something abnormal was found at your child's health check",
                          detail={"check_id": 7, "temperature": "38.2"}, actor=SYSTEM, now=clock.now())
    assert (delivery_of(notice), notice.detail["temperature"], notice.created_at) == (None, "38.2", clock.now())
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.object_type == "guardian_notice")).scalar_one()
    assert (entry.action, entry.object_id) == ("guardian_notice.queue", str(notice.id))
    assert [n.id for n in undelivered(child.centre_id)] == [notice.id]
    assert [n.id for n in notices_of([child.id], kind="health_check.abnormal")] == [notice.id]
    assert notices_of([child.id], kind="other") == [] and notices_of([]) == []


@pytest.mark.parametrize(("kind", "subject"), [("", "subject"), ("k" * 41, "subject"), ("kind", "")])
def test_a_notice_needs_a_kind_and_a_subject(child, clock, kind, subject):
    with pytest.raises(ValueError):
        queue_notice(centre_id=child.centre_id, child_id=child.id, kind=kind, subject=subject, detail={},
                     actor=SYSTEM, now=clock.now())


def _notice(child, now):  # type: ignore[no-untyped-def]
    return queue_notice(centre_id=child.centre_id, child_id=child.id, kind="health_check.abnormal",
                        subject="Something abnormal was found at your child's health check", detail={}, actor=SYSTEM,
                        now=now)


def test_a_delivery_is_its_own_row_audited_once(child, clock):
    first, second = _notice(child, clock.now()), _notice(child, clock.now())
    before = {c.name: getattr(first, c.name) for c in GuardianNotice.__table__.columns}
    clock.advance(minutes=5)
    delivery = record_delivery(first, channel="wechat", actor=SYSTEM, now=clock.now())
    assert (delivery.notice_id, delivery.delivered_at, delivery.channel, delivery.centre_id) == (
        first.id, clock.now(), "wechat", child.centre_id)
    db.session.expire_all()
    assert {c.name: getattr(first, c.name) for c in GuardianNotice.__table__.columns} == before  # never updated
    assert delivery_of(first).id == delivery.id and delivery_of(second) is None
    assert [n.id for n in undelivered(child.centre_id)] == [second.id]
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "guardian_notice.deliver")).scalar_one()
    assert (entry.object_type, entry.object_id) == ("guardian_notice_delivery", str(delivery.id))
    assert entry.after_digest is not None and entry.before_digest is None
    with pytest.raises(Conflict) as twice:
        record_delivery(first, channel="sms", actor=SYSTEM, now=clock.now() + timedelta(minutes=1))
    assert twice.value.code == "already_delivered"
    assert db.session.execute(select(func.count()).select_from(GuardianNoticeDelivery)).scalar_one() == 1
    record_delivery(second, channel="sms", actor=SYSTEM, now=clock.now())
    assert undelivered(child.centre_id) == []


@pytest.mark.parametrize("channel", ["", "c" * 21])
def test_a_delivery_names_its_channel(child, clock, channel):
    notice = _notice(child, clock.now())
    with pytest.raises(ValueError):
        record_delivery(notice, channel=channel, actor=SYSTEM, now=clock.now())
    assert delivery_of(notice) is None
