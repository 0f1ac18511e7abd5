"""Quiet hours: a push waits for their end (the centre's 21:00–07:30, or the guardian's own); the portal never
waits, nor an urgent kind; a retry that falls into them waits too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.database import db
from server.notices.jobs import drain_outbox
from server.notices.models import NoticeOutbox, OutboxStatus
from server.notices.operations import queue_notice
from server.notices.settings_ops import save_preferences
from server.notices.timing import QuietHours
from tests.factories import SYSTEM
from tests.server.notices.conftest import SUBJECT, guardian_actor, push_channel

EVENING = datetime(2026, 9, 7, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
NEXT_MORNING = datetime(2026, 9, 7, 23, 30, tzinfo=UTC)  # 07:30 in Shanghai


def _setup(world, clock, receiver, **prefs):  # type: ignore[no-untyped-def]
    channel = push_channel(world, receiver, clock.now())
    save_preferences(world["mama"], language="", quiet_start=prefs.get("start", ""), quiet_end=prefs.get("end", ""),
                     addresses={channel.id: "mama"}, languages=["zh_Hans_CN", "en"],
                     actor=guardian_actor(world["mama_login"]), now=clock.now())
    return channel


def _queue(world, now, kind="health_check.abnormal"):  # type: ignore[no-untyped-def]
    return queue_notice(centre_id=world["alpha"].id, child_id=world["child"].id, kind=kind, subject=SUBJECT,
                        detail={}, actor=SYSTEM, now=now)


def _push(channel):  # type: ignore[no-untyped-def]
    return db.session.execute(select(NoticeOutbox).where(NoticeOutbox.channel_id == channel.id)).scalar_one()


def test_a_push_queued_in_the_evening_waits_for_the_morning_the_portal_does_not(world, clock, receiver):
    channel = _setup(world, clock, receiver)
    _queue(world, EVENING)
    assert _push(channel).next_attempt_at == NEXT_MORNING
    drain_outbox(EVENING)
    portal = db.session.execute(select(NoticeOutbox).where(NoticeOutbox.channel == "portal")).scalars().all()
    assert {row.status for row in portal} == {OutboxStatus.SENT} and receiver.requests == []
    drain_outbox(NEXT_MORNING - timedelta(minutes=1))
    assert receiver.requests == []
    drain_outbox(NEXT_MORNING)
    assert len(receiver.delivered) == 1 and _push(channel).sent_at == NEXT_MORNING


def test_an_urgent_kind_is_pushed_through_quiet_hours(world, clock, receiver):
    channel = _setup(world, clock, receiver)
    _queue(world, EVENING, kind="incident.report")
    drain_outbox(EVENING)
    assert (len(receiver.delivered), _push(channel).sent_at) == (1, EVENING)


def test_a_guardians_own_quiet_hours_replace_the_centres(world, clock, receiver):
    channel = _setup(world, clock, receiver, start="23:00", end="06:00")
    _queue(world, EVENING)  # 22:00 is quiet for the centre, not for her
    drain_outbox(EVENING)
    assert _push(channel).sent_at == EVENING
    _queue(world, EVENING + timedelta(hours=1, minutes=30))  # 23:30: hers
    assert _push_rows(channel)[-1].next_attempt_at == datetime(2026, 9, 7, 22, 0, tzinfo=UTC)  # 06:00


def _push_rows(channel):  # type: ignore[no-untyped-def]
    return db.session.execute(select(NoticeOutbox).where(NoticeOutbox.channel_id == channel.id)
                              .order_by(NoticeOutbox.id)).scalars().all()


def test_a_retry_that_falls_into_quiet_hours_waits_for_their_end(world, clock, receiver):
    channel = _setup(world, clock, receiver)
    receiver.plan = [500]
    late = datetime(2026, 9, 7, 12, 59, 30, tzinfo=UTC)  # 20:59:30: the retry would come at 21:00:30
    _queue(world, late)
    drain_outbox(late)
    drain_outbox(late + timedelta(minutes=1))
    row = _push(channel)
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.PENDING, 1, NEXT_MORNING)
    drain_outbox(NEXT_MORNING)
    assert _push(channel).status is OutboxStatus.SENT and len(receiver.requests) == 2


def test_quiet_hours_wrap_past_midnight():
    quiet = QuietHours(21 * 60, 7 * 60 + 30)
    zone = ZoneInfo("Asia/Shanghai")
    at = [datetime(2026, 9, 7, h, m, tzinfo=zone) for h, m in ((20, 59), (21, 0), (3, 0), (7, 29), (7, 30))]
    assert [quiet.holds(t) for t in at] == [False, True, True, True, False]
    assert quiet.ends_after(at[1], zone) == datetime(2026, 9, 8, 7, 30, tzinfo=zone)
    assert quiet.ends_after(at[2], zone) == datetime(2026, 9, 7, 7, 30, tzinfo=zone)
    assert quiet.ends_after(at[0], zone) == at[0]
