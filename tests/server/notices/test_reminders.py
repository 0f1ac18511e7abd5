"""Reminders at the rulebook's intervals, with the injected clock and the job at its real (hourly) cadence: daily
for 30 days, then every 30 days, stopping at the acknowledgement; a reminder waiting in the outbox when the
guardian acknowledges is cancelled, never sent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from compliance.rulebook import effective_rulebook
from server.database import db
from server.notices.jobs import REMINDERS, drain_outbox
from server.notices.kinds import kind_of
from server.notices.models import NoticeOutbox, NoticeReminder, OutboxStatus
from server.notices.operations import acknowledge, queue_notice
from server.notices.reminders import issue_reminders
from server.notices.settings_ops import save_preferences
from server.notices.timing import ack_timing
from server.scheduling.operations import run_once
from tests.factories import SYSTEM
from tests.server.notices.conftest import SUBJECT, TODAY, guardian_actor, push_channel


def _setup(world, clock, receiver, kind="health_check.abnormal"):  # type: ignore[no-untyped-def]
    channel = push_channel(world, receiver, clock.now())
    save_preferences(world["mama"], language="", quiet_start="", quiet_end="", addresses={channel.id: "mama"},
                     languages=["zh_Hans_CN", "en"], actor=guardian_actor(world["mama_login"]), now=clock.now())
    return channel, queue_notice(centre_id=world["alpha"].id, child_id=world["child"].id, kind=kind,
                                 subject=SUBJECT, detail={}, actor=SYSTEM, now=clock.now())


def _issued(notice) -> list[tuple[int, timedelta]]:  # type: ignore[no-untyped-def]
    rows = db.session.execute(select(NoticeReminder).where(NoticeReminder.notice_id == notice.id)
                              .order_by(NoticeReminder.number)).scalars()
    return [(r.number, r.issued_at - notice.created_at) for r in rows]


def test_reminders_daily_for_30_days_then_monthly_until_acknowledged(world, clock, receiver):
    channel, notice = _setup(world, clock, receiver)
    slot = timedelta(minutes=35)  # queued 09:30; the hourly job runs at :05
    clock.advance(minutes=35)
    for _ in range(24 * 3 + 1):  # every hour for three days: each reminder at the first slot after it fell due
        run_once(REMINDERS, now=clock.now())
        clock.advance(hours=1)
    assert _issued(notice) == [(n, timedelta(days=n) + slot) for n in (1, 2, 3)]
    clock.advance(hours=23)  # day 4, 10:05
    for _ in range(28):  # then day by day at the job's 10:05 slot, to day 31
        run_once(REMINDERS, now=clock.now())
        clock.advance(days=1)
    daily = [(n, timedelta(days=n) + slot) for n in range(1, 31)]
    assert _issued(notice) == daily
    for _ in range(95):  # and on to day 126
        run_once(REMINDERS, now=clock.now())
        clock.advance(days=1)
    monthly = [(31, timedelta(days=60) + slot), (32, timedelta(days=90) + slot), (33, timedelta(days=120) + slot)]
    assert _issued(notice) == daily + monthly
    acknowledge(notice, contact_id=world["baba"].id, actor=guardian_actor(world["baba_login"]), now=clock.now())
    for _ in range(40):
        run_once(REMINDERS, now=clock.now())
        clock.advance(days=1)
    assert _issued(notice)[-1][0] == 33  # reminder 34 (day 150) never came
    pushes = db.session.execute(select(NoticeOutbox.reminder).where(
        NoticeOutbox.channel_id == channel.id, NoticeOutbox.reminder > 0).order_by(NoticeOutbox.reminder)).scalars()
    assert list(pushes) == list(range(1, 34))  # one push per reminder, by push only (no portal row)


def test_a_kind_without_acknowledgement_is_never_reminded(world, clock, receiver):
    _, notice = _setup(world, clock, receiver, kind="message.new")
    assert issue_reminders(clock.now() + timedelta(days=3)) == [] and _issued(notice) == []


def test_a_late_job_issues_only_the_latest_reminder_due(world, clock, receiver):
    _, notice = _setup(world, clock, receiver)
    issue_reminders(clock.now() + timedelta(days=5, hours=1))
    assert _issued(notice) == [(5, timedelta(days=5, hours=1))]


def test_a_reminder_says_it_is_one_and_is_cancelled_if_acknowledged_before_it_goes(world, clock, receiver):
    channel, notice = _setup(world, clock, receiver)
    drain_outbox(clock.now())
    evening = clock.now() + timedelta(days=1, hours=12)  # 21:30: the reminder waits for the morning
    issue_reminders(evening)
    [row] = db.session.execute(select(NoticeOutbox).where(NoticeOutbox.reminder == 1)).scalars().all()
    assert row.body.startswith("提醒：关于小明的通知还在等待您确认") and row.next_attempt_at > evening
    acknowledge(notice, contact_id=world["mama"].id, actor=guardian_actor(world["mama_login"]), now=evening)
    drain_outbox(row.next_attempt_at)
    assert row.status is OutboxStatus.CANCELLED and len(receiver.requests) == 1  # only the notice itself


def test_the_schedule_follows_the_rule_and_a_centres_choice(world):
    kind = kind_of("exclusion")
    default = ack_timing(world["alpha"], kind, world["child"].created_at)
    assert (default.deadline, default.remind_every, default.daily_count) == (timedelta(hours=24), timedelta(hours=24), 30)
    world["alpha"].rule_policy = {"families.notice_acknowledgement": {"deadline_hours": 12, "remind_every_hours": 48}}
    db.session.flush()
    chosen = ack_timing(world["alpha"], kind, world["child"].created_at)
    assert (chosen.deadline, chosen.remind_every, chosen.daily_count) == (timedelta(hours=12), timedelta(hours=48), 15)
    assert effective_rulebook(None, None, TODAY).get("families.notice_acknowledgement") is not None


def test_a_run_with_many_due_hands_back_the_write_lock_every_few_reminders(world, clock, receiver):
    _setup(world, clock, receiver)
    for _ in range(4):
        queue_notice(centre_id=world["alpha"].id, child_id=world["child"].id, kind="health_check.abnormal",
                     subject=SUBJECT, detail={}, actor=SYSTEM, now=clock.now())
    commits: list[int] = []
    made = issue_reminders(clock.now() + timedelta(days=1, hours=1), every=2,
                           after_each=lambda: commits.append(len(db.session.new)))
    assert (len(made), len(commits)) == (5, 2)
