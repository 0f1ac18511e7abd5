"""The outbox: rows enqueued with the notice (each guardian × channel), rendered in the guardian's language and
saying nothing about health; drained minute by minute through a receiver that fails and recovers — delivered
exactly once, every attempt logged, the backoff respected; dead after the last attempt, with an alert."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.alerts.models import Alert
from server.audit.models import AuditEntry
from server.database import db
from server.notices.jobs import DRAIN_OUTBOX, drain_outbox
from server.notices.models import NoticeDeliveryAttempt, NoticeOutbox, OutboxStatus
from server.notices.operations import delivery_of, queue_notice
from server.notices.outbox import given_name
from server.notices.settings import NotifierSettings
from server.notices.settings_ops import disable_channel, save_preferences
from server.scheduling.operations import run_once
from tests.factories import SYSTEM
from tests.server.notices.conftest import SUBJECT, guardian_actor, push_channel


def _notice(world, now, *, kind="health_check.abnormal", child="child"):  # type: ignore[no-untyped-def]
    return queue_notice(centre_id=world["alpha"].id, child_id=world[child].id, kind=kind, subject=SUBJECT,
                        detail={"findings": "手心疱疹", "temperature": "38.4"}, actor=SYSTEM, now=now)


def _address(world, who, channel, address, now, **prefs):  # type: ignore[no-untyped-def]
    save_preferences(world[who], language=prefs.get("language", ""), quiet_start=prefs.get("quiet_start", ""),
                     quiet_end=prefs.get("quiet_end", ""), addresses={channel.id: address},
                     languages=["zh_Hans_CN", "en"], actor=guardian_actor(world[f"{who}_login"]), now=now)


def _rows(notice_id=None):  # type: ignore[no-untyped-def]
    stmt = select(NoticeOutbox).order_by(NoticeOutbox.id)
    if notice_id is not None:
        stmt = stmt.where(NoticeOutbox.notice_id == notice_id)
    return list(db.session.execute(stmt).scalars())


def test_a_notice_is_enqueued_for_each_guardian_and_channel_in_the_same_transaction(world, clock, receiver):
    channel = push_channel(world, receiver, clock.now())
    _address(world, "mama", channel, "mama", clock.now())
    notice = _notice(world, clock.now())
    rows = _rows(notice.id)
    assert sorted((r.contact_id, r.channel, r.status, r.next_attempt_at) for r in rows) == sorted([
        (world["mama"].id, "portal", OutboxStatus.PENDING, clock.now()),
        (world["mama"].id, channel.key, OutboxStatus.PENDING, clock.now()),
        (world["baba"].id, "portal", OutboxStatus.PENDING, clock.now())])  # no address on the push channel
    assert world["nanny"].id not in {r.contact_id for r in rows}  # collects the child, is no guardian
    db.session.rollback()  # the notice and its rows are one transaction: both or neither
    assert _rows() == []


def test_enqueueing_is_audited_in_one_go(world, clock, receiver):
    before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    _notice(world, clock.now())
    actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id).offset(before)).scalars().all()
    assert actions == ["guardian_notice.queue", "notice_outbox.enqueue", "notice_outbox.enqueue"]


def test_a_child_without_reachable_guardians_gets_no_rows_and_stays_undelivered(world, clock):
    notice = _notice(world, clock.now(), child="beta_child")
    assert _rows(notice.id) == []
    drain_outbox(clock.now())
    assert delivery_of(notice) is None


def test_the_push_says_only_that_there_is_a_notice_with_the_given_name_and_a_link(world, clock, receiver):
    channel = push_channel(world, receiver, clock.now())
    _address(world, "mama", channel, "mama", clock.now())
    notice = _notice(world, clock.now())
    drain_outbox(clock.now())
    [(path, body)] = receiver.delivered
    assert path == "/hook/mama"
    assert body["title"] == "alpha 托育中心 的通知"
    assert body["message"] == f"有一条关于小明的通知，请查看并确认：/centres/alpha/family/notices/{notice.id}"
    assert "疱疹" not in str(body) and "38.4" not in str(body) and "王小明" not in str(body)


def test_the_push_is_rendered_in_the_guardians_language(world, clock, receiver):
    channel = push_channel(world, receiver, clock.now())
    _address(world, "mama", channel, "mama", clock.now())
    _address(world, "baba", channel, "baba", clock.now(), language="en")
    _notice(world, clock.now())
    drain_outbox(clock.now())
    bodies = {path: body["message"] for path, body in receiver.delivered}
    assert bodies["/hook/baba"].startswith("There is a notice about 小明. Please open it and acknowledge it: ")
    assert bodies["/hook/mama"].startswith("有一条关于小明的通知")


@pytest.mark.parametrize(("name", "given"), [("王小明", "小明"), ("欧阳小雨", "小雨"), ("Emma Smith", "Emma"), ("李", "李")])
def test_a_push_calls_the_child_by_given_name(name, given):
    assert given_name(name) == given


def test_a_failing_receiver_that_recovers_delivers_exactly_once_with_backoff(world, clock, receiver):
    channel = push_channel(world, receiver, clock.now())
    _address(world, "mama", channel, "mama", clock.now())
    receiver.plan = [500, 500]  # the first two attempts fail, the third goes through
    notice = _notice(world, clock.now())
    t0 = clock.now()
    seen = []
    for _ in range(11):  # minute by minute, and half a minute in between: nothing is sent early
        run_once(DRAIN_OUTBOX, now=clock.now())
        seen.append((clock.now() - t0, len(receiver.requests)))
        clock.advance(seconds=30)
    assert seen == [(timedelta(seconds=30 * i), n) for i, n in enumerate([1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3])]
    assert [status for _, _, status in receiver.requests] == [500, 500, 200]
    assert len(receiver.delivered) == 1
    push = db.session.execute(select(NoticeOutbox).where(NoticeOutbox.channel == channel.key)).scalar_one()
    assert (push.status, push.attempts, push.sent_at) == (OutboxStatus.SENT, 3, t0 + timedelta(minutes=3))
    log = db.session.execute(select(NoticeDeliveryAttempt).where(NoticeDeliveryAttempt.outbox_id == push.id)
                             .order_by(NoticeDeliveryAttempt.id)).scalars().all()
    assert [(a.attempt, a.at - t0, a.ok) for a in log] == [
        (1, timedelta(0), False), (2, timedelta(minutes=1), False), (3, timedelta(minutes=3), True)]
    assert "500" in (log[0].error or "") and "/hook/mama" not in (log[0].error or "")
    # The portal counted at once: the notice was delivered at t0, by the first channel that succeeded.
    assert (delivery_of(notice).delivered_at, delivery_of(notice).channel) == (t0, "portal")


def test_the_notice_is_delivered_by_push_when_no_guardian_has_an_account(world, clock, receiver):
    channel = push_channel(world, receiver, clock.now())
    _address(world, "lima", channel, "lima", clock.now())
    from server.people.models import Contact

    db.session.get(Contact, world["lima"].id).user_id = None  # the portal needs an account
    db.session.flush()
    notice = _notice(world, clock.now(), child="other_child")
    drain_outbox(clock.now())
    assert delivery_of(notice).channel == channel.key


def test_after_the_last_attempt_the_row_is_dead_and_the_director_alerted(world, clock, receiver):
    channel = push_channel(world, receiver, clock.now())
    _address(world, "mama", channel, "mama", clock.now())
    receiver.plan = [500] * 10
    _notice(world, clock.now())
    settings = replace(NotifierSettings.from_config({}), max_attempts=3)
    t0 = clock.now()
    for minutes in (0, 1, 3, 7, 60, 600):
        drain_outbox(t0 + timedelta(minutes=minutes), settings=settings)
    push = db.session.execute(select(NoticeOutbox).where(NoticeOutbox.channel == channel.key)).scalar_one()
    assert (push.status, push.attempts, len(receiver.requests)) == (OutboxStatus.DEAD, 3, 3)
    alert = db.session.execute(select(Alert).where(Alert.kind == "notices.undeliverable")).scalar_one()
    assert (alert.severity, alert.subject["outbox_id"], alert.resolved_at) == ("warning", push.id, None)
    assert "企业微信" in alert.message_zh and "mama" not in alert.message_zh


def test_backoff_doubles_and_is_capped():
    settings = NotifierSettings.from_config({})
    assert [settings.backoff(n) for n in (1, 2, 3, 4, 5, 6, 7, 8, 20)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60, 60)]


def test_rows_of_a_disabled_channel_are_cancelled_not_sent(world, clock, receiver):
    channel = push_channel(world, receiver, clock.now())
    _address(world, "mama", channel, "mama", clock.now())
    _notice(world, clock.now())
    disable_channel(channel, actor=SYSTEM, now=clock.now())
    drain_outbox(clock.now())
    push = db.session.execute(select(NoticeOutbox).where(NoticeOutbox.channel == channel.key)).scalar_one()
    assert (push.status, receiver.requests) == (OutboxStatus.CANCELLED, [])


def test_a_channel_that_raises_is_a_failed_attempt_never_a_lost_row(world, clock, receiver):
    channel = push_channel(world, receiver, clock.now())
    _address(world, "mama", channel, "mama", clock.now())
    _notice(world, clock.now())
    channel.kind = "carrier-pigeon"  # a kind this installation has no channel for: building it raises
    db.session.flush()
    report = drain_outbox(clock.now())
    push = db.session.execute(select(NoticeOutbox).where(NoticeOutbox.channel_id == channel.id)).scalar_one()
    assert (report.sent, report.failed, push.status, push.attempts) == (2, 1, OutboxStatus.PENDING, 1)
    attempt = db.session.execute(select(NoticeDeliveryAttempt).where(
        NoticeDeliveryAttempt.outbox_id == push.id)).scalar_one()
    assert (attempt.ok, attempt.error) == (False, "ValueError")
